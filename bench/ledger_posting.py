"""Posting throughput, one at a time and in bulk, as a ratio to bare inserts of the same legs in the same run.

    .venv/bin/python bench/ledger_posting.py [--single 1000] [--bulk 20000] [--batch 1000] [--rounds 3]
    .venv/bin/python bench/ledger_posting.py --bulk-batch 20000 100000 [--rounds 3]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/charity_bench .venv/bin/python bench/ledger_posting.py
    .venv/bin/python bench/ledger_posting.py --smoke   # both modes and --profile at tiny sizes (CI)

Works in a throw-away test database (PostgreSQL: ``test_<name>_ledger_posting``; SQLite: a temporary file,
WAL as in production), destroyed at the end; the named database's own data is never touched.
The chart is the standard one plus 40 restricted funds; the postings are generate_ledger's stream
(gifts bank → fund income, grants fund expense → bank, fees), two legs each, distinct sources.

Each round, interleaved so that the machine's load hits every phase alike:
- baseline single: the same two legs as bare Django inserts into a Leg-shaped table (same columns and
  indexes as ledger_leg, no ledger rules), one row per INSERT, each posting's two rows in one atomic block;
- ``transaction_post``: one call per posting, each its own database transaction;
- baseline bulk: ``bulk_create`` of the same legs, one atomic block per batch;
- ``transactions_post_bulk``: one call per batch.
On PostgreSQL the two ledger phases run again with the deferred balance triggers (ledger_leg_balanced,
ledger_transaction_balanced) disabled, to measure what they cost at commit.
Prints medians over the rounds: postings/s, and time per posting as a multiple of its baseline.

``--bulk-batch N [N …]`` measures instead one ``transactions_post_bulk`` call of N postings (an import's
shape: 10^4–10^5 postings in one database transaction), per N and round: the single ledger call (first, so that
its memory is measured before the baseline's), then the baseline ``bulk_create`` of the same legs (batches of
``--batch``) in one atomic block, then on PostgreSQL the ledger call again with the deferred balance triggers
disabled. Also prints the process's peak RSS (``ru_maxrss``) before and after each N's first ledger call: run one
N alone (``--bulk-batch 100000 --rounds 1``) for that N's peak memory.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate_ledger as gen  # noqa: E402

TRIGGERS = [("ledger_leg", "ledger_leg_balanced"), ("ledger_transaction", "ledger_transaction_balanced")]


def setup_throwaway(smoke: bool) -> str:
    if smoke:  # bench/smoke.py's throw-away database, dropped at exit
        import smoke as smoke_mode
        from django.core.management import call_command

        smoke_mode.throwaway_use("ledger_posting")
        gen.django_setup()
        call_command("migrate", verbosity=0, interactive=False)
        return ""
    gen.django_setup()
    from django.db import connection

    old_name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        connection.settings_dict["TEST"]["NAME"] = f"{tempfile.mkdtemp()}/bench-posting.sqlite3"
    else:
        connection.settings_dict["TEST"]["NAME"] = f"test_{old_name}_ledger_posting"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    return old_name


def bench_leg_model():
    """A bare table shaped like ledger_leg (columns, indexes) without the ledger's rules or its FK to
    ledger_transaction, so the baseline needs no transaction rows."""
    from django.db import connection, models

    from ledger.money import amount_field, currency_field

    class BenchLeg(models.Model):  # noqa: DJ008
        transaction = models.BigIntegerField(db_index=True, db_column="transaction_id")
        account = models.ForeignKey("ledger.Account", on_delete=models.DO_NOTHING, related_name="+")
        side = models.CharField(max_length=1)
        amount = amount_field("金额")
        currency = currency_field()

        class Meta:
            app_label = "ledger"
            db_table = "bench_leg"
            indexes = [models.Index(fields=["account", "transaction"], name="bench_leg_account_tx")]

    with connection.schema_editor() as editor:
        editor.create_model(BenchLeg)
    return BenchLeg


def set_triggers(enabled: bool) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table, trigger in TRIGGERS:
            cursor.execute(f"ALTER TABLE {table} {'ENABLE' if enabled else 'DISABLE'} TRIGGER {trigger}")


class Phases:
    """The timed phases of one round, closed over the prepared requests."""

    def __init__(self, BenchLeg, accounts, batch: int):
        self.BenchLeg, self.accounts, self.batch = BenchLeg, accounts, batch
        self.next_tx = 10**12  # baseline rows' transaction ids: anything, they reference nothing

    def _rows(self, requests):
        for request in requests:
            self.next_tx += 1
            for leg in request.legs:
                yield self.BenchLeg(
                    transaction=self.next_tx,
                    account=self.accounts[leg.account],
                    side=leg.side,
                    amount=leg.amount,
                    currency=leg.currency,
                )

    def baseline_single(self, requests) -> float:
        from django.db import transaction

        create = self.BenchLeg.objects.create
        start = time.perf_counter()
        for request in requests:
            self.next_tx += 1
            with transaction.atomic():
                for leg in request.legs:
                    create(
                        transaction=self.next_tx,
                        account=self.accounts[leg.account],
                        side=leg.side,
                        amount=leg.amount,
                        currency=leg.currency,
                    )
        return time.perf_counter() - start

    def ledger_single(self, requests) -> float:
        from ledger.services import transaction_post

        start = time.perf_counter()
        for r in requests:
            transaction_post(
                kind=r.kind,
                occurred_at=r.occurred_at,
                legs=r.legs,
                source=r.source,
                memo=r.memo,
                public_record=r.public_record,
            )
        return time.perf_counter() - start

    def baseline_bulk(self, requests) -> float:
        from django.db import transaction

        start = time.perf_counter()
        for i in range(0, len(requests), self.batch):
            with transaction.atomic():
                self.BenchLeg.objects.bulk_create(list(self._rows(requests[i : i + self.batch])))
        return time.perf_counter() - start

    def ledger_bulk(self, requests) -> float:
        from ledger.services import transactions_post_bulk

        start = time.perf_counter()
        for i in range(0, len(requests), self.batch):
            transactions_post_bulk(requests[i : i + self.batch])
        return time.perf_counter() - start

    def baseline_one_block(self, requests) -> float:
        from django.db import transaction

        start = time.perf_counter()
        with transaction.atomic():
            self.BenchLeg.objects.bulk_create(list(self._rows(requests)), batch_size=self.batch)
        return time.perf_counter() - start

    def ledger_one_call(self, requests) -> float:
        from ledger.services import transactions_post_bulk

        start = time.perf_counter()
        transactions_post_bulk(requests)
        return time.perf_counter() - start


def queries_per(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--single", type=int, default=1000, help="postings per round, one at a time")
    parser.add_argument("--bulk", type=int, default=20000, help="postings per round, in batches")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="cProfile one extra round of the ledger phases")
    parser.add_argument(
        "--bulk-batch",
        type=int,
        nargs="+",
        metavar="N",
        help="instead: time one transactions_post_bulk call of N postings (per N, per round)",
    )
    parser.add_argument(
        "--smoke", action="store_true", help="tiny sizes, both modes and --profile, a throw-away database (CI)"
    )
    args = parser.parse_args()
    if args.smoke:
        args.single, args.bulk, args.batch, args.rounds, args.profile = 20, 200, 100, 1, True
    old_name = setup_throwaway(args.smoke)
    from django.db import connection

    from ledger.models import Account

    try:
        gen.ensure_accounts()
        accounts = {a.code: a for a in Account.objects.all()}
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # server-side time spent in the PL/pgSQL triggers
                cursor.execute("SET track_functions = 'pl'")
        phases = Phases(bench_leg_model(), accounts, args.batch)
        pg = connection.vendor == "postgresql"
        samples: dict[str, list[float]] = {}

        def record(name, seconds, count):
            samples.setdefault(name, []).append(seconds / count)

        if args.bulk_batch and not args.smoke:
            big_batches(phases, args, pg)
            return
        # Warm-up: imports, prepared plans, caches.
        warm = gen.requests_range(0, 200, "warm")
        phases.baseline_single(warm[:50])
        phases.ledger_single(warm[:50])
        phases.baseline_bulk(warm[50:])
        phases.ledger_bulk(warm[50:])
        one = queries_per(lambda: phases.ledger_single(gen.requests_range(0, 1, "q")))
        batch = queries_per(lambda: phases.ledger_bulk(gen.requests_range(0, args.batch, "qb")))
        print(f"SQL statements: transaction_post {one} per posting; transactions_post_bulk {batch} per batch")
        for round_ in range(args.rounds):
            single = gen.requests_range(0, args.single, f"s{round_}")
            bulk = gen.requests_range(0, args.bulk, f"b{round_}")
            record("baseline single", phases.baseline_single(single), args.single)
            record("transaction_post", phases.ledger_single(single), args.single)
            record("baseline bulk", phases.baseline_bulk(bulk), args.bulk)
            record("transactions_post_bulk", phases.ledger_bulk(bulk), args.bulk)
            if pg:
                set_triggers(False)
                try:
                    single = gen.requests_range(0, args.single, f"s{round_}-nt")
                    bulk = gen.requests_range(0, args.bulk, f"b{round_}-nt")
                    record("transaction_post, no triggers", phases.ledger_single(single), args.single)
                    record("transactions_post_bulk, no triggers", phases.ledger_bulk(bulk), args.bulk)
                finally:
                    set_triggers(True)
            print(f"  round {round_ + 1}/{args.rounds} done", flush=True)
        if args.profile:
            profile_round(phases, args)
        report(samples, args, pg)
        if pg:
            trigger_stats(samples, args)
        if args.smoke:  # and the other mode: one call of a few hundred postings
            args.bulk_batch = [300]
            big_batches(phases, args, pg)
    finally:
        if not args.smoke:
            connection.creation.destroy_test_db(old_name, verbosity=0)


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def big_batches(phases, args, pg) -> None:
    """One ``transactions_post_bulk`` call per N postings, against the bulk_create baseline in one block."""
    from django.db import connection

    from ledger.services.log_state import next_sequence

    warm = gen.requests_range(0, 200, "warm")
    phases.baseline_one_block(warm)
    phases.ledger_one_call(warm)
    samples: dict[tuple[int, str], list[float]] = {}
    memory: dict[int, tuple[float, float]] = {}
    for n in args.bulk_batch:
        for round_ in range(args.rounds):
            requests = gen.requests_range(0, n, f"big{n}-{round_}")
            before = peak_rss_mib()
            samples.setdefault((n, "ledger"), []).append(phases.ledger_one_call(requests) / n)
            memory.setdefault(n, (before, peak_rss_mib()))
            samples.setdefault((n, "baseline"), []).append(phases.baseline_one_block(requests) / n)
            if pg:
                set_triggers(False)
                try:
                    again = gen.requests_range(0, n, f"big{n}-{round_}-nt")
                    samples.setdefault((n, "no triggers"), []).append(phases.ledger_one_call(again) / n)
                finally:
                    set_triggers(True)
            del requests
            print(f"  N={n:,}: round {round_ + 1}/{args.rounds} done", flush=True)
        if args.profile:
            requests = gen.requests_range(0, n, f"big{n}-profile")
            profiler = cProfile.Profile()
            profiler.enable()
            phases.ledger_one_call(requests)
            profiler.disable()
            print(f"\n--- cProfile: one transactions_post_bulk call of {n:,} postings (top 30 by own time) ---")
            pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(30)
    print(
        f"\ndatabase: {connection.vendor}; one call per N; baseline: bulk_create of the legs in batches of "
        f"{args.batch}, one atomic block; rounds: {args.rounds}; ledger size at the end: {next_sequence():,}; "
        f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    print(f"{'N':>9}  {'phase':<34}{'postings/s':>12}{'min..max':>18}{'µs/posting':>12}{'× baseline':>12}{'s':>8}")
    for n in args.bulk_batch:
        base = samples[(n, "baseline")]
        for name in ("baseline", "ledger", "no triggers"):
            per = samples.get((n, name))
            if not per:
                continue
            label = {
                "baseline": "baseline: bulk_create of the legs",
                "ledger": "transactions_post_bulk, one call",
                "no triggers": "…, balance triggers disabled",
            }[name]
            rates = [1 / s for s in per]
            ratio = statistics.median([a / b for a, b in zip(per, base, strict=True)])
            print(
                f"{n:>9,}  {label:<34}{statistics.median(rates):>12,.0f}"
                f"{f'{min(rates):,.0f}..{max(rates):,.0f}':>18}{statistics.median(per) * 1e6:>12.0f}"
                f"{ratio:>12.1f}{statistics.median(per) * n:>8.1f}"
            )
        before, after = memory[n]
        print(f"{n:>9,}  peak RSS (ru_maxrss) before / after its first ledger call: {before:,.0f} / {after:,.0f} MiB")


def report(samples, args, pg) -> None:
    from django.db import connection

    from ledger.services.log_state import next_sequence

    def ratios(name, base):
        return [a / b for a, b in zip(samples[name], samples[base], strict=True)]

    print(
        f"\ndatabase: {connection.vendor}; single: {args.single}/round; bulk: {args.bulk}/round in batches of "
        f"{args.batch}; rounds: {args.rounds}; ledger size at the end: {next_sequence():,}"
    )
    print(f"{'phase':<38}{'postings/s':>12}{'min..max':>18}{'µs/posting':>12}{'× baseline':>12}")
    rows = [
        ("baseline single", "baseline single"),
        ("transaction_post", "baseline single"),
        ("transaction_post, no triggers", "baseline single"),
        ("baseline bulk", "baseline bulk"),
        ("transactions_post_bulk", "baseline bulk"),
        ("transactions_post_bulk, no triggers", "baseline bulk"),
    ]
    for name, base in rows:
        if name not in samples:
            continue
        per = samples[name]
        rates = [1 / s for s in per]
        print(
            f"{name:<38}{statistics.median(rates):>12,.0f}{f'{min(rates):,.0f}..{max(rates):,.0f}':>18}"
            f"{statistics.median(per) * 1e6:>12.0f}{statistics.median(ratios(name, base)):>12.1f}"
        )
    if pg:
        for name in ("transaction_post", "transactions_post_bulk"):
            on, off = samples[name], samples[f"{name}, no triggers"]
            cost = [a - b for a, b in zip(on, off, strict=True)]
            share = [c / a for c, a in zip(cost, on, strict=True)]
            print(
                f"deferred balance triggers in {name}: {statistics.median(cost) * 1e6:.0f} µs/posting "
                f"({statistics.median(share) * 100:.0f} % of its time; per round: "
                + ", ".join(f"{c * 1e6:.0f}" for c in cost)
                + " µs)"
            )


def trigger_stats(samples, args) -> None:
    """What PostgreSQL itself counted in the balance-check function (pg_stat_user_functions)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
    connection.close()  # the backend flushes its function statistics as it exits
    time.sleep(1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT calls, total_time FROM pg_stat_user_functions WHERE funcname = 'ledger_check_balanced'")
        row = cursor.fetchone()
    if not row:
        print("no function statistics (track_functions not permitted?)")
        return
    calls, total_ms = row
    print(
        f"PostgreSQL's own count: ledger_check_balanced ran {calls:,} times (3 per two-leg posting), "
        f"{total_ms / 1000:.2f} s in all = {total_ms / calls * 1000:.0f} µs a call, "
        f"≈ {total_ms / calls * 3 * 1000:.0f} µs of server time per posting "
        f"(calls / 3 = {calls // 3:,} postings with the triggers on)"
    )


def profile_round(phases, args) -> None:
    for name, fn, count in (
        ("transaction_post", phases.ledger_single, args.single),
        ("transactions_post_bulk", phases.ledger_bulk, args.bulk),
    ):
        requests = gen.requests_range(0, count, f"p-{name}")
        profiler = cProfile.Profile()
        profiler.enable()
        fn(requests)
        profiler.disable()
        print(f"\n--- cProfile: {name}, {count} postings (top 25 by own time) ---")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
