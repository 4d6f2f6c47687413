"""Per-account, per-day totals (ledger_accountday), upserted with the postings that cause them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import connection

from ledger.models import AccountDay

CHUNK = 200  # rows per statement: well inside SQLite's bound-parameter limit


def add_account_days(sums: dict[tuple[int, date], list[Decimal]]) -> None:
    """Add ``{(account pk, local day): [debit, credit]}`` to the (account, day) rows, creating rows as needed.

    The day is the posting's ``occurred_at`` in the default time zone (Asia/Shanghai)."""
    if not sums:
        return
    rows = sorted(sums.items(), key=lambda item: (item[0][0], item[0][1]))
    for start in range(0, len(rows), CHUNK):
        _upsert(rows[start : start + CHUNK])


def _upsert(rows) -> None:
    table = connection.ops.quote_name(AccountDay._meta.db_table)
    placeholders = ", ".join(["(%s, %s, %s, %s)"] * len(rows))
    params: list[object] = []
    for (account_id, day), (debit, credit) in rows:
        params += [account_id, day, debit, credit]
    # PostgreSQL and SQLite (3.24+) share the ON CONFLICT syntax.
    sql = (
        f"INSERT INTO {table} (account_id, day, debit, credit) VALUES {placeholders} "  # noqa: S608
        f"ON CONFLICT (account_id, day) DO UPDATE SET "
        f"debit = {table}.debit + excluded.debit, credit = {table}.credit + excluded.credit"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
