"""科目余额表 and 明细账 (issue 12, "Performance"): ``ledger.selectors.books`` on a year of N postings, against the
same trial balance computed naively from the legs, in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/charity_benchtb \
        .venv/bin/python bench/trial_balance.py --size 100000 --size 1000000 [--runs 5] [--drop]
    .venv/bin/python bench/trial_balance.py --smoke   # 3,650 postings, a throw-away database (CI)

Data: ``bench/trial_balance_data.py`` (the year 2025 over the chart: online gifts via 1012.STRIPE, their fees,
daily payouts, bank gifts, disbursements of 20 funds, dues, payroll, rent, office and publicity vouchers, interest,
subsidies), posted through ``transactions_post_bulk``. Each size is kept in its own database, ``<URL's name>_<label>``
(e.g. ``charity_benchtb_1m``; SQLite ``var/bench-tb-<label>.sqlite3``), resumed and skipped when at size;
``--fresh`` regenerates, ``--drop`` drops it after measuring. The URL's own database is never touched.

Measured, medians of ``--runs``:

- ``trial_balance`` (the selector: per-day totals ``AccountDay``) for the whole year and for June, against the
  baseline: the same report from the legs — one ``GROUP BY account`` over ``ledger_leg`` joined to
  ``ledger_transaction`` filtered by ``occurred_at`` (local days), rolled up to the first-level accounts in
  Python. The two must be equal, row by row and in the totals (the run fails otherwise);
- ``general_ledger`` of the busiest account (1012.STRIPE) as the admin shows it (a page of 100 with the running
  balance): first, middle and last page of June and of the year, against the bare ``SELECT`` of the same page's
  legs (``LIMIT/OFFSET``, no count, no balance). Checked: the last page's last running balance is the closing
  balance, and the closing balance is the trial balance's;
- the admin pages themselves (the trial balance of the year, the first and last page of 1012.STRIPE's 明细账 for
  the year): the whole request through Django's test client as a superuser (``bench-tb``, made in the database).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate_ledger as gen  # noqa: E402
import trial_balance_data as data  # noqa: E402

ZERO = Decimal("0.00")
YEAR = (date(data.YEAR, 1, 1), date(data.YEAR, 12, 31))
JUNE = (date(data.YEAR, 6, 1), date(data.YEAR, 6, 30))
BUSY = "1012.STRIPE"
SMOKE_SIZE = 3650  # ten a day: every kind of posting, the monthly vouchers and the daily payouts
SMOKE_DB = ""
COLUMNS = ("transaction__occurred_at", "transaction_id", "transaction__kind", "transaction__memo", "account__code",
           "side", "amount")  # fmt: skip


def database_for(size: int) -> str:
    from django.db import connection

    if SMOKE_DB:
        return SMOKE_DB
    if connection.vendor == "sqlite":
        return str(gen.ROOT / "var" / f"bench-tb-{gen.label(size)}.sqlite3")
    return f"{gen.BASE_NAME}_{gen.label(size)}"


def use(size: int, *, fresh: bool) -> str:
    """Switch to the size's database, creating, migrating and filling it as needed."""
    from django.core.management import call_command
    from django.db import connection

    name = database_for(size)
    if connection.vendor == "postgresql" and not SMOKE_DB:
        quoted = connection.ops.quote_name(name)
        if fresh and gen._pg_database_exists(name):
            gen._pg_execute_nodb(f"DROP DATABASE {quoted} WITH (FORCE)")
        if not gen._pg_database_exists(name):
            print(f"creating database {name}", flush=True)
            gen._pg_execute_nodb(f"CREATE DATABASE {quoted}")
    elif fresh and not SMOKE_DB:
        for suffix in ("", "-wal", "-shm"):
            Path(name + suffix).unlink(missing_ok=True)
    gen.switch_to(name)
    call_command("migrate", verbosity=0, interactive=False)
    data.generate(size, batch=100 if SMOKE_DB else 5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return name


def drop(name: str) -> None:
    from django.db import connection

    gen.switch_to("postgres" if connection.vendor == "postgresql" else name)
    if connection.vendor == "postgresql":
        gen._pg_execute_nodb(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)} WITH (FORCE)")
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(name + suffix).unlink(missing_ok=True)
    print(f"dropped {name}")


# -- the baseline: the trial balance from the legs ---------------------------------------------------------------


def cents(value) -> Decimal:
    """A sum as the database returns it (SQLite: a float) in cents."""
    return Decimal(str(value)).quantize(Decimal("0.01"))


def naive_trial_balance(date_from: date, date_to: date) -> tuple[list[tuple], tuple]:
    """(code, level, opening, debit, credit) per non-empty account, first-level rows including their sub-accounts,
    and the six totals — from one GROUP BY over the legs."""
    from django.conf import settings
    from django.db import connection

    from ledger.models import Account, Leg, Transaction

    zone = ZoneInfo(settings.TIME_ZONE)
    start = datetime.combine(date_from, datetime.min.time(), zone)
    end = datetime.combine(date_to + timedelta(days=1), datetime.min.time(), zone)
    leg, tx = Leg._meta.db_table, Transaction._meta.db_table
    sql = f"""
        SELECT l.account_id,
               SUM(CASE WHEN t.occurred_at < %s AND l.side = 'D' THEN l.amount ELSE 0 END),
               SUM(CASE WHEN t.occurred_at < %s AND l.side = 'C' THEN l.amount ELSE 0 END),
               SUM(CASE WHEN t.occurred_at >= %s AND l.side = 'D' THEN l.amount ELSE 0 END),
               SUM(CASE WHEN t.occurred_at >= %s AND l.side = 'C' THEN l.amount ELSE 0 END)
        FROM {leg} l JOIN {tx} t ON t.sequence = l.transaction_id
        WHERE t.occurred_at < %s
        GROUP BY l.account_id"""  # noqa: S608 - our own table names
    with connection.cursor() as cursor:
        start, end = (connection.ops.adapt_datetimefield_value(v) for v in (start, end))
        cursor.execute(sql, [start, start, start, start, end])
        own = {pk: (cents(od) - cents(oc), cents(pd), cents(pc)) for pk, od, oc, pd, pc in cursor.fetchall()}
    accounts = list(Account.objects.order_by("code").values_list("pk", "code", "parent_id"))
    children = defaultdict(list)
    for pk, code, parent in accounts:
        children[parent].append((pk, code))
    rows: list[tuple] = []

    def walk(pk: int, code: str, level: int) -> tuple[Decimal, Decimal, Decimal]:
        position = len(rows)
        rows.append(None)
        opening, debit, credit = own.get(pk, (ZERO, ZERO, ZERO))
        for child in children[pk]:
            o, d, c = walk(*child, level + 1)
            opening, debit, credit = opening + o, debit + d, credit + c
        rows[position] = (code, level, opening, debit, credit)
        return opening, debit, credit

    tops = [walk(pk, code, 1) for pk, code in children[None]]
    rows = [r for r in rows if r[2] or r[3] or r[4]]
    opening_d = sum((o for o, _, _ in tops if o > 0), ZERO)
    opening_c = sum((-o for o, _, _ in tops if o < 0), ZERO)
    closing = [o + d - c for o, d, c in tops]
    totals = (
        opening_d,
        opening_c,
        sum((d for _, d, _ in tops), ZERO),
        sum((c for _, _, c in tops), ZERO),
        sum((b for b in closing if b > 0), ZERO),
        sum((-b for b in closing if b < 0), ZERO),
    )
    return rows, totals


def selector_trial_balance(date_from: date, date_to: date) -> tuple[list[tuple], tuple]:
    from ledger.selectors.books import trial_balance

    report = trial_balance(date_from=date_from, date_to=date_to)
    t = report.totals
    rows = [(r.code, r.level, r.opening, r.debit, r.credit) for r in report.rows]
    totals = (t.opening_debit, t.opening_credit, t.debit, t.credit, t.closing_debit, t.closing_credit)
    if not t.balanced:
        raise SystemExit(f"trial balance {date_from}…{date_to} does not balance: {totals}")
    return rows, totals


def timed(function, runs: int):
    """(median seconds, result of the last run); one untimed warm-up run first."""
    result = function()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


# -- the general ledger of a busy account ------------------------------------------------------------------------


def ledger_page(account, period, page):
    from ledger.selectors.books import general_ledger

    book = general_ledger(account=account, date_from=period[0], date_to=period[1], page=page)
    lines = list(book.page.object_list)
    return book, lines


def bare_page(account, period, page: int, size: int):
    """The baseline: the page's legs in the same order, LIMIT/OFFSET, nothing else."""
    from django.conf import settings

    from ledger.models import Leg

    zone = ZoneInfo(settings.TIME_ZONE)
    legs = (
        Leg.objects.filter(
            account_id=account.pk,
            transaction__occurred_at__gte=datetime.combine(period[0], datetime.min.time(), zone),
            transaction__occurred_at__lt=datetime.combine(period[1] + timedelta(days=1), datetime.min.time(), zone),
        )
        .order_by("transaction__occurred_at", "transaction_id", "pk")
        .values_list(*COLUMNS)
    )
    offset = (page - 1) * size
    return list(legs[offset : offset + size])


def measure(size: int, runs: int) -> list[str]:
    from ledger.models import Account, Leg
    from ledger.selectors.books import PAGE_SIZE

    legs = Leg.objects.count()
    print(f"\n== {size:,} transactions ({legs:,} legs), medians of {runs} runs after a warm-up", flush=True)
    print(f"{'trial balance':<28} {'selector s':>11} {'baseline s':>11} {'× faster':>9} {'rows':>5}")
    report = []
    closing = {}
    for name, period in (("year", YEAR), ("June", JUNE)):
        ours_s, ours = timed(lambda p=period: selector_trial_balance(*p), runs)
        naive_s, naive = timed(lambda p=period: naive_trial_balance(*p), runs)
        if ours != naive:
            diff = [(a, b) for a, b in zip(ours[0], naive[0], strict=False) if a != b][:5]
            raise SystemExit(f"{name}: selector and naive trial balance differ: {diff or (ours[1], naive[1])}")
        closing[name] = next((o + d - c for code, _, o, d, c in ours[0] if code == BUSY), ZERO)
        ratio = naive_s / ours_s
        line = f"{size:>9,} trial balance {name:<6} {ours_s:>11.4f} {naive_s:>11.4f} {ratio:>8.1f}× {len(ours[0]):>5}"
        print(line, flush=True)
        report.append(line)
    account = Account.objects.get(code=BUSY)
    print(f"{'general ledger ' + BUSY:<28} {'selector s':>11} {'baseline s':>11} {'× baseline':>10} {'legs':>9}")
    for name, period in (("year", YEAR), ("June", JUNE)):
        book, _ = ledger_page(account, period, 1)
        pages = book.page.paginator.num_pages
        for which, number in (("first", 1), ("middle", max(1, pages // 2)), ("last", pages)):
            ours_s, (book, lines) = timed(lambda p=period, n=number: ledger_page(account, p, n), runs)
            bare_s, bare = timed(lambda p=period, n=number: bare_page(account, p, n, PAGE_SIZE), runs)
            shown = [(ln.occurred_at, ln.sequence, ln.debit or ln.credit) for ln in lines]
            if shown != [(r[0], r[1], r[6]) for r in bare]:
                raise SystemExit(f"{name} page {number}: the selector's lines differ from the bare page")
            if which == "last" and lines and lines[-1].balance != book.closing:
                raise SystemExit(f"{name}: last running balance {lines[-1].balance} ≠ closing {book.closing}")
            if book.closing != closing[name]:
                raise SystemExit(f"{name}: general ledger closing {book.closing} ≠ trial balance {closing[name]}")
            line = (
                f"{size:>9,} general ledger {name:<5} {which:<6} p{number:<6} {ours_s:>9.4f} {bare_s:>11.4f} "
                f"{ours_s / bare_s:>9.1f}× {book.page.paginator.count:>9,}"
            )
            print(line, flush=True)
            report.append(line)
    report += admin_pages(size, runs, account)
    print("checks passed: selector = naive trial balance (year, June), balanced; ledger pages = bare pages; "
          "last running balance = closing = trial balance's closing; admin pages 200", flush=True)  # fmt: skip
    return report


def admin_pages(size: int, runs: int, account) -> list[str]:
    """The whole admin request (Wagtail, the selector, the template) as a superuser, with Django's test client."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from ledger.selectors.books import general_ledger

    user = get_user_model().objects.filter(username="bench-tb").first()
    if user is None:
        user = get_user_model().objects.create_superuser("bench-tb", "bench-tb@example.invalid", None)
    client = Client()
    client.force_login(user)
    year = {"date_from": YEAR[0].isoformat(), "date_to": YEAR[1].isoformat()}
    last = general_ledger(account=account, date_from=YEAR[0], date_to=YEAR[1]).page.paginator.num_pages
    ledger_url = reverse("ledger_books_general_ledger", args=(account.code,))
    pages = (
        ("trial balance, year", reverse("ledger_books_trial_balance"), year),
        ("明细账, year, first page", ledger_url, year),
        ("明细账, year, last page", ledger_url, {**year, "p": last}),
    )
    print(f"{'admin page (GET, whole request)':<40} {'s':>9}")
    report = []
    for name, url, query in pages:

        def get(url=url, query=query, name=name):
            response = client.get(url, query)
            if response.status_code != 200 or account.code not in response.content.decode():
                raise SystemExit(f"admin {name}: HTTP {response.status_code}, or no {account.code} on the page")
            return response

        seconds, _ = timed(get, runs)
        line = f"{size:>9,} admin {name:<30} {seconds:>9.4f}"
        print(line, flush=True)
        report.append(line)
    return report


def main() -> None:
    global SMOKE_DB
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, action="append", help="postings in the year (repeatable); 1000000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--fresh", action="store_true", help="drop and regenerate each size's database first")
    parser.add_argument("--drop", action="store_true", help="drop each size's database after measuring it")
    parser.add_argument("--smoke", action="store_true", help=f"{SMOKE_SIZE} postings in a throw-away database (CI)")
    args = parser.parse_args()
    if args.smoke:
        import smoke

        smoke.throwaway_use("trial_balance")
        gen.django_setup()
        from django.db import connection

        SMOKE_DB = connection.settings_dict["NAME"]
        use(SMOKE_SIZE, fresh=False)
        measure(SMOKE_SIZE, 1)
        return
    gen.django_setup()
    from django.db import connection

    print(f"{connection.vendor}, sizes {args.size or [1_000_000]}", flush=True)
    for size in args.size or [1_000_000]:
        name = use(size, fresh=args.fresh)
        measure(size, args.runs)
        if args.drop:
            drop(name)


if __name__ == "__main__":
    main()
