"""Disbursements: batch payment, fund tracing (善款去向) and approvals under the fund lock, each as a ratio to a
baseline measured in the same run.

    .venv/bin/python bench/disbursements.py [--sizes 126 1000 5000] [--gifts 1000 10000 100000] [--rounds 2]
                                            [--lookups 200] [--approvals 800] [--only pay trace approve]
                                            [--profile] [--db NAME] [--keep-db]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/charity_bench .venv/bin/python bench/disbursements.py \
        --db charity_bench_disbursements
    .venv/bin/python bench/disbursements.py --smoke   # every phase and --profile at N=7, G=50 (CI)

Works in a throw-away database (``disbursement_data.database_create``): on the PostgreSQL server of DATABASE_URL
the database ``--db`` (created fresh, dropped at the end unless ``--keep-db``; the URL's own database is never
touched), else a temporary SQLite file; with ``--smoke``, ``bench/smoke.py``'s throw-away database. Test settings
(fixed keys). Data: ``bench/disbursement_data.py``.

1. **Batch payment** (``--sizes``): per round and size, two funds with the same N beneficiaries at ¥7,500. One gets
   a batch through ``batch_create``, ``batch_submit``, two ``batch_approve`` (the total is above the dual-approval
   threshold) and ``batch_pay``; the other N approved single disbursements, paid one by one with
   ``disbursement_pay`` — the baseline. Which of the two goes first alternates by round. Wall time, payments/s
   and SQL statements per payment (``connection.execute_wrapper``).
2. **Fund tracing** (``--gifts``): a fund with G received gifts and G/10 paid disbursements (spending ~80 % of
   the gifts, first in first out), then ``--lookups`` seeded random gifts traced with
   ``donations.selectors.gift_tracing``, and with ``naive_tracing`` below — the obvious implementation, which
   loads every gift and every paid disbursement of the fund into Python and walks them — interleaved, every
   answer compared. Latency p50/p95 and statements per look-up. At G ≥ 100,000 the naive baseline runs on
   ``--naive-large`` of the gifts only (it takes seconds each).
3. **Approvals under the fund lock** (``--approvals`` M): M submitted disbursements approved with
   ``disbursement_approve`` one after another on one fund; on PostgreSQL also M spread over 8 funds with 8
   threads (one fund each), and M on one fund with 8 threads. Approvals/s.

Rounds repeat 1 and 3 with fresh funds and 2's look-ups; the report gives medians over rounds. ``--profile``
adds, at the smallest size, the SQL statements of a batch payment and of single payments grouped by shape, a
cProfile of single payments, and the statements of one tracing look-up with their times.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import random
import re
import statistics
import sys
import threading
import time
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import disbursement_data as data  # noqa: E402

GRANT = Decimal("7500.00")
SMALL = Decimal("1000.00")  # below the dual-approval threshold: one approval each


# -- measuring ----------------------------------------------------------------------------------------


class Statements:
    """Counts the SQL statements this thread's connection runs; with ``log=True`` also their shape and time."""

    def __init__(self, log: bool = False):
        self.count, self.log = 0, log
        self.by_shape: dict[str, list[float]] = defaultdict(list)

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        if not self.log:
            return execute(sql, params, many, context)
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.by_shape[shape(sql)].append(time.perf_counter() - start)

    def __enter__(self):
        from django.db import connection

        self._cm = connection.execute_wrapper(self)
        self._cm.__enter__()
        return self

    def __exit__(self, *exc):
        self._cm.__exit__(*exc)


def shape(sql: str) -> str:
    sql = re.sub(r"'[^']*'", "?", sql)
    sql = re.sub(r"\b\d+\b", "?", sql)
    sql = re.sub(r"\((?:\s*(?:%s|\?)\s*,?)+\)", "(…)", sql)
    sql = re.sub(r"(\(…\)\s*,\s*)+\(…\)", "(…), …", sql)
    return re.sub(r"\s+", " ", sql)[:150]


def timed(fn, *args, **kwargs) -> tuple[float, int, object]:
    with Statements() as counter:
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        seconds = time.perf_counter() - start
    return seconds, counter.count, result


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered), int(-(-len(ordered) * q // 100))) - 1)]


# -- 1. batch payment -----------------------------------------------------------------------------------


def pay_round(n: int, round_: int, staff, people) -> dict:
    from projects.models import DisbursementStatus
    from projects.services import batch_approve, batch_create, batch_pay, batch_submit, disbursement_pay

    money = GRANT * n + Decimal("1000.00")
    batch_fund = data.fund_with_money(f"BP{n}R{round_}", f"批量发放基准{n}-{round_}", money, seed=n + round_)
    single_fund = data.fund_with_money(f"SP{n}R{round_}", f"逐笔支付基准{n}-{round_}", money, seed=n - round_)
    data.enrolments_create(batch_fund, people[:n], amount=GRANT, officer=staff.officer)
    singles = data.singles_create(
        single_fund, people[:n], amount=GRANT, status=DisbursementStatus.APPROVED, staff=staff
    )
    out: dict = {}

    def run_batch():
        kw = {"project": batch_fund, "disbursed_on": date(2026, 11, 1), "purpose": "助学金"}
        out["create"] = timed(batch_create, title=f"2026年秋季学期助学金{n}", user=staff.officer, **kw)
        batch = out["create"][2]
        out["submit"] = timed(batch_submit, batch=batch, user=staff.officer)
        first = timed(batch_approve, batch=batch, user=staff.approver)
        second = timed(batch_approve, batch=batch, user=staff.approver2)
        out["approve"] = (first[0] + second[0], first[1] + second[1], None)
        out["pay"] = timed(batch_pay, batch=batch, user=staff.finance)
        batch.refresh_from_db()
        assert batch.status == DisbursementStatus.PAID, batch.status
        assert batch.items.filter(status=DisbursementStatus.PAID, transaction__isnull=False).count() == n

    def run_singles():
        def pay_all():
            for d in singles:
                disbursement_pay(disbursement=d, user=staff.finance)

        out["singles"] = timed(pay_all)
        paid = single_fund.disbursements.filter(status=DisbursementStatus.PAID, transaction__isnull=False).count()
        assert paid == n, paid

    for step in (run_batch, run_singles) if round_ % 2 == 0 else (run_singles, run_batch):
        step()
    return {k: (v[0], v[1]) for k, v in out.items()}


def pay_report(results: dict[int, list[dict]]) -> None:
    print("\n1. Batch payment (medians over rounds; statements per payment in brackets)")
    print(
        f"{'N':>6} {'single pays s':>14} {'pays/s':>8} {'stmts/pay':>9} {'batch_pay s':>12} {'pays/s':>9} "
        f"{'stmts/pay':>9} {'speed-up':>9}   create / submit / approve×2 s (statements)"
    )
    for n, rounds in results.items():

        def med(key, i=0, rounds=rounds):
            return statistics.median(r[key][i] for r in rounds)

        single_s, batch_s = med("singles"), med("pay")
        print(
            f"{n:>6} {single_s:>14.2f} {n / single_s:>8.0f} {med('singles', 1) / n:>9.1f} {batch_s:>12.3f} "
            f"{n / batch_s:>9.0f} {med('pay', 1) / n:>9.2f} {single_s / batch_s:>8.1f}×   "
            f"{med('create'):.3f} ({med('create', 1):.0f}) / {med('submit'):.3f} ({med('submit', 1):.0f}) / "
            f"{med('approve'):.3f} ({med('approve', 1):.0f})"
        )
        spread = ", ".join(f"{r['singles'][0]:.2f}/{r['pay'][0]:.3f}" for r in rounds)
        print(f"{'':>6} rounds (single s / batch s): {spread}")


# -- 2. fund tracing ------------------------------------------------------------------------------------


def tracing_fund(g: int, staff, people) -> tuple[object, list[int]]:
    amounts = data.gift_amounts(g, seed=g)
    fund = data.fund_create(f"TR{g}", f"善款去向基准{g}")
    start = time.perf_counter()
    pks = data.gifts_create(fund, amounts, seed=g)
    gifts_s = time.perf_counter() - start
    grants = data.grant_amounts(g // 10, budget=sum(amounts) * Decimal("0.8"), seed=g + 1)
    start = time.perf_counter()
    data.paid_disbursements_create(fund, people, grants, staff=staff, seed=g + 2)
    print(
        f"  fund TR{g}: {g:,} gifts (¥{sum(amounts):,.2f}) in {gifts_s:.1f} s, {len(grants):,} paid disbursements "
        f"(¥{sum(grants):,.2f}) in {time.perf_counter() - start:.1f} s",
        flush=True,
    )
    return fund, pks


def naive_tracing(donation):
    """The obvious implementation: every received gift and every paid disbursement of the fund into Python, walked
    in order (gifts by received_at, id, net of refunds; disbursements in the ledger's order: the effective date of
    their transaction, then its sequence). Same answer as ``gift_tracing``."""
    from django.db.models import Prefetch, prefetch_related_objects

    from donations.models import Donation, DonationRefund
    from donations.models.donations import RECEIVED_STATUSES
    from projects.models import Disbursement, DisbursementStatus, PublicationConsent
    from projects.selectors.disbursements import TracedDisbursement, _public

    gifts = Donation.objects.filter(project_id=donation.project_id, status__in=RECEIVED_STATUSES)
    refunds: dict[int, Decimal] = defaultdict(Decimal)
    for refund in DonationRefund.objects.filter(donation__project_id=donation.project_id):
        refunds[refund.donation_id] += refund.amount
    start = Decimal("0.00")
    for gift in gifts.order_by("received_at", "pk"):
        if gift.pk == donation.pk:
            break
        start += gift.amount - refunds[gift.pk]
    end = start + donation.amount - refunds[donation.pk]
    paid = Disbursement.objects.filter(project_id=donation.project_id, status=DisbursementStatus.PAID)
    running, overlapping = Decimal("0.00"), []
    ordered = paid.select_related("project", "beneficiary", "transaction").order_by(
        "transaction__occurred_at", "transaction__sequence"
    )
    for d in ordered:
        lower, running = running, running + d.amount
        share = min(running, end) - max(lower, start)
        if share > 0:
            overlapping.append((d, share))
    consents = Prefetch("consents", queryset=PublicationConsent.objects.all(), to_attr="prefetched_consents")
    prefetch_related_objects([d.beneficiary for d, _ in overlapping], consents)
    return [TracedDisbursement(_public(d), share) for d, share in overlapping]


def trace_round(fund, pks: list[int], lookups: int, naive_n: int, seed: int) -> dict:
    from donations.models import Donation
    from donations.selectors import gift_tracing

    sample = random.Random(seed).sample(pks, lookups)
    gifts = Donation.objects.select_related("project").in_bulk(sample)
    ours, naive, ours_q, naive_q, traced = [], [], [], [], []
    for i, pk in enumerate(sample):
        gift = gifts[pk]
        first = timed(gift_tracing, gift)
        ours.append(first[0])
        ours_q.append(first[1])
        traced.append(len(first[2].traced))
        if i < naive_n:
            second = timed(naive_tracing, gift)
            naive.append(second[0])
            naive_q.append(second[1])
            want = [(t.disbursement.public_id, t.share, t.disbursement.beneficiary) for t in first[2].traced]
            got = [(t.disbursement.public_id, t.share, t.disbursement.beneficiary) for t in second[2]]
            assert want == got, f"gift {pk}: selector {want[:3]} … naive {got[:3]} …"
    return {
        "ours": ours,
        "naive": naive,
        "ours_q": statistics.median(ours_q),
        "naive_q": statistics.median(naive_q),
        "traced": (min(traced), statistics.median(traced), max(traced), sum(1 for t in traced if t == 0)),
    }


def trace_report(results: dict[int, list[dict]]) -> None:
    print("\n2. Fund tracing, ms per look-up (medians over rounds of each round's p50 / p95)")
    print(
        f"{'gifts':>8} {'paid':>7} {'gift_tracing p50':>17} {'p95':>7} {'stmts':>6} {'naive p50':>10} {'p95':>8} "
        f"{'stmts':>6} {'naive/ours p50':>15} {'n (naive)':>10}  traced per gift min/median/max, none"
    )
    for g, rounds in results.items():

        def med(key, q, rounds=rounds):
            return statistics.median(pct(r[key], q) * 1000 for r in rounds)

        t = rounds[0]["traced"]
        print(
            f"{g:>8,} {g // 10:>7,} {med('ours', 50):>17.2f} {med('ours', 95):>7.2f} {rounds[0]['ours_q']:>6.0f} "
            f"{med('naive', 50):>10.1f} {med('naive', 95):>8.1f} {rounds[0]['naive_q']:>6.0f} "
            f"{med('naive', 50) / med('ours', 50):>14.1f}× {len(rounds[0]['ours']):>4} ({len(rounds[0]['naive'])})"
            f"  {t[0]}/{t[1]:.0f}/{t[2]}, {t[3]}"
        )


# -- 3. approvals under the fund lock ------------------------------------------------------------------


def approve_all(pks: list[int], approver_pk: int, barrier, out: list) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from projects.models import Disbursement
    from projects.services import disbursement_approve

    try:
        user = get_user_model().objects.get(pk=approver_pk)  # each thread its own, with its own permission cache
        user.has_perm("projects.approve_disbursement")
        rows = list(Disbursement.objects.filter(pk__in=pks).order_by("pk"))
        barrier.wait()
        start = time.perf_counter()
        for d in rows:
            disbursement_approve(disbursement=d, user=user)
        out.append((start, time.perf_counter(), len(rows)))
    finally:
        connection.close()


def approvals_rate(groups: list[list[int]], approver_pk: int) -> float:
    """Approvals per second: each group of disbursements on its own thread (one group: this thread)."""
    out: list = []
    if len(groups) == 1:
        approve_all(groups[0], approver_pk, threading.Barrier(1), out)
    else:
        barrier = threading.Barrier(len(groups))
        threads = [threading.Thread(target=approve_all, args=(g, approver_pk, barrier, out)) for g in groups]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(out) == len(groups), "a thread failed"
    return sum(o[2] for o in out) / (max(o[1] for o in out) - min(o[0] for o in out))


def approve_round(m: int, round_: int, staff, people, vendor: str) -> dict[str, float]:
    from projects.models import DisbursementStatus

    def submitted(code: str, count: int) -> list[int]:
        fund = data.fund_with_money(code, f"审批基准{code}", SMALL * count + 1, seed=count + round_)
        rows = data.singles_create(fund, people[:count], amount=SMALL, status=DisbursementStatus.SUBMITTED, staff=staff)
        return [d.pk for d in rows]

    one = submitted(f"AQ1R{round_}", m)
    result = {"one fund, 1 thread": approvals_rate([one], staff.approver.pk)}
    if vendor == "postgresql":
        spread = [submitted(f"AQ8F{i}R{round_}", m // 8) for i in range(8)]
        shared = submitted(f"AQ8XR{round_}", m)
        result["8 funds, 8 threads"] = approvals_rate(spread, staff.approver.pk)
        result["one fund, 8 threads"] = approvals_rate([shared[i::8] for i in range(8)], staff.approver.pk)
    from projects.models import Disbursement

    assert not Disbursement.objects.filter(status=DisbursementStatus.SUBMITTED).exists()
    return result


def approve_report(results: list[dict[str, float]], m: int) -> None:
    print(f"\n3. Approvals ({m} per measurement), approvals/s: median (rounds)")
    base = statistics.median(r["one fund, 1 thread"] for r in results)
    for key in results[0]:
        values = [r[key] for r in results]
        print(
            f"  {key:<22} {statistics.median(values):>7.0f}  ({', '.join(f'{v:.0f}' for v in values)})  "
            f"× sequential {statistics.median(values) / base:.2f}"
        )


# -- profiling ---------------------------------------------------------------------------------------------


def profile(n: int, staff, people, tracing: tuple | None) -> None:
    """Where the statements and the time go at size ``n``: a batch payment under the statement log and another
    under cProfile; 100 + 100 single payments out of a fund holding ``n`` approved ones, likewise."""
    from projects.models import DisbursementStatus
    from projects.services import batch_approve, batch_create, batch_pay, batch_submit, disbursement_pay

    batches = []
    for tag in ("L", "P"):
        fund = data.fund_with_money(f"PRB{tag}{n}", "剖析-批量", GRANT * n + 1, seed=1)
        data.enrolments_create(fund, people[:n], amount=GRANT, officer=staff.officer)
        batch = batch_create(
            project=fund, title="剖析批次", disbursed_on=date(2026, 11, 1), purpose="助学金", user=staff.officer
        )
        batch_submit(batch=batch, user=staff.officer)
        batch_approve(batch=batch, user=staff.approver)
        batch_approve(batch=batch, user=staff.approver2)
        batches.append(batch)
    with Statements(log=True) as log:
        batch_pay(batch=batches[0], user=staff.finance)
    print_shapes(f"batch_pay of {n} items", log, per=n)
    print_cprofile(f"batch_pay of {n} items", lambda: batch_pay(batch=batches[1], user=staff.finance))

    fund = data.fund_with_money(f"PRS{n}", "剖析-逐笔", GRANT * n + 1, seed=2)
    singles = data.singles_create(fund, people[:n], amount=GRANT, status=DisbursementStatus.APPROVED, staff=staff)
    half = min(100, len(singles) // 2)
    with Statements(log=True) as log:
        for d in singles[:half]:
            disbursement_pay(disbursement=d, user=staff.finance)
    print_shapes(f"disbursement_pay × {half} (fund with {n} approved)", log, per=half)

    def pay_more():
        for d in singles[half : 2 * half]:
            disbursement_pay(disbursement=d, user=staff.finance)

    print_cprofile(f"disbursement_pay × {half}", pay_more)

    if tracing:
        from donations.models import Donation
        from donations.selectors import gift_tracing

        fund, pks = tracing
        gift = Donation.objects.select_related("project").get(pk=pks[len(pks) // 4])
        gift_tracing(gift)
        with Statements(log=True) as log:
            gift_tracing(gift)
        print_shapes(f"one gift_tracing look-up in fund {fund.code}", log, per=1)


def print_cprofile(title: str, fn) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    fn()
    profiler.disable()
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.sort_stats("cumulative").print_stats(r"charity|projects|ledger|donations|django/db", 30)
    stats.sort_stats("tottime").print_stats(12)
    print(f"\ncProfile of {title} (cumulative, this project and django/db; then own time):")
    root = str(data.ROOT) + "/"
    print(
        "\n".join(
            line.replace(root, "")
            for line in stream.getvalue().splitlines()
            if line.strip() and not line.startswith(("   Ordered", "   List reduced", "   Random"))
        )
    )


def print_shapes(title: str, log: Statements, *, per: int) -> None:
    total = sum(sum(v) for v in log.by_shape.values())
    print(f"\nSQL of {title}: {log.count} statements ({log.count / per:.2f} per item), {total * 1000:.1f} ms")
    rows = sorted(log.by_shape.items(), key=lambda kv: -sum(kv[1]))
    for sql, times in rows[:25]:
        print(f"  {len(times):>6} × {statistics.median(times) * 1000:>7.3f} ms = {sum(times) * 1000:>8.1f} ms  {sql}")


# -- main ---------------------------------------------------------------------------------------------------


def machine(vendor: str) -> str:
    import django
    import wagtail
    from django.db import connection

    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "?",
    )
    mem = int(Path("/proc/meminfo").read_text().split()[1]) / 2**20
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute(
                "SELECT current_setting('server_version'), current_setting('synchronous_commit'), "
                "current_setting('shared_buffers')"
            )
            db = "PostgreSQL {} (synchronous_commit {}, shared_buffers {})".format(*cursor.fetchone())
        else:
            cursor.execute("SELECT sqlite_version()")
            db = f"SQLite {cursor.fetchone()[0]} (WAL, synchronous=NORMAL)"
    return (
        f"{os.cpu_count()} × {model}, {mem:.0f} GiB; Python {platform.python_version()}, Django "
        f"{django.__version__}, Wagtail {wagtail.__version__}, {db}; load average {os.getloadavg()[0]:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[126, 1000, 5000], help="batch sizes N")
    parser.add_argument("--gifts", type=int, nargs="+", default=[1000, 10000, 100000], help="gifts G per fund")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--lookups", type=int, default=200)
    parser.add_argument("--naive-large", type=int, default=20, help="naive look-ups per round at G ≥ 100,000")
    parser.add_argument("--approvals", type=int, default=800)
    parser.add_argument("--only", nargs="+", choices=["pay", "trace", "approve"], default=["pay", "trace", "approve"])
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--profile-size", type=int, help="batch size to profile (default: the smallest of --sizes)")
    parser.add_argument("--db", default="charity_bench_disbursements", help="PostgreSQL: the throw-away database")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--smoke", action="store_true", help="N=7, G=50, two rounds, --profile, throw-away db (CI)")
    args = parser.parse_args()
    if args.smoke:
        # N = 7: ¥52,500 a batch, above the dual-approval threshold, so both approvals run
        args.sizes, args.gifts, args.rounds, args.lookups, args.naive_large = [7], [50], 2, 5, 1
        args.approvals, args.profile, args.profile_size, args.keep_db = 16, True, 7, False
        import smoke

        db = smoke.throwaway_use("disbursements")  # dropped at exit
    else:
        db = data.database_create(args.db)
    try:
        data.django_setup()
        print(f"{db.vendor} ({db.name}); {machine(db.vendor)}", flush=True)
        staff = data.staff_create()
        need = max(
            [*args.sizes, args.approvals, args.profile_size or 0] if {"pay", "approve"} & set(args.only) else [1000]
        )
        start = time.perf_counter()
        people = data.beneficiaries_create(need, officer=staff.officer)
        print(f"  {len(people):,} beneficiaries registered in {time.perf_counter() - start:.1f} s", flush=True)

        pays: dict[int, list[dict]] = defaultdict(list)
        approvals: list[dict[str, float]] = []
        traces: dict[int, list[dict]] = defaultdict(list)
        funds = {g: tracing_fund(g, staff, people) for g in args.gifts} if "trace" in args.only else {}
        for round_ in range(args.rounds):
            for n in args.sizes if "pay" in args.only else []:
                pays[n].append(pay_round(n, round_, staff, people))
                print(
                    f"  round {round_ + 1} N={n}: singles {pays[n][-1]['singles'][0]:.2f} s, "
                    f"batch_pay {pays[n][-1]['pay'][0]:.3f} s",
                    flush=True,
                )
            for g, (fund, pks) in funds.items():
                naive_n = args.lookups if g < 100_000 else args.naive_large
                traces[g].append(trace_round(fund, pks, args.lookups, naive_n, seed=2026 + g))
                print(
                    f"  round {round_ + 1} G={g}: gift_tracing p50 {pct(traces[g][-1]['ours'], 50) * 1000:.2f} ms, "
                    f"naive p50 {pct(traces[g][-1]['naive'], 50) * 1000:.1f} ms",
                    flush=True,
                )
            if "approve" in args.only:
                approvals.append(approve_round(args.approvals, round_, staff, people, db.vendor))
                print(f"  round {round_ + 1} approvals: {approvals[-1]}", flush=True)
        if pays:
            pay_report(pays)
        if traces:
            trace_report(traces)
        if approvals:
            approve_report(approvals, args.approvals)
        if args.profile:
            largest = funds[max(funds)] if funds else None
            profile(args.profile_size or min(args.sizes), staff, people, largest)
        print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")
    finally:
        if args.keep_db:
            print(f"kept {db.name}")
        else:
            data.database_drop(db)


if __name__ == "__main__":
    main()
