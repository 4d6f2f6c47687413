"""Full verification (``verify_ledger``) at 10^6 transactions, as a ratio to streaming the same rows.

    .venv/bin/python bench/ledger_verify.py [--sizes 1000000] [--rounds 1]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/charity_bench .venv/bin/python bench/ledger_verify.py
    .venv/bin/python bench/ledger_verify.py --smoke   # 300 transactions, a throw-away database (CI)

Uses generate_ledger's kept database for each size (generated on first use). Read-only. Each round:
baseline, ``ledger.services.verification.ledger_verify()``, baseline again. The baseline is a bare
``SELECT`` streaming the rows verification reads for the books — ``values_list(...).iterator()`` over
every Transaction (sequence, uuid, kind, times, reverses, record) and every Leg (transaction, account,
side, amount, currency, in the same order) — doing nothing with them. The ratio is verification's time
over the mean of the two baselines around it. The verification must report OK.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate_ledger as gen  # noqa: E402

CHUNK = 5000


def baseline() -> tuple[float, int]:
    from ledger.models import Leg, Transaction

    start = time.perf_counter()
    rows = 0
    tx = Transaction.objects.order_by("sequence").values_list(
        "sequence", "uuid", "kind", "occurred_at", "recorded_at", "reverses_id", "record"
    )
    for _ in tx.iterator(chunk_size=CHUNK):
        rows += 1
    legs = Leg.objects.order_by("transaction_id", "pk").values_list(
        "transaction_id", "account_id", "side", "amount", "currency"
    )
    for _ in legs.iterator(chunk_size=CHUNK * 2):
        rows += 1
    return time.perf_counter() - start, rows


def verify():
    from ledger.services.verification import ledger_verify

    start = time.perf_counter()
    report = ledger_verify()
    elapsed = time.perf_counter() - start
    if not report.ok:
        raise SystemExit(f"verification FAILED: {report.problems[:5]}")
    return elapsed, report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes in a throw-away database (CI)")
    args = parser.parse_args()
    if args.smoke:
        args.sizes, args.rounds = [300], 1
        gen.smoke_setup("ledger_verify")
    else:
        gen.django_setup()
    from django.db import connection

    results = []
    for size in args.sizes:
        stats = gen.use_generated(size, quiet=True)
        if stats["size"] != size:
            raise SystemExit(f"{stats['name']} has {stats['size']} transactions, not {size}")
        for round_ in range(args.rounds):
            before, rows = baseline()
            seconds, report = verify()
            after, _ = baseline()
            base = (before + after) / 2
            results.append((size, round_ + 1, base, seconds, seconds / base, rows, report))
            print(f"  {size:,}: round {round_ + 1} done ({seconds:.1f} s)", flush=True)
    print(f"\ndatabase: {connection.vendor}; rounds: {args.rounds}")
    print(f"{'transactions':>13}{'round':>6}{'baseline s':>12}{'verify s':>10}{'× baseline':>12}{'tx/s':>10}  checked")
    for size, round_, base, seconds, ratio, rows, r in results:
        print(
            f"{size:>13,}{round_:>6}{base:>12.1f}{seconds:>10.1f}{ratio:>12.1f}{size / seconds:>10,.0f}  "
            f"{r.transactions:,} tx, {r.legs:,} legs, {r.interior_nodes:,} interior nodes, {r.tree_heads} heads, "
            f"{r.accounts} accounts; baseline streamed {rows:,} rows"
        )
    for size in args.sizes:
        times = [seconds for s, _, _, seconds, _, _, _ in results if s == size]
        ratios = [ratio for s, _, _, _, ratio, _, _ in results if s == size]
        print(f"{size:,}: verify median {statistics.median(times):.1f} s, {statistics.median(ratios):.1f}× baseline")


if __name__ == "__main__":
    main()
