"""Inclusion and consistency proof latency at 10^4, 10^5, 10^6 leaves, as a ratio to a primary-key lookup.

    .venv/bin/python bench/ledger_proofs.py [--sizes 10000 100000 1000000] [--samples 1000] [--seed 2026]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/charity_bench .venv/bin/python bench/ledger_proofs.py
    .venv/bin/python bench/ledger_proofs.py --smoke   # 300 leaves, 20 samples, a throw-away database (CI)

Uses generate_ledger's kept databases (one per size, generated on first use: see generate_ledger.py).
Read-only. For each size, ``--samples`` seeded random leaves and, per sample and interleaved so the
machine's load hits every operation alike:
- baseline: ``MerkleNode.objects.get(pk=…)``, one primary-key lookup of a random stored node;
- ``selectors.inclusion_proof(index, size)`` for a random leaf, in the tree of all ``size`` leaves;
- ``selectors.consistency_proof(first, size)`` for a random first size in [1, size);
- with ``--http`` (default): ``GET /api/ledger/v1/get-proof-by-hash`` for the random leaf's hash (leaf
  look-up by hash, published-head check, proof, JSON) and ``get-sth-consistency`` between two random
  published tree heads, through Django's test client (middleware, URL routing, JSON).
Every proof is checked against the published root once before timing. Prints p50/p95/p99 in ms and
p50 and p95 as multiples of the baseline's.
"""

from __future__ import annotations

import argparse
import base64
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate_ledger as gen  # noqa: E402

API = "/api/ledger/v1"


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def queries(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def bench_size(size: int, samples: int, seed: int, http: bool) -> list[tuple]:
    from django.db.models import Max, Min
    from django.test import Client

    from ledger import merkle, selectors
    from ledger.models import MerkleNode, TreeHead

    stats = gen.use_generated(size, quiet=True)
    if stats["size"] != size:
        raise SystemExit(f"{stats['name']} has {stats['size']} transactions, not {size}")
    rng = random.Random(seed)
    lo, hi = MerkleNode.objects.aggregate(lo=Min("pk"), hi=Max("pk")).values()
    heads = {h.tree_size: bytes(h.root_hash) for h in TreeHead.objects.all()}
    head_sizes = sorted(s for s in heads if s > 0)
    root = heads[size]
    plan = []
    for _ in range(samples):
        pair = sorted(rng.sample(head_sizes, 2)) if len(head_sizes) >= 2 else [size, size]
        plan.append((rng.randint(lo, hi), rng.randrange(size), rng.randrange(1, size), pair))
    leaves = dict(
        MerkleNode.objects.filter(level=0, index__in={index for _, index, _, _ in plan}).values_list("index", "hash")
    )
    client = Client()

    # Correctness once, untimed: every proof verifies against the published roots.
    _, index, first, (m, n) = plan[0]
    merkle.verify_inclusion(bytes(leaves[index]), index, size, selectors.inclusion_proof(index, size), root)
    merkle.verify_consistency(
        first, size, selectors.root_for_size(first), root, selectors.consistency_proof(first, size)
    )
    if http:
        body = client.get(f"{API}/get-sth-consistency", {"first": m, "second": n}).json()
        proof = [base64.b64decode(h) for h in body["consistency"]]
        merkle.verify_consistency(m, n, heads[m], heads[n], proof)

    ops = {
        "baseline: MerkleNode pk lookup": lambda s: MerkleNode.objects.get(pk=s[0]),
        "inclusion_proof (selector)": lambda s: selectors.inclusion_proof(s[1], size),
        "consistency_proof (selector)": lambda s: selectors.consistency_proof(s[2], size),
    }
    if http:

        def proof_by_hash(s):
            leaf = base64.b64encode(bytes(leaves[s[1]])).decode()
            response = client.get(f"{API}/get-proof-by-hash", {"hash": leaf, "tree_size": size})
            assert response.status_code == 200, response.content

        def sth_consistency(s):
            response = client.get(f"{API}/get-sth-consistency", {"first": s[3][0], "second": s[3][1]})
            assert response.status_code == 200, response.content

        ops["GET get-proof-by-hash"] = proof_by_hash
        ops["GET get-sth-consistency"] = sth_consistency
    counts = {name: queries(lambda fn=fn: fn(plan[0])) for name, fn in ops.items()}
    for s in plan[: min(50, samples)]:  # warm-up
        for fn in ops.values():
            fn(s)
    times: dict[str, list[float]] = {name: [] for name in ops}
    for s in plan:
        for name, fn in ops.items():
            start = time.perf_counter()
            fn(s)
            times[name].append((time.perf_counter() - start) * 1000)
    base = times["baseline: MerkleNode pk lookup"]
    rows = []
    for name, t in times.items():
        rows.append(
            (
                size,
                name,
                pct(t, 0.50),
                pct(t, 0.95),
                pct(t, 0.99),
                pct(t, 0.50) / pct(base, 0.50),
                pct(t, 0.95) / pct(base, 0.95),
                counts[name],
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--no-http", dest="http", action="store_false")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes in a throw-away database (CI)")
    args = parser.parse_args()
    if args.smoke:
        args.sizes, args.samples = [300], 20
        gen.smoke_setup("ledger_proofs")
    else:
        gen.django_setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    vendor = connection.vendor
    rows = []
    for size in args.sizes:
        rows += bench_size(size, args.samples, args.seed, args.http)
        print(f"  {size:,} leaves done", flush=True)
    print(f"\ndatabase: {vendor}; samples: {args.samples} per size (seed {args.seed}); times in ms")
    print(f"{'leaves':>10}  {'operation':<32}{'p50':>8}{'p95':>8}{'p99':>8}{'p50 ×b':>8}{'p95 ×b':>8}{'SQL':>5}")
    for size, name, p50, p95, p99, r50, r95, n in rows:
        print(f"{size:>10,}  {name:<32}{p50:>8.2f}{p95:>8.2f}{p99:>8.2f}{r50:>8.1f}{r95:>8.1f}{n:>5}")


if __name__ == "__main__":
    main()
