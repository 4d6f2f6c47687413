"""银行对账 (issue 12, "Performance": reconciling a 10,000-line bank statement in ≤ 10 s): the statement importer with
its automatic matching, against a per-line matcher measured in the same run.

    .venv/bin/python bench/bank_reconcile.py [--lines 10000] [--rounds 3] [--db NAME] [--keep-db]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/charity_bench .venv/bin/python bench/bank_reconcile.py
    .venv/bin/python bench/bank_reconcile.py --smoke   # 200 lines, one round, a throw-away database (CI)

Works in a throw-away database (``disbursement_data.database_create``; with ``--smoke`` bench/smoke.py's). Data:
``bench/bank_reconcile_data.py`` — a year of bank gifts, Stripe payouts and voucher payments on 1002 and the
statement of them (plus 10 % bank-only lines).

Measured:
1. **Import** of the whole statement through the importer as the admin runs it (``table_read`` → ``import_run``):
   the preview (dry run), then the import — parse, checks (running balance, reused 流水号, overlap), insert and
   automatic matching in one transaction. Checked: every line the books have is matched.
2. **Matching alone**, per round: all matches cleared, then ``lines_auto_match`` (set-based: a handful of queries),
   and — the baseline — ``naive_match``, the obvious per-line matcher: for each line one query for a gift by
   reference (and one per word of 摘要), else one for a leg of that amount in the date window, and one UPDATE per
   match. The two must match the same number of lines. Wall time and SQL statements; medians over ``--rounds``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bank_reconcile_data as data  # noqa: E402
import disbursement_data  # noqa: E402


class Statements:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def timed(fn):
    from django.db import connection

    counter = Statements()
    start = time.perf_counter()
    with connection.execute_wrapper(counter):
        result = fn()
    return result, time.perf_counter() - start, counter.count


def clear_matches() -> None:
    from finance.models import BankLine

    BankLine.objects.update(transaction=None, match_kind="", matched_at=None, matched_by=None)


def naive_match(account) -> int:
    """The baseline: one look-up per line (and per word of its 摘要), one UPDATE per match."""
    from django.db import transaction

    from donations.models import Channel, Donation, DonationStatus
    from finance.models import BankLine, MatchKind
    from finance.services.reconciliation import TOKEN, local_bounds, match_days
    from ledger.models import Leg

    days = match_days()
    matched = 0
    with transaction.atomic():
        lines = BankLine.objects.filter(account=account, transaction__isnull=True).order_by("booked_on", "position")
        for line in lines:
            hit, kind = None, ""
            if line.income > 0:
                for word in (line.reference, *TOKEN.findall(line.summary)):
                    gift = (
                        Donation.objects.filter(
                            bank_reference=word,
                            channel=Channel.BANK,
                            status=DonationStatus.SUCCEEDED,
                            transaction__bank_line__isnull=True,
                        )
                        .only("transaction_id", "amount")
                        .first()
                    )
                    if gift is not None and gift.amount == line.income:
                        hit, kind = gift.transaction_id, MatchKind.GIFT
                        break
            if hit is None:
                lo, hi = local_bounds(line.booked_on - timedelta(days=days), line.booked_on + timedelta(days=days))
                leg = (
                    Leg.objects.filter(
                        account=account,
                        side="D" if line.income > 0 else "C",
                        amount=line.income or line.expense,
                        transaction__occurred_at__gte=lo,
                        transaction__occurred_at__lt=hi,
                        transaction__bank_line__isnull=True,
                        transaction__reversal__isnull=True,
                        transaction__reverses__isnull=True,
                    )
                    .exclude(transaction__source__startswith="donation:")
                    .values_list("transaction_id", flat=True)
                    .first()
                )
                if leg is not None:
                    hit, kind = leg, MatchKind.AMOUNT
            if hit is not None:
                line.transaction_id, line.match_kind = hit, kind
                line.save(update_fields=["transaction", "match_kind"])
                matched += 1
    return matched


def machine(vendor: str) -> str:
    import platform

    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "?",
    )
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, {vendor}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--db", default="charity_bench_bank", help="PostgreSQL: the throw-away database")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--smoke", action="store_true", help="200 lines, one round, throw-away db (CI)")
    args = parser.parse_args()
    if args.smoke:
        args.lines, args.rounds, args.keep_db = 200, 1, False
        import smoke

        db = smoke.throwaway_use("bank_reconcile")  # dropped at exit
    else:
        db = disbursement_data.database_create(args.db)
    failed = False
    try:
        disbursement_data.django_setup()
        from bulk.engine import import_run
        from bulk.files import table_read
        from bulk.importers.bank_statements import BankStatementImporter
        from finance.models import BankLine
        from finance.services.bank import lines_auto_match
        from ledger.chart import BANK
        from ledger.models import Account

        print(f"{db.vendor} ({db.name}); {machine(db.vendor)}", flush=True)
        start = time.perf_counter()
        rows, counts = data.books_and_statement(args.lines)
        print(f"  books and statement generated in {time.perf_counter() - start:.1f} s: {counts}", flush=True)
        expected = counts["gift"] + counts["payout"] + counts["voucher"]
        folder = Path(tempfile.mkdtemp(prefix="bench-bank-"))
        path = folder / "statement.csv"
        data.write_csv(rows, path)

        preview, preview_s, preview_q = timed(lambda: import_run(BankStatementImporter(), table_read(path)))
        if preview.has_errors:
            print("preview refused:", preview.error_messages(5))
            sys.exit(1)
        result, import_s, import_q = timed(lambda: import_run(BankStatementImporter(), table_read(path), dry_run=False))
        if not result.imported:
            print("import refused:", result.error_messages(5))
            sys.exit(1)
        matched = BankLine.objects.filter(transaction__isnull=False).count()
        print(f"  imported {len(rows):,} lines, matched {matched:,} of the {expected:,} the books have", flush=True)
        if matched < expected:
            print(f"FAILED: {expected - matched} lines the books have were left unmatched")
            failed = True

        account = Account.objects.get(code=BANK)
        ours, naive = [], []
        for round_ in range(args.rounds):
            clear_matches()
            count, seconds, queries = timed(lambda: lines_auto_match(account=account))
            ours.append((seconds, queries, count))
            clear_matches()
            count2, seconds2, queries2 = timed(lambda: naive_match(account))
            naive.append((seconds2, queries2, count2))
            print(f"  round {round_ + 1}: auto-match {seconds:.2f} s ({count:,}), naive {seconds2:.2f} s ({count2:,})")
            if count != count2:
                print(f"FAILED: the set-based matcher matched {count}, the per-line one {count2}")
                failed = True

        ours_s = statistics.median(s for s, _, _ in ours)
        naive_s = statistics.median(s for s, _, _ in naive)
        print()
        print(f"{'':>8}  {'what':<44}{'seconds':>10}{'SQL':>9}{'ratio':>9}")
        print(f"{len(rows):>8}  {'preview (dry run: parse and checks)':<44}{preview_s:>10.2f}{preview_q:>9}")
        print(f"{len(rows):>8}  {'import + auto-match (one transaction)':<44}{import_s:>10.2f}{import_q:>9}")
        print(f"{len(rows):>8}  {'baseline: per-line matcher':<44}{naive_s:>10.2f}{naive[0][1]:>9}{1.0:>9.1f}")
        print(
            f"{len(rows):>8}  {'lines_auto_match (set-based)':<44}{ours_s:>10.2f}{ours[0][1]:>9}"
            f"{naive_s / ours_s if ours_s else 0:>9.1f}"
        )
        print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")
        if args.smoke:
            print(f"smoke: bank statement of {len(rows)} lines imported and matched")
    finally:
        if args.keep_db:
            print(f"kept {db.name}")
        elif not args.smoke:
            disbursement_data.database_drop(db)
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
