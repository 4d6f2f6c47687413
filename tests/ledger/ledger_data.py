"""Deterministic postings and ledger snapshots shared by the ledger service tests.

Amounts, dates and sources are fixed, so a failure reproduces exactly. The fund ``XT100`` and the
standard chart of accounts are created by the ``books`` fixture in ``conftest.py``.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection

from ledger import merkle
from ledger.chart import BANK, expense_code, income_code
from ledger.models import Account, AccountDay, Leg, MerkleNode, Transaction, TransactionKind, TreeHead
from ledger.services import LegSpec, PostingRequest, transaction_post

SHANGHAI = ZoneInfo("Asia/Shanghai")
FUND = "XT100"
INCOME = income_code(FUND)  # 4101.XT100, 捐赠收入·限定性
EXPENSE = expense_code(FUND)  # 5101.XT100, 业务活动成本


def moment(day: int = 1, hour: int = 10, minute: int = 0, *, month: int = 3) -> datetime:
    """A local (Asia/Shanghai) time in 2026."""
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def gift(n: int, amount: str = "100.00", *, when: datetime | None = None, income: str = INCOME) -> PostingRequest:
    """Donation number ``n``: 借 银行存款, 贷 the fund's 捐赠收入."""
    value = Decimal(amount)
    return PostingRequest(
        kind=TransactionKind.DONATION,
        occurred_at=when or moment(),
        legs=[LegSpec(BANK, "D", value), LegSpec(income, "C", value)],
        source=f"test:gift:{n}",
        public_record={"fund": FUND, "donor": "匿名", "channel": "bank"},
    )


def grant(n: int, amount: str, *, when: datetime | None = None, expense: str = EXPENSE) -> PostingRequest:
    """Disbursement number ``n``: 借 the fund's 业务活动成本, 贷 银行存款."""
    value = Decimal(amount)
    return PostingRequest(
        kind=TransactionKind.DISBURSEMENT,
        occurred_at=when or moment(),
        legs=[LegSpec(expense, "D", value), LegSpec(BANK, "C", value)],
        source=f"test:grant:{n}",
        public_record={"fund": FUND, "beneficiaries": 3, "region": "甘肃"},
    )


def refund(n: int, amount: str, *, when: datetime | None = None) -> PostingRequest:
    """Refund number ``n`` of a gift: 借 捐赠收入, 贷 银行存款."""
    value = Decimal(amount)
    return PostingRequest(
        kind=TransactionKind.REFUND,
        occurred_at=when or moment(),
        legs=[LegSpec(INCOME, "D", value), LegSpec(BANK, "C", value)],
        source=f"test:refund:{n}",
        public_record={"fund": FUND},
    )


def post(request: PostingRequest, **changes) -> Transaction:
    """Post one request through ``transaction_post``, with any field replaced by ``changes``."""
    fields = {f.name: getattr(request, f.name) for f in dataclasses.fields(PostingRequest)}
    fields.update(changes)
    return transaction_post(**fields)


def snapshot() -> dict[str, object]:
    """Everything a posting writes: row counts, running totals and per-day totals."""
    return {
        "transactions": Transaction.objects.count(),
        "legs": Leg.objects.count(),
        "nodes": MerkleNode.objects.count(),
        "heads": TreeHead.objects.count(),
        "totals": list(Account.objects.order_by("code").values_list("code", "debit_total", "credit_total")),
        "days": list(AccountDay.objects.order_by("account__code", "day").values_list("account__code", "day", "debit")),
    }


def stored_records() -> list[bytes]:
    """The public records in leaf order, as the exact bytes that were hashed."""
    return [text.encode("utf-8") for text in Transaction.objects.order_by("sequence").values_list("record", flat=True)]


def expected_nodes(leaf_hashes: list[bytes]) -> dict[tuple[int, int], bytes]:
    """Every complete aligned subtree of the tree over ``leaf_hashes``, rebuilt from scratch."""
    nodes, level, hashes = {}, 0, list(leaf_hashes)
    while hashes:
        nodes.update({(level, index): digest for index, digest in enumerate(hashes)})
        hashes = [merkle.node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes) - 1, 2)]
        level += 1
    return nodes


def stored_nodes() -> dict[tuple[int, int], bytes]:
    return {(level, index): bytes(digest) for level, index, digest in MerkleNode.objects.values_list(*NODE_FIELDS)}


NODE_FIELDS = ("level", "index", "hash")


def raw_sql(table: str, sql: str, params: list | tuple = ()) -> None:
    """Change a ledger row behind the ORM's back, as someone with database access could.

    On PostgreSQL the append-only triggers refuse that, so they are switched off first, inside the
    test's own transaction (rolled back with it). Pending deferred constraint checks are run first:
    PostgreSQL will not alter a table that still has trigger events queued.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute(sql, params)
