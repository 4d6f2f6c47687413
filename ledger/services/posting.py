"""The one posting API. Rules it enforces:

- Double entry: at least two legs, each a positive amount with at most two decimals, and debits equal
  credits per currency. (PostgreSQL checks again with a deferred constraint trigger.)
- Idempotent on ``source``: posting a source again returns the first transaction, unchanged.
- Atomic with the caller's database transaction, and serialised: one writer at a time appends, so
  sequence numbers are gap-free from 0 and the Merkle log has one order.
- The public record carries no personal data (``ledger.privacy.check_public_details``).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import connection, transaction
from django.utils import timezone

from ledger import merkle
from ledger.models import Account, Leg, MerkleNode, Side, Transaction, TransactionKind
from ledger.privacy import PersonalDataError, check_public_details
from ledger.records import build_record, record_text

from .log_state import Frontier, next_sequence
from .rows import add_to_totals, insert_objects
from .totals import add_account_days

# pg_advisory_xact_lock key for the ledger's single writer ("LEDGER" in ASCII).
WRITER_LOCK_KEY = 0x4C4544474552
SOURCE_LOOKUP_CHUNK = 5000


class PostingError(ValueError):
    """A posting was refused; the message is in Chinese for staff."""


@dataclass(frozen=True)
class LegSpec:
    account: str  # account code
    side: str  # "D" debit / "C" credit
    amount: Decimal
    currency: str = "CNY"


@dataclass(frozen=True)
class PostingRequest:
    kind: str
    occurred_at: datetime
    legs: Sequence[LegSpec]
    source: str
    memo: str = ""
    public_record: dict = field(default_factory=dict)
    reverses: Transaction | None = None


def transaction_post(
    *,
    kind: str,
    occurred_at: datetime,
    legs: Sequence[LegSpec],
    source: str,
    memo: str = "",
    public_record: dict | None = None,
    reverses: Transaction | None = None,
) -> Transaction:
    """Post one transaction (or return the one already posted from ``source``)."""
    request = PostingRequest(
        kind=kind,
        occurred_at=occurred_at,
        legs=legs,
        source=source,
        memo=memo,
        public_record=public_record or {},
        reverses=reverses,
    )
    return transactions_post_bulk([request])[0]


def transactions_post_bulk(requests: Sequence[PostingRequest]) -> list[Transaction]:
    """Post many transactions in one database transaction (imports, batches). Returns them in order;
    a source already posted (earlier, or earlier in this batch) yields the first transaction.

    Reversals are refused here: only ``transaction_reverse`` posts them, because only it refuses
    reversing a reversal or reversing twice."""
    for request in requests:
        if request.kind == TransactionKind.REVERSAL or request.reverses is not None:
            raise PostingError(f"{request.source or '(无来源)'}:冲正交易必须且只能由冲正接口生成")
    return post_requests(requests)


def post_requests(requests: Sequence[PostingRequest]) -> list[Transaction]:
    """Validate and post, reversals included: for this package's services (``transaction_reverse``)."""
    for request in requests:
        _validate_shape(request)
    with transaction.atomic():
        acquire_writer_lock()
        return _post_locked(requests)


def acquire_writer_lock() -> None:
    """PostgreSQL: a transaction-scoped advisory lock. SQLite: BEGIN IMMEDIATE already holds the write lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [WRITER_LOCK_KEY])


def _post_locked(requests: Sequence[PostingRequest]) -> list[Transaction]:
    sources = sorted({r.source for r in requests})
    posted = {}
    for start in range(0, len(sources), SOURCE_LOOKUP_CHUNK):  # SQLite caps bound parameters
        chunk = sources[start : start + SOURCE_LOOKUP_CHUNK]
        posted.update({t.source: t for t in Transaction.objects.filter(source__in=chunk)})
    fresh = [r for r in _first_per_source(requests) if r.source not in posted]
    if fresh:
        accounts = _accounts_for(fresh)
        for created in _append(fresh, accounts):
            posted[created.source] = created
    return [posted[r.source] for r in requests]


def _first_per_source(requests: Sequence[PostingRequest]) -> list[PostingRequest]:
    seen: set[str] = set()
    unique = []
    for request in requests:
        if request.source not in seen:
            seen.add(request.source)
            unique.append(request)
    return unique


def _append(requests: list[PostingRequest], accounts: dict[str, Account]) -> list[Transaction]:
    start = next_sequence()
    frontier = Frontier.load(start)
    now = timezone.now().replace(microsecond=0)
    transactions, legs, nodes = [], [], []
    for offset, request in enumerate(requests):
        tx = _build_transaction(start + offset, request, now)
        tx_legs = [_build_leg(tx, spec, accounts) for spec in request.legs]
        nodes.extend(frontier.append(merkle.leaf_hash(tx.record_bytes)))
        transactions.append(tx)
        legs.extend(tx_legs)
    insert_objects(Transaction, transactions)
    insert_objects(Leg, legs)
    insert_objects(MerkleNode, nodes)
    _update_totals(legs)
    return transactions


def _build_transaction(sequence: int, request: PostingRequest, now: datetime) -> Transaction:
    tx = Transaction(
        sequence=sequence,
        uuid=uuid.uuid4(),
        occurred_at=request.occurred_at.replace(microsecond=0),
        recorded_at=now,
        kind=request.kind,
        memo=request.memo,
        source=request.source,
        reverses=request.reverses,
    )
    record = build_record(
        sequence=sequence,
        uuid=str(tx.uuid),
        kind=tx.kind,
        occurred_at=tx.occurred_at,
        recorded_at=tx.recorded_at,
        legs=[(leg.account, leg.side, Decimal(leg.amount), leg.currency) for leg in request.legs],
        details=request.public_record,
        reverses=request.reverses.sequence if request.reverses else None,
    )
    tx.record = record_text(record)
    return tx


def _build_leg(tx: Transaction, spec: LegSpec, accounts: dict[str, Account]) -> Leg:
    return Leg(
        transaction=tx,
        account=accounts[spec.account],
        side=spec.side,
        amount=Decimal(spec.amount),
        currency=spec.currency,
    )


def _update_totals(legs: list[Leg]) -> None:
    """Running totals per account, in the same database transaction as the legs (one UPDATE)."""
    totals: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal("0"), Decimal("0")])
    for leg in legs:
        totals[leg.account_id][0 if leg.side == Side.DEBIT else 1] += leg.amount
    add_to_totals(Account, {pk: (d, c) for pk, (d, c) in totals.items()}, "debit_total", "credit_total")
    add_account_days(legs)


def _accounts_for(requests: list[PostingRequest]) -> dict[str, Account]:
    codes = {leg.account for r in requests for leg in r.legs}
    accounts = {a.code: a for a in Account.objects.filter(code__in=codes)}
    missing = sorted(codes - accounts.keys())
    if missing:
        raise PostingError(f"会计科目不存在:{', '.join(missing)}")
    for request in requests:
        for leg in request.legs:
            if accounts[leg.account].currency != leg.currency:
                raise PostingError(f"{request.source}:科目 {leg.account} 的币种不是 {leg.currency}")
    return accounts


def _validate_shape(request: PostingRequest) -> None:
    """Everything that can be checked without the database, with a readable Chinese message."""
    where = request.source or "(无来源)"
    if not request.source or len(request.source) > 200:
        raise PostingError("每笔交易必须有来源(source),且不超过 200 个字符")
    if request.kind not in TransactionKind.values:
        raise PostingError(f"{where}:未知的交易类型 {request.kind!r}")
    if (request.kind == TransactionKind.REVERSAL) != (request.reverses is not None):
        raise PostingError(f"{where}:冲正交易必须且只能由冲正接口生成")
    if timezone.is_naive(request.occurred_at):
        raise PostingError(f"{where}:发生时间必须带时区")
    if len(request.legs) < 2:
        raise PostingError(f"{where}:复式记账至少需要两条分录")
    _validate_balance(where, request.legs)
    try:
        check_public_details(request.public_record, "public_record")
    except PersonalDataError as error:
        raise PostingError(f"{where}:{error}") from error


def _validate_balance(where: str, legs: Sequence[LegSpec]) -> None:
    sums: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal("0"), Decimal("0")])
    for leg in legs:
        amount = _valid_amount(where, leg.amount)
        if leg.side not in (Side.DEBIT, Side.CREDIT):
            raise PostingError(f"{where}:分录方向必须是 D(借)或 C(贷),收到 {leg.side!r}")
        sums[leg.currency][0 if leg.side == Side.DEBIT else 1] += amount
    for currency, (debit, credit) in sorted(sums.items()):
        if debit != credit:
            raise PostingError(f"{where}:借贷不平衡({currency} 借方 {debit:.2f},贷方 {credit:.2f})")


def _valid_amount(where: str, amount: object) -> Decimal:
    if isinstance(amount, float):
        raise PostingError(f"{where}:金额必须用 Decimal,不能用浮点数")
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError) as error:
        raise PostingError(f"{where}:金额格式不正确:{amount!r}") from error
    if not value.is_finite() or value <= 0:
        raise PostingError(f"{where}:分录金额必须大于 0,收到 {amount}")
    if value != value.quantize(Decimal("0.01")):
        raise PostingError(f"{where}:金额最多两位小数,收到 {amount}")
    if value >= Decimal(10) ** 16:
        raise PostingError(f"{where}:金额超出范围:{amount}")
    return value
