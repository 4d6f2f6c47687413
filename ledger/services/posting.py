"""The one posting API. Rules it enforces:

- Double entry: at least two legs, each a positive amount with at most two decimals, and debits equal
  credits per currency. (PostgreSQL checks again with a deferred constraint trigger.)
- Idempotent on ``source``: posting a source again returns the first transaction, unchanged.
- Atomic with the caller's database transaction, and serialised: one writer at a time appends, so
  sequence numbers are gap-free from 0 and the Merkle log has one order.
- The public record carries no personal data (``ledger.privacy.check_public_details``).
- Nothing is dated in a closed period (``ledger.services.periods.check_open``; PostgreSQL: a trigger too).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import connection, transaction
from django.db.models import AutoField, signals
from django.utils import timezone

from ledger import merkle
from ledger.models import Account, Leg, MerkleNode, Side, Transaction, TransactionKind
from ledger.privacy import PersonalDataError, check_public_details
from ledger.records import iso_utc_whole_second, record_text_of

from .log_state import Frontier, next_sequence
from .rows import add_to_totals, insert_rows, instance_builder
from .totals import add_account_days

# pg_advisory_xact_lock key for the ledger's single writer ("LEDGER" in ASCII).
WRITER_LOCK_KEY = 0x4C4544474552
SOURCE_LOOKUP_CHUNK = 5000
APPEND_CHUNK = 2000  # postings built and written together; more than one chunk runs as a pipeline
KINDS = tuple(TransactionKind.values)  # a tuple, as .values' list: ``in`` compares, never hashes
CENT = Decimal("0.01")
ZERO = Decimal("0")
AMOUNT_LIMIT = Decimal(10) ** 16
FUTURE_TOLERANCE = timedelta(minutes=5)  # clocks of web and worker hosts may differ a little
# Columns as written, in the order of the tuples _append builds.
TRANSACTION_FIELDS = ("sequence", "uuid", "occurred_at", "recorded_at", "kind", "memo", "source", "reverses", "record")
LEG_FIELDS = ("transaction", "account", "side", "amount", "currency")
NODE_FIELDS = ("level", "index", "hash")


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
    details_check = DetailsCheck()
    amounts = [_validate_shape(request, details_check) for request in requests]
    with transaction.atomic():
        acquire_writer_lock()
        return _post_locked(requests, amounts)


def acquire_writer_lock() -> None:
    """PostgreSQL: a transaction-scoped advisory lock. SQLite: BEGIN IMMEDIATE already holds the write lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [WRITER_LOCK_KEY])


def _post_locked(requests: Sequence[PostingRequest], amounts: list[list[Decimal]]) -> list[Transaction]:
    """``amounts``: each request's leg amounts as ``_validate_shape`` checked them."""
    posted = {t.source: t for t in _already_posted({r.source for r in requests})}
    fresh = [(r, a) for r, a in _first_per_source(requests, amounts) if r.source not in posted]
    if fresh:
        from .periods import check_open  # a closed period accepts nothing new (the lock is read under the writer lock)

        check_open(r.occurred_at for r, _ in fresh)
        accounts = _accounts_for([r for r, _ in fresh])
        for created in _append(fresh, accounts):
            posted[created.source] = created
    return [posted[r.source] for r in requests]


def _already_posted(sources: set[str]) -> list[Transaction]:
    """The transactions already posted from any of ``sources``: plain SQL finds which (usually none, in a
    fresh import of 10^5), the ORM loads those."""
    ordered = sorted(sources)
    found: list[str] = []
    qn = connection.ops.quote_name
    table, column = qn(Transaction._meta.db_table), qn(Transaction._meta.get_field("source").column)
    pg = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        for start in range(0, len(ordered), SOURCE_LOOKUP_CHUNK):  # SQLite caps bound parameters
            chunk = ordered[start : start + SOURCE_LOOKUP_CHUNK]
            if pg:  # one array parameter: psycopg composes 5,000 placeholders slowly, client-side
                cursor.execute(f"SELECT {column} FROM {table} WHERE {column} = ANY(%s)", [chunk])  # noqa: S608
            else:
                placeholders = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"SELECT {column} FROM {table} WHERE {column} IN ({placeholders})", chunk)  # noqa: S608
            found += [source for (source,) in cursor.fetchall()]
    posted: list[Transaction] = []
    for start in range(0, len(found), SOURCE_LOOKUP_CHUNK):
        posted += Transaction.objects.filter(source__in=found[start : start + SOURCE_LOOKUP_CHUNK])
    return posted


def _first_per_source(requests: Sequence[PostingRequest], amounts: list[list[Decimal]]):
    seen: set[str] = set()
    unique = []
    for request, request_amounts in zip(requests, amounts, strict=True):
        if request.source not in seen:
            seen.add(request.source)
            unique.append((request, request_amounts))
    return unique


def _append(fresh: list[tuple[PostingRequest, list[Decimal]]], accounts: dict[str, Account]) -> list[Transaction]:
    """Append ``fresh`` to the log: rows built as plain tuples, written a chunk at a time, then the totals.

    PostgreSQL, more than one chunk: the deferred checks of each written chunk but the last (the balance
    triggers of migration 0002 and the foreign keys of ledger_leg and ledger_transaction) run right after it
    (``SET CONSTRAINTS … IMMEDIATE``, then back to ``DEFERRED``) instead of at COMMIT, while a worker thread
    builds the next chunk (pure Python, no database access): the server checks and Python builds at the same
    time, where at COMMIT nothing could run beside the checks. The same checks on the same rows, and a chunk
    is checked only once all its rows are written; only a violation already pending in the caller's database
    transaction (rows written behind the service) would be reported here rather than at its COMMIT. Chunk
    writes never overlap the build: the GIL would make each wait on the other."""
    _check_columns()
    start = next_sequence()
    builder = _RowBuilder(start, Frontier.load(start), accounts)
    chunks = [fresh[i : i + APPEND_CHUNK] for i in range(0, len(fresh), APPEND_CHUNK)]
    if len(chunks) == 1 or connection.vendor != "postgresql" or not _plain_construction():
        for chunk in chunks:
            _write(builder.build(chunk))
    else:
        deferred = _deferred_ledger_constraints()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledger-rows") as pool:
            rows = builder.build(chunks[0])
            for following in chunks[1:]:
                _write(rows)
                pending = pool.submit(builder.build, following)
                _run_deferred_checks(deferred)  # the server checks this chunk while the worker builds the next
                rows = pending.result()
            _write(rows)  # the last chunk's checks run at COMMIT, as they always did
    _update_totals(builder.totals, builder.days)
    return builder.transactions


def _write(rows: tuple[list[tuple], list[tuple], list[tuple]]) -> None:
    transactions, legs, nodes = rows
    insert_rows(Transaction._meta.db_table, _columns(Transaction, TRANSACTION_FIELDS), transactions)
    insert_rows(Leg._meta.db_table, _columns(Leg, LEG_FIELDS), legs)
    insert_rows(MerkleNode._meta.db_table, _columns(MerkleNode, NODE_FIELDS), nodes)


def _deferred_ledger_constraints() -> list[str]:
    """PostgreSQL: the initially deferred constraints on ledger_transaction and ledger_leg (the balance
    triggers of migration 0002 and the foreign keys), quoted for SET CONSTRAINTS. Elsewhere: none."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE condeferred AND conrelid IN (%s::regclass, %s::regclass) "
            "ORDER BY conname",
            [Transaction._meta.db_table, Leg._meta.db_table],
        )
        return [connection.ops.quote_name(name) for (name,) in cursor.fetchall()]


def _run_deferred_checks(constraints: list[str]) -> None:
    if not constraints:
        return
    names = ", ".join(constraints)
    with connection.cursor() as cursor:
        cursor.execute(f"SET CONSTRAINTS {names} IMMEDIATE")  # runs the checks queued so far
        cursor.execute(f"SET CONSTRAINTS {names} DEFERRED")  # their initial mode again


class _RowBuilder:
    """Builds the rows of consecutive chunks of postings, as the driver takes them, with the Merkle frontier,
    the returned Transaction objects and the running totals. Touches no database connection: everything it
    needs from the connection is read here, in the caller's thread."""

    def __init__(self, start: int, frontier: Frontier, accounts: dict[str, Account]):
        self.sequence = start
        self.push = frontier.push
        self.now = timezone.now().replace(microsecond=0)
        self.recorded_text = iso_utc_whole_second(self.now)
        self.local_zone = timezone.get_default_timezone()
        self.native_uuid = connection.features.has_native_uuid_field
        self.to_db_time = _db_time_adapter()
        self.db_now = self.to_db_time(self.now)
        self.account_pks = {code: account.pk for code, account in accounts.items()}
        self.new_transaction = _transaction_factory()
        self.transactions: list[Transaction] = []
        self.totals: dict[int, list[Decimal]] = {}
        self.days: dict[tuple[int, object], list[Decimal]] = {}

    def build(self, chunk: list[tuple[PostingRequest, list[Decimal]]]):
        tx_rows: list[tuple] = []
        leg_rows: list[tuple] = []
        node_rows: list[tuple[int, int, bytes]] = []
        transactions, totals, days = self.transactions, self.totals, self.days
        occurred_cache: dict[datetime, tuple[str, object, object]] = {}  # postings often share a moment
        account_pks, push, leaf_hash, uuid4 = self.account_pks, self.push, merkle.leaf_hash, uuid.uuid4
        now, db_now, recorded_text, native_uuid = self.now, self.db_now, self.recorded_text, self.native_uuid
        new_transaction = self.new_transaction
        sequence = self.sequence
        for request, amounts in chunk:
            tx_uuid = uuid4()
            occurred = request.occurred_at.replace(microsecond=0)
            moment = occurred_cache.get(occurred)
            if moment is None:
                moment = occurred_cache[occurred] = (
                    iso_utc_whole_second(occurred),
                    self.to_db_time(occurred),
                    occurred.astimezone(self.local_zone).date(),
                )
            when, db_occurred, day = moment
            reverses = request.reverses
            legs = list(zip(request.legs, amounts, strict=True))
            text = record_text_of(
                sequence=sequence,
                uuid=str(tx_uuid),
                kind=request.kind,
                occurred_at=when,
                recorded_at=recorded_text,
                legs=[(leg.account, leg.side, f"{amount:.2f}", leg.currency) for leg, amount in legs],
                details=request.public_record,
                reverses=reverses.sequence if reverses else None,
            )
            transactions.append(new_transaction(sequence, tx_uuid, occurred, now, request, text))
            tx_rows.append(
                (
                    sequence,
                    tx_uuid if native_uuid else tx_uuid.hex,
                    db_occurred,
                    db_now,
                    kind if (kind := request.kind).__class__ is str else _text(kind),
                    memo if (memo := request.memo).__class__ is str else _text(memo),
                    source if (source := request.source).__class__ is str else _text(source),
                    reverses.pk if reverses else None,
                    text,
                )
            )
            push(leaf_hash(text.encode("utf-8")), node_rows)
            for leg, amount in legs:
                account_pk = account_pks[leg.account]
                side, currency = leg.side, leg.currency
                leg_rows.append(
                    (
                        sequence,
                        account_pk,
                        side if side.__class__ is str else _text(side),
                        amount,
                        currency if currency.__class__ is str else _text(currency),
                    )
                )
                column = 0 if side == Side.DEBIT else 1
                running = totals.get(account_pk)
                if running is None:
                    running = totals[account_pk] = [ZERO, ZERO]
                running[column] += amount
                per_day = days.get((account_pk, day))
                if per_day is None:
                    per_day = days[(account_pk, day)] = [ZERO, ZERO]
                per_day[column] += amount
            sequence += 1
        self.sequence = sequence
        return tx_rows, leg_rows, node_rows


def _db_time_adapter():
    """What ``DateTimeField.get_db_prep_save`` makes of an aware datetime: PostgreSQL takes it as it is;
    SQLite (``USE_TZ``) gets ``str()`` of it made naive in the connection's time zone, as
    ``adapt_datetimefield_value`` does, without its per-call checks."""
    if connection.vendor == "postgresql":
        return _same
    if connection.vendor == "sqlite" and settings.USE_TZ:
        zone = connection.timezone

        def sqlite_time(moment: datetime) -> str:
            return str(moment.astimezone(zone).replace(tzinfo=None))

        return sqlite_time
    return connection.ops.adapt_datetimefield_value


def _same(value):
    return value


def _text(value):
    """A CharField's value as ``get_db_prep_save`` writes it: a str (or a str enum member) as it is,
    a lazy translation or anything else made a str."""
    if isinstance(value, str) or value is None:
        return value
    return _CHAR_FIELD.get_prep_value(value)  # = get_db_prep_save for a CharField, without the connection


_CHAR_FIELD = Transaction._meta.get_field("memo")


def _columns(model, names: Sequence[str]) -> list[str]:
    return [model._meta.get_field(name).column for name in names]


def _check_columns() -> None:
    """The rows _RowBuilder makes have a value for every column: a field added to a model must be added here."""
    for model, names in ((Transaction, TRANSACTION_FIELDS), (Leg, LEG_FIELDS), (MerkleNode, NODE_FIELDS)):
        fields = [f.name for f in model._meta.concrete_fields if not isinstance(f, AutoField)]
        if fields != list(names):
            raise RuntimeError(f"ledger posting writes {model.__name__} as {names}, the model has {fields}")


def _transaction_factory():
    """Makes the returned ``Transaction`` objects, as saved ones (``_state.adding`` false), through
    ``instance_builder`` (a third of ``Model.__init__``'s time). A reversal takes the ordinary constructor: its
    ``reverses`` object is cached on both sides."""
    alias = connection.alias
    build = instance_builder(Transaction)

    def make(sequence: int, tx_uuid: uuid.UUID, occurred: datetime, now: datetime, request, text: str):
        values = {
            "sequence": sequence,
            "uuid": tx_uuid,
            "occurred_at": occurred,
            "recorded_at": now,
            "kind": request.kind,
            "memo": request.memo,
            "source": request.source,
            "record": text,
        }
        if request.reverses is None:
            tx = build({**values, "reverses_id": None})
        else:
            tx = Transaction(**values, reverses=request.reverses)
        tx._state.adding = False
        tx._state.db = alias
        return tx

    return make


def _plain_construction() -> bool:
    """Nothing listens to Transaction's ``pre_init``/``post_init`` (receivers could touch the database, so
    the worker thread must not construct objects then), and its fields are the ones _append writes."""
    if signals.pre_init.has_listeners(Transaction) or signals.post_init.has_listeners(Transaction):
        return False
    attnames = [f.attname for f in Transaction._meta.concrete_fields]
    return attnames == [Transaction._meta.get_field(name).attname for name in TRANSACTION_FIELDS]


def _update_totals(totals: dict[int, list[Decimal]], days: dict[tuple[int, object], list[Decimal]]) -> None:
    """Running totals per account (one UPDATE) and per account and day, in the same database transaction as
    the legs."""
    add_to_totals(Account, {pk: (d, c) for pk, (d, c) in totals.items()}, "debit_total", "credit_total")
    add_account_days(days)


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


def _validate_shape(request: PostingRequest, details_check: DetailsCheck | None = None) -> list[Decimal]:
    """Everything that can be checked without the database, with a readable Chinese message. Returns the
    legs' amounts as Decimals."""
    where = request.source or "(无来源)"
    if not request.source or len(request.source) > 200:
        raise PostingError("每笔交易必须有来源(source),且不超过 200 个字符")
    if request.kind not in KINDS:
        raise PostingError(f"{where}:未知的交易类型 {request.kind!r}")
    if (request.kind == TransactionKind.REVERSAL) != (request.reverses is not None):
        raise PostingError(f"{where}:冲正交易必须且只能由冲正接口生成")
    if timezone.is_naive(request.occurred_at):
        raise PostingError(f"{where}:发生时间必须带时区")
    if request.occurred_at > timezone.now() + FUTURE_TOLERANCE:
        # The effective date is when the money moved; a future one would put a payment into a year (a cap, a
        # statement) it has not reached.
        raise PostingError(f"{where}:发生时间 {request.occurred_at.isoformat()} 晚于记账时间,不能记入将来的交易")
    if len(request.legs) < 2:
        raise PostingError(f"{where}:复式记账至少需要两条分录")
    amounts = _validate_balance(where, request.legs)
    try:
        (details_check or check_public_details)(request.public_record, "public_record")
    except PersonalDataError as error:
        raise PostingError(f"{where}:{error}") from error
    return amounts


class DetailsCheck:
    """``check_public_details`` for many records: the same verdict and the same message, each distinct key and
    each distinct string or int value checked once per batch.

    A record (a dict) is walked as ``check_public_details`` walks it, item by item, key before value; a key or
    a str/int value seen clean earlier is not checked again (the check of a key or of a scalar depends on
    nothing else), anything else (nested dicts and lists, floats, other types) is checked there and then by
    ``check_public_details`` itself with the path it would have had. Not a dict: ``check_public_details``."""

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.texts: set[str] = set()
        self.ints: set[int] = set()

    def __call__(self, details: object, path: str) -> None:
        if type(details) is not dict:
            check_public_details(details, path)
            return
        keys, texts, ints = self.keys, self.texts, self.ints
        for key, value in details.items():
            if type(key) is not str:
                check_public_details(details, path)  # raises, with the message naming the first bad item
                return
            if key not in keys:
                check_public_details({key: None}, path)
                keys.add(key)
            kind = type(value)
            if kind is str:
                if value not in texts:
                    check_public_details(value, f"{path}.{key}")
                    texts.add(value)
            elif kind is int:
                if value not in ints:
                    check_public_details(value, f"{path}.{key}")
                    ints.add(value)
            elif value is not None and kind is not bool:
                check_public_details(value, f"{path}.{key}")


def _validate_balance(where: str, legs: Sequence[LegSpec]) -> list[Decimal]:
    sums: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    amounts = []
    for leg in legs:
        amount = _valid_amount(where, leg.amount)
        if leg.side not in (Side.DEBIT, Side.CREDIT):
            raise PostingError(f"{where}:分录方向必须是 D(借)或 C(贷),收到 {leg.side!r}")
        sums[leg.currency][0 if leg.side == Side.DEBIT else 1] += amount
        amounts.append(amount)
    for currency, (debit, credit) in sorted(sums.items()):
        if debit != credit:
            raise PostingError(f"{where}:借贷不平衡({currency} 借方 {debit:.2f},贷方 {credit:.2f})")
    return amounts


def _valid_amount(where: str, amount: object) -> Decimal:
    if amount.__class__ is Decimal:
        value = amount  # what Decimal(amount) would return, less the copy
    else:
        if isinstance(amount, float):
            raise PostingError(f"{where}:金额必须用 Decimal,不能用浮点数")
        try:
            value = Decimal(amount)
        except (InvalidOperation, TypeError, ValueError) as error:
            raise PostingError(f"{where}:金额格式不正确:{amount!r}") from error
    if not value.is_finite() or value <= 0:
        raise PostingError(f"{where}:分录金额必须大于 0,收到 {amount}")
    if value != value.quantize(CENT):
        raise PostingError(f"{where}:金额最多两位小数,收到 {amount}")
    if value >= AMOUNT_LIMIT:
        raise PostingError(f"{where}:金额超出范围:{amount}")
    return value
