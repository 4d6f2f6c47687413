"""The books an auditor asks for first: the trial balance (科目余额表) and an account's general ledger (明细账).

Rules:
- days are local (Asia/Shanghai) and inclusive, as the per-day totals (``AccountDay``) are kept;
- the trial balance reads only the per-day totals — two aggregate queries whatever the number of transactions —
  and a first-level account's row includes its sub-accounts, so the totals are the sums of the first-level rows;
  a balance is debit − credit, shown on the debit side when positive and on the credit side when negative, so the
  debit and credit totals of the opening balance, the period and the closing balance are each equal;
- the general ledger of an account (with its sub-accounts) lists its legs in the order they happened (occurred
  time, then sequence) with the running balance, starting from the balance at the end of the day before.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet, Sum

from ledger.models import Account, AccountDay, Leg, Side, TransactionKind
from ledger.money import quantize

ZERO = Decimal("0.00")
PAGE_SIZE = 100


def debit_side(balance: Decimal) -> Decimal:
    return balance if balance > 0 else ZERO


def credit_side(balance: Decimal) -> Decimal:
    return -balance if balance < 0 else ZERO


def direction(balance: Decimal) -> str:
    """借 / 贷 / 平, as a Chinese ledger writes the side a balance is on."""
    return "借" if balance > 0 else "贷" if balance < 0 else "平"


@dataclass(frozen=True)
class TrialBalanceRow:
    code: str
    name: str
    level: int  # 1 for a first-level account, 2 for its sub-accounts, …
    opening: Decimal  # debit − credit at the end of the day before the range
    debit: Decimal
    credit: Decimal

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debit - self.credit

    @property
    def opening_debit(self) -> Decimal:
        return debit_side(self.opening)

    @property
    def opening_credit(self) -> Decimal:
        return credit_side(self.opening)

    @property
    def closing_debit(self) -> Decimal:
        return debit_side(self.closing)

    @property
    def closing_credit(self) -> Decimal:
        return credit_side(self.closing)

    @property
    def is_empty(self) -> bool:
        return not (self.opening or self.debit or self.credit)


@dataclass(frozen=True)
class TrialBalanceTotals:
    opening_debit: Decimal
    opening_credit: Decimal
    debit: Decimal
    credit: Decimal
    closing_debit: Decimal
    closing_credit: Decimal

    @property
    def balanced(self) -> bool:
        return (
            self.opening_debit == self.opening_credit
            and self.debit == self.credit
            and self.closing_debit == self.closing_credit
        )


@dataclass(frozen=True)
class TrialBalance:
    date_from: date
    date_to: date
    rows: list[TrialBalanceRow]
    totals: TrialBalanceTotals


def trial_balance(*, date_from: date, date_to: date, include_empty: bool = False) -> TrialBalance:
    """科目余额表 for the local days ``date_from`` … ``date_to``: per account the opening balance, the period's
    debits and credits and the closing balance, first-level accounts including their sub-accounts."""
    accounts = list(Account.objects.order_by("code").only("pk", "code", "name", "parent_id"))
    opening = _day_sums(day__lt=date_from)
    period = _day_sums(day__gte=date_from, day__lte=date_to)
    own = {a.pk: (opening.get(a.pk, (ZERO, ZERO)), period.get(a.pk, (ZERO, ZERO))) for a in accounts}
    children = defaultdict(list)
    for account in accounts:
        children[account.parent_id].append(account)
    rows: list[TrialBalanceRow] = []
    tops = [_row(account, 1, own, children, rows) for account in children[None]]
    if not include_empty:
        rows = [row for row in rows if not row.is_empty]
    return TrialBalance(date_from, date_to, rows, _totals(tops))


def _day_sums(**days) -> dict[int, tuple[Decimal, Decimal]]:
    sums = AccountDay.objects.filter(**days).values("account_id").annotate(d=Sum("debit"), c=Sum("credit"))
    return {s["account_id"]: (quantize(s["d"] or 0), quantize(s["c"] or 0)) for s in sums}


def _row(account, level, own, children, rows) -> TrialBalanceRow:
    """The account's row (itself plus its sub-accounts), appended before its sub-accounts' rows."""
    (open_d, open_c), (debit, credit) = own[account.pk]
    position = len(rows)
    rows.append(None)
    opening = open_d - open_c
    for child in children[account.pk]:
        sub = _row(child, level + 1, own, children, rows)
        opening, debit, credit = opening + sub.opening, debit + sub.debit, credit + sub.credit
    rows[position] = TrialBalanceRow(account.code, account.name, level, opening, debit, credit)
    return rows[position]


def _totals(tops: list[TrialBalanceRow]) -> TrialBalanceTotals:
    def total(attribute: str) -> Decimal:
        return sum((getattr(row, attribute) for row in tops), ZERO)

    return TrialBalanceTotals(
        *(total(a) for a in ("opening_debit", "opening_credit", "debit", "credit", "closing_debit", "closing_credit"))
    )


@dataclass(frozen=True)
class LedgerLine:
    """One leg of the general ledger, with the account's balance (debit − credit) after it."""

    occurred_at: datetime
    sequence: int
    kind: str
    memo: str
    account_code: str
    debit: Decimal
    credit: Decimal
    balance: Decimal

    @property
    def kind_label(self) -> str:
        return str(TransactionKind(self.kind).label) if self.kind in TransactionKind.values else self.kind

    @property
    def balance_direction(self) -> str:
        return direction(self.balance)

    @property
    def balance_amount(self) -> Decimal:
        return abs(self.balance)


@dataclass(frozen=True)
class GeneralLedger:
    account: Account
    date_from: date
    date_to: date
    opening: Decimal
    debit: Decimal
    credit: Decimal
    page: Page | None  # of LedgerLine

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debit - self.credit


def account_family(account: Account) -> list[int]:
    """The account and all its sub-accounts (any depth), as primary keys."""
    family, level = [account.pk], [account.pk]
    while level:
        level = list(Account.objects.filter(parent_id__in=level).values_list("pk", flat=True))
        family += level
    return family


def general_ledger(*, account: Account, date_from: date, date_to: date, page: int | str | None = 1) -> GeneralLedger:
    """明细账 of ``account`` (and its sub-accounts) for the local days ``date_from`` … ``date_to``, one page of
    ``PAGE_SIZE`` legs; the first line's running balance starts from the opening balance plus what came before the
    page (``_balance_before``: per-day totals and that day's earlier legs), never from a scan in Python.
    ``page=None``: the figures only."""
    family = account_family(account)
    opening = _family_balance(family, day__lt=date_from)
    sums = AccountDay.objects.filter(account_id__in=family, day__gte=date_from, day__lte=date_to).aggregate(
        d=Sum("debit"), c=Sum("credit")
    )
    current = None
    if page is not None:
        ordered = _ordered_legs(family, date_from, date_to)
        current = Paginator(ordered.values_list(*COLUMNS, "pk"), PAGE_SIZE).get_page(page)
        rows = list(current.object_list)
        before = _balance_before(family, date_from, rows[0]) + opening if rows and current.number > 1 else opening
        current.object_list = list(_lines((row[:-1] for row in rows), before))
    return GeneralLedger(
        account, date_from, date_to, opening, quantize(sums["d"] or 0), quantize(sums["c"] or 0), current
    )


def general_ledger_lines(*, account: Account, date_from: date, date_to: date) -> Iterator[LedgerLine]:
    """Every line of the range, streamed (for the CSV/XLSX export)."""
    family = account_family(account)
    opening = _family_balance(family, day__lt=date_from)
    yield from _lines(_columns(_ordered_legs(family, date_from, date_to)).iterator(chunk_size=2000), opening)


def _family_balance(family: list[int], **days) -> Decimal:
    sums = AccountDay.objects.filter(account_id__in=family, **days).aggregate(d=Sum("debit"), c=Sum("credit"))
    return quantize((sums["d"] or 0) - (sums["c"] or 0))


def _ordered_legs(family: list[int], date_from: date, date_to: date) -> QuerySet:
    zone = ZoneInfo(settings.TIME_ZONE)
    return Leg.objects.filter(
        account_id__in=family,
        transaction__occurred_at__gte=datetime.combine(date_from, time.min, zone),
        transaction__occurred_at__lt=datetime.combine(date_to + timedelta(days=1), time.min, zone),
    ).order_by("transaction__occurred_at", "transaction_id", "pk")


COLUMNS = (
    "transaction__occurred_at",
    "transaction_id",
    "transaction__kind",
    "transaction__memo",
    "account__code",
    "side",
    "amount",
)


def _columns(legs: QuerySet) -> QuerySet:
    return legs.values_list(*COLUMNS)


def _balance_before(family: list[int], date_from: date, first: tuple) -> Decimal:
    """debit − credit of the range's legs that come before ``first`` (a page's first row, its leg ``pk`` last), from
    the per-day totals of the whole days before its local day plus the legs of that day before it: two small queries
    whatever the page, instead of summing every preceding leg (which sorted the whole range)."""
    occurred_at, sequence, *_rest, pk = first
    zone = ZoneInfo(settings.TIME_ZONE)
    day = occurred_at.astimezone(zone).date()
    whole_days = _family_balance(family, day__gte=date_from, day__lt=day) if day > date_from else ZERO
    same_day = Leg.objects.filter(
        account_id__in=family,
        transaction__occurred_at__gte=datetime.combine(day, time.min, zone),
    ).filter(
        Q(transaction__occurred_at__lt=occurred_at)
        | Q(transaction__occurred_at=occurred_at, transaction_id__lt=sequence)
        | Q(transaction__occurred_at=occurred_at, transaction_id=sequence, pk__lt=pk)
    )
    return whole_days + _signed_sum(same_day)


def _signed_sum(legs: QuerySet) -> Decimal:
    """debit − credit of a set of legs, in the database."""
    rows = legs.order_by().values("side").annotate(total=Sum("amount"))
    sums = {r["side"]: r["total"] or ZERO for r in rows}
    return quantize(sums.get(Side.DEBIT, ZERO) - sums.get(Side.CREDIT, ZERO))


def _lines(legs, balance: Decimal) -> Iterator[LedgerLine]:
    for occurred_at, sequence, kind, memo, code, side, amount in legs:
        debit, credit = (amount, ZERO) if side == Side.DEBIT else (ZERO, amount)
        balance = balance + debit - credit
        yield LedgerLine(occurred_at, sequence, kind, memo, code, debit, credit, balance)
