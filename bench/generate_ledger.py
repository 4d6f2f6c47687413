"""Ledger data for the ledger benchmarks: real postings through ``transactions_post_bulk``.

    .venv/bin/python bench/generate_ledger.py --size 1000000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/charity_bench \
        .venv/bin/python bench/generate_ledger.py --size 1000000

Each size gets its own named database, kept between runs so that re-running a benchmark is cheap:

- SQLite (no DATABASE_URL, or a sqlite:// one): ``var/bench-<label>.sqlite3``;
- PostgreSQL: ``<name>_<label>`` on the same server, e.g. ``charity_bench_1m`` for
  ``postgres://…/charity_bench``. The named database in the URL itself is never touched.

``--smoke`` instead posts 300 in batches of 100 (three tree heads) into a throw-away database (``bench/smoke.py``),
then runs again to find it at size: the whole path in seconds, for CI.

``<label>`` is 10k, 100k, 1m (or the plain number). Generation is resumable and idempotent: it posts
the transactions missing up to the size (sources are deterministic) and skips a database already at
the size. ``--fresh`` drops the database first.

The data is deterministic bar uuids and recording times: a few dozen funds (``BF01``…), each with its
own restricted income and expense accounts; about 75 % gifts (bank 1002 → fund income 4101.BFnn, the record
carrying a salted ``donor_commitment`` as gift records do since donor names left the ledger),
20 % grants (fund expense 5101.BFnn → bank) and 5 % payment fees (5301 → bank), in time order from 2020
(about 455 a day, so 10^6 reach 2026 and a batch of 1,000 touches two or three days),
posted in batches of 1,000. A signed tree head is published at every tenth of the size, so the proofs
and ``verify_ledger`` have published heads to check.

Also the helpers the other ledger benchmarks share (Django set-up, throw-away databases, requests).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FUNDS = 40
BASE_NAME = ""  # the named database in DATABASE_URL (never written to); set by django_setup
SMOKE_DB = ""  # --smoke: every size lives in this throw-away database instead of its named one
BATCH = 1000
SHANGHAI = ZoneInfo("Asia/Shanghai")
EPOCH = datetime(2020, 1, 1, 9, tzinfo=SHANGHAI)
SPACING_S = 190  # ~455 postings a day: 10^6 postings span 2020-2026
DONORS = ["匿名", "爱心企业(演示)", "社区居民(演示)", "某商会(演示)", "校友会(演示)", "匿名"]
REGIONS = ["张店区", "淄川区", "博山区", "广安区", "合川区"]
CATEGORIES = ["重病患者", "孤儿", "低收入家庭", "临时救助", "困境儿童"]


# -- Django set-up ------------------------------------------------------------------------------


def django_setup() -> None:
    """Test settings (fixed signing key); DATABASE_URL picks the server, SQLite when unset."""
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-unused.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "charity.settings.test")
    import django

    django.setup()
    from django.db import connection

    global BASE_NAME
    BASE_NAME = connection.settings_dict["NAME"]  # before any switch_to


def vendor() -> str:
    from django.db import connection

    return connection.vendor


def label(size: int) -> str:
    for unit, suffix in ((1_000_000, "m"), (1_000, "k")):
        if size >= unit and size % unit == 0:
            return f"{size // unit}{suffix}"
    return str(size)


def switch_to(name: str) -> None:
    """Point the default connection at another database on the same server (or another SQLite file)."""
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = name


def named_database(size: int) -> str:
    from django.db import connection

    if SMOKE_DB:
        return SMOKE_DB
    if connection.vendor == "sqlite":
        return str(ROOT / "var" / f"bench-{label(size)}.sqlite3")
    return f"{BASE_NAME}_{label(size)}"


def _pg_database_exists(name: str) -> bool:
    from django.db import connection

    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def _pg_execute_nodb(sql: str) -> None:
    from django.db import connection

    with connection._nodb_cursor() as cursor:
        cursor.execute(sql)


def use_generated(size: int, *, fresh: bool = False, quiet: bool = False) -> dict:
    """Switch to the named database for ``size`` transactions, generating what is missing. Returns stats."""
    from django.core.management import call_command
    from django.db import connection

    name = named_database(size)
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, flush=True))
    if connection.vendor == "postgresql":
        quoted = connection.ops.quote_name(name)
        if fresh and _pg_database_exists(name):
            _pg_execute_nodb(f"DROP DATABASE {quoted}")
        if not _pg_database_exists(name):
            say(f"creating database {name}")
            _pg_execute_nodb(f"CREATE DATABASE {quoted}")
    elif fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(name + suffix).unlink(missing_ok=True)
    switch_to(name)
    call_command("migrate", verbosity=0, interactive=False)
    return generate(size, name=name, say=say)


# -- the data ------------------------------------------------------------------------------------


def ensure_accounts() -> list[str]:
    """The standard chart plus FUNDS restricted funds; returns the fund codes."""
    from ledger.chart import chart_ensure, fund_accounts_ensure

    chart_ensure()
    codes = [f"BF{n:02d}" for n in range(1, FUNDS + 1)]
    for n, code in enumerate(codes, start=1):
        fund_accounts_ensure(fund_code=code, fund_name=f"基准基金{n}", restricted=True)
    return codes


def request_for(i: int, prefix: str = "bench"):
    """The i-th posting request of a deterministic stream (same i → same request)."""
    from ledger.chart import BANK, FUNDRAISING_COST, expense_code, income_code
    from ledger.merkle import SALT_SIZE, donor_commitment
    from ledger.models import TransactionKind
    from ledger.services import LegSpec, PostingRequest

    rng = random.Random(i)
    fund = f"BF{rng.randrange(FUNDS) + 1:02d}"
    when = EPOCH + timedelta(seconds=i * SPACING_S + rng.randrange(3600))  # chronological, like a real log
    roll = rng.random()
    if roll < 0.75:
        amount = Decimal(rng.choice([50, 100, 200, 500, 1000, 5000])) + Decimal(rng.randrange(100)) / 100
        return PostingRequest(
            kind=TransactionKind.DONATION,
            occurred_at=when,
            legs=[LegSpec(BANK, "D", amount), LegSpec(income_code(fund), "C", amount)],
            source=f"{prefix}:{i}",
            memo="基准数据",
            public_record={
                "fund": fund,
                "donor_commitment": donor_commitment(rng.choice(DONORS), rng.randbytes(SALT_SIZE)),
                "channel": "bank",
            },
        )
    if roll < 0.95:
        count = rng.randrange(1, 40)
        amount = Decimal(count * rng.choice([500, 1000, 3000, 7500]))
        return PostingRequest(
            kind=TransactionKind.DISBURSEMENT,
            occurred_at=when,
            legs=[LegSpec(expense_code(fund), "D", amount), LegSpec(BANK, "C", amount)],
            source=f"{prefix}:{i}",
            memo="基准数据",
            public_record={
                "fund": fund,
                "beneficiaries": count,
                "region": rng.choice(REGIONS),
                "category": rng.choice(CATEGORIES),
            },
        )
    amount = Decimal(rng.randrange(1, 5000)) / 100
    return PostingRequest(
        kind=TransactionKind.FEE,
        occurred_at=when,
        legs=[LegSpec(FUNDRAISING_COST, "D", amount), LegSpec(BANK, "C", amount)],
        source=f"{prefix}:{i}",
        memo="基准数据",
        public_record={"fund": fund, "channel": "bank"},
    )


def requests_range(start: int, end: int, prefix: str = "bench") -> list:
    return [request_for(i, prefix) for i in range(start, end)]


def generate(size: int, *, name: str = "", say=print) -> dict:
    """Post transactions up to ``size`` in batches of BATCH, with a tree head at every tenth. Resumable."""
    from ledger.models import TreeHead
    from ledger.services import transactions_post_bulk, tree_head_publish
    from ledger.services.log_state import next_sequence

    ensure_accounts()
    have = next_sequence()
    if have > size:
        raise SystemExit(f"{name} holds {have} transactions, more than {size}: use --fresh")
    step = max(BATCH, size // 10)
    heads = set(TreeHead.objects.values_list("tree_size", flat=True))
    posted, started, build_s = 0, time.perf_counter(), 0.0
    while have < size:
        end = min(size, (have // BATCH + 1) * BATCH)
        t0 = time.perf_counter()
        requests = requests_range(have, end)
        build_s += time.perf_counter() - t0
        transactions_post_bulk(requests)
        posted += end - have
        have = end
        if (have % step == 0 or have == size) and have not in heads:
            tree_head_publish()
            heads.add(have)
        if posted and posted % (step // 2 or BATCH) == 0:
            rate = posted / (time.perf_counter() - started - build_s)
            say(f"  {have:>9,} / {size:,} posted ({rate:,.0f} postings/s)")
    elapsed = time.perf_counter() - started - build_s
    if size not in heads:
        tree_head_publish()
    stats = {"name": name, "size": have, "posted": posted, "seconds": elapsed}
    if posted:
        say(f"{stats['name']}: posted {posted:,} in {elapsed:.1f} s ({posted / elapsed:,.0f} postings/s)")
    else:
        say(f"{stats['name']}: already at {have:,} transactions")
    return stats


def smoke_setup(name: str) -> None:
    """--smoke: a throw-away database for every size (bench/smoke.py), batches of 100 so that a few hundred
    postings make several batches and tree heads. Call before django_setup."""
    global SMOKE_DB, BATCH
    import smoke

    smoke.throwaway_use(name)
    django_setup()
    from django.db import connection

    SMOKE_DB, BATCH = connection.settings_dict["NAME"], 100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, action="append", help="transactions (repeatable); default 1000000")
    parser.add_argument("--fresh", action="store_true", help="drop and regenerate the database")
    parser.add_argument("--smoke", action="store_true", help="300 postings in a throw-away database, twice (CI)")
    args = parser.parse_args()
    if args.smoke:
        smoke_setup("generate_ledger")
        first = use_generated(300)
        again = use_generated(300)
        from ledger.models import TreeHead

        heads = TreeHead.objects.count()
        if (first["posted"], again["posted"], again["size"], heads) != (300, 0, 300, 3):
            raise SystemExit(f"smoke: expected 300 posted, then none, and 3 tree heads: {first}, {again}, {heads}")
        print(f"smoke: generated 300 postings and {heads} tree heads, then found the database at size")
        return
    django_setup()
    for size in args.size or [1_000_000]:
        use_generated(size, fresh=args.fresh)


if __name__ == "__main__":
    main()
