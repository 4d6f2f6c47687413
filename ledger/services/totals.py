"""Per-account, per-day totals (ledger_accountday), upserted with the postings that cause them."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from ledger.models import AccountDay, Leg, Side

CHUNK = 200  # rows per statement: well inside SQLite's bound-parameter limit


def add_account_days(legs: list[Leg]) -> None:
    """Add the legs' amounts to their (account, local day) rows, creating rows as needed."""
    sums: dict[tuple[int, object], list[Decimal]] = defaultdict(lambda: [Decimal("0"), Decimal("0")])
    for leg in legs:
        day = timezone.localdate(leg.transaction.occurred_at, timezone.get_default_timezone())
        sums[(leg.account_id, day)][0 if leg.side == Side.DEBIT else 1] += leg.amount
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
