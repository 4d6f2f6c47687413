"""银行对账 reads: bank accounts, statements, lines, candidates for a manual match, and the monthly
银行存款余额调节表 (bank reconciliation statement).

The 调节表 of an account at the end of a month E:
- 银行对账单余额: the 余额 of the last line dated ≤ E (or the first statement's opening balance before its first line);
- 企业账面余额: the account's balance at E from the ledger's per-day totals (``ledger.selectors.account_balance``);
- 企业已收/已付、银行未收/未付: transactions on the account dated ≤ E and not matched to a line dated ≤ E — those
  dated from the first statement's start, and earlier ones once they are matched (to a line after E). Before the first
  statement the books and the statement's opening balance are taken to agree;
- 银行已收/已付、企业未收/未付: lines dated ≤ E not matched to a transaction dated ≤ E;
- 调节后余额: bank + 企业已收银行未收 − 企业已付银行未付, and book + 银行已收企业未收 − 银行已付企业未付.
  They agree when every difference between the books and the bank is one of the listed items.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from finance.models_bank import BankLine, BankStatement
from finance.services.reconciliation import local_bounds
from ledger.chart import BANK
from ledger.models import Account, Leg, Transaction
from ledger.selectors import account_balance

ZERO = Decimal("0.00")


def bank_accounts() -> list[Account]:
    """1002 银行存款 and its sub-accounts."""
    return list(Account.objects.filter(Q(code=BANK) | Q(parent__code=BANK)).order_by("code"))


def statement_list(account: Account | None = None):
    statements = BankStatement.objects.select_related("account", "imported_by")
    return statements.filter(account=account) if account is not None else statements


def statement_figures(statement: BankStatement) -> dict[str, int]:
    lines = BankLine.objects.filter(statement=statement)
    total = lines.count()
    matched = lines.filter(transaction__isnull=False).count()
    return {"total": total, "matched": matched, "unmatched": total - matched}


def statement_lines(statement: BankStatement, *, status: str = ""):
    lines = BankLine.objects.filter(statement=statement).select_related("transaction")
    if status == "matched":
        lines = lines.filter(transaction__isnull=False)
    elif status == "unmatched":
        lines = lines.filter(transaction__isnull=True)
    return lines.order_by("position")


@dataclass(frozen=True)
class MatchCandidate:
    transaction: Transaction
    day: date
    amount: Decimal  # net on the account, signed


def match_candidates(line: BankLine, *, days: int = 31, limit: int = 50) -> list[MatchCandidate]:
    """Unmatched transactions on the line's account within ``days`` of it, those of the line's amount first."""
    lo, hi = local_bounds(line.booked_on - timedelta(days=days), line.booked_on + timedelta(days=days))
    legs = Leg.objects.filter(
        account_id=line.account_id,
        transaction__occurred_at__gte=lo,
        transaction__occurred_at__lt=hi,
        transaction__bank_line__isnull=True,
    ).select_related("transaction")
    net: dict[int, Decimal] = defaultdict(Decimal)
    txns = {}
    for leg in legs[:2000]:
        net[leg.transaction_id] += leg.amount if leg.side == "D" else -leg.amount
        txns[leg.transaction_id] = leg.transaction
    found = [
        MatchCandidate(txns[t], timezone.localdate(txns[t].occurred_at), amount)
        for t, amount in net.items()
        if amount != 0 and (amount > 0) == (line.amount > 0)
    ]
    found.sort(key=lambda c: (c.amount != line.amount, abs((c.day - line.booked_on).days), c.transaction.pk))
    return found[:limit]


@dataclass(frozen=True)
class ReconcilingItem:
    day: date
    amount: Decimal  # positive
    description: str
    reference: str = ""  # 流水号 (bank items) or 交易 #sequence (book items)


@dataclass
class Reconciliation:
    account: Account
    year: int
    month: int
    month_end: date
    has_statement: bool
    bank_balance: Decimal
    book_balance: Decimal
    book_received: list[ReconcilingItem] = field(default_factory=list)  # 企业已收,银行未收
    book_paid: list[ReconcilingItem] = field(default_factory=list)  # 企业已付,银行未付
    bank_received: list[ReconcilingItem] = field(default_factory=list)  # 银行已收,企业未收
    bank_paid: list[ReconcilingItem] = field(default_factory=list)  # 银行已付,企业未付
    statement_covers_month_end: bool = True

    @staticmethod
    def total(items: list[ReconcilingItem]) -> Decimal:
        return sum((i.amount for i in items), ZERO)

    @property
    def book_received_total(self) -> Decimal:
        return self.total(self.book_received)

    @property
    def book_paid_total(self) -> Decimal:
        return self.total(self.book_paid)

    @property
    def bank_received_total(self) -> Decimal:
        return self.total(self.bank_received)

    @property
    def bank_paid_total(self) -> Decimal:
        return self.total(self.bank_paid)

    @property
    def bank_adjusted(self) -> Decimal:
        return self.bank_balance + self.book_received_total - self.book_paid_total

    @property
    def book_adjusted(self) -> Decimal:
        return self.book_balance + self.bank_received_total - self.bank_paid_total

    @property
    def difference(self) -> Decimal:
        return self.bank_adjusted - self.book_adjusted

    @property
    def agrees(self) -> bool:
        return self.has_statement and self.difference == 0

    @property
    def verdict(self) -> str:
        if not self.has_statement:
            return f"科目 {self.account.code} 在 {self.month_end:%Y-%m-%d} 前没有导入银行对账单,无法调节。"
        if self.difference == 0:
            return "调节后余额一致。"
        return f"调节后余额相差 ¥{abs(self.difference):,.2f}。"


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def reconciliation(*, account: Account, year: int, month: int) -> Reconciliation:
    """The 银行存款余额调节表 of ``account`` at the end of ``year``-``month``. Five queries."""
    end = month_end(year, month)
    first = BankStatement.objects.filter(account=account).order_by("period_start", "id").first()
    book = account_balance(account, at=end)
    if first is None or first.period_start > end:
        return Reconciliation(account, year, month, end, False, ZERO, book)
    last_line = (
        BankLine.objects.filter(account=account, booked_on__lte=end)
        .order_by("-booked_on", "-statement__period_start", "-position")
        .only("balance")
        .first()
    )
    bank = last_line.balance if last_line is not None else first.opening_balance
    covered = BankStatement.objects.filter(account=account, period_end__gte=end).exists()
    report = Reconciliation(account, year, month, end, True, bank, book, statement_covers_month_end=covered)
    start_lo, _ = local_bounds(first.period_start, first.period_start)
    _, end_hi = local_bounds(end, end)
    legs = (
        Leg.objects.filter(account=account, transaction__occurred_at__lt=end_hi)
        .filter(Q(transaction__occurred_at__gte=start_lo) | Q(transaction__bank_line__isnull=False))
        .filter(Q(transaction__bank_line__isnull=True) | Q(transaction__bank_line__booked_on__gt=end))
        .values_list("transaction_id", "side", "amount", "transaction__occurred_at", "transaction__memo")
    )
    net: dict[int, Decimal] = defaultdict(Decimal)
    about: dict[int, tuple[date, str]] = {}
    for txn, side, amount, occurred, memo in legs.iterator(chunk_size=5000):
        net[txn] += amount if side == "D" else -amount
        about[txn] = (timezone.localdate(occurred), memo)
    for txn in sorted(net, key=lambda t: (about[t][0], t)):
        amount = net[txn]
        if amount == 0:
            continue
        day, memo = about[txn]
        item = ReconcilingItem(day, abs(amount), memo, f"交易 #{txn}")
        (report.book_received if amount > 0 else report.book_paid).append(item)
    lines = (
        BankLine.objects.filter(account=account, booked_on__lte=end)
        .filter(Q(transaction__isnull=True) | Q(transaction__occurred_at__gte=end_hi))
        .order_by("booked_on", "statement__period_start", "position")
        .values_list("booked_on", "income", "expense", "summary", "reference")
    )
    for day, income, expense, summary, reference in lines.iterator(chunk_size=5000):
        if income > 0:
            report.bank_received.append(ReconcilingItem(day, income, summary, reference))
        else:
            report.bank_paid.append(ReconcilingItem(day, expense, summary, reference))
    return report


def unmatched_days() -> int:
    return int(getattr(settings, "BANK_RECONCILE_UNMATCHED_DAYS", 7))


def unmatched_offline_gifts(*, days: int | None = None, now: datetime | None = None):
    """未对账的线下捐赠: received bank gifts older than ``days`` (BANK_RECONCILE_UNMATCHED_DAYS, default 7) whose
    ledger transaction no bank line matches."""
    from donations.models import Channel, Donation, DonationStatus

    days = unmatched_days() if days is None else days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    return (
        Donation.objects.filter(
            channel=Channel.BANK,
            status=DonationStatus.SUCCEEDED,
            transaction__isnull=False,
            transaction__bank_line__isnull=True,
            received_at__lt=cutoff,
        )
        .select_related("project")
        .order_by("received_at", "pk")
    )


def default_month(account: Account) -> tuple[int, int]:
    """The month of the account's latest statement line, else this month."""
    last = BankLine.objects.filter(account=account).order_by("-booked_on").values_list("booked_on", flat=True).first()
    day = last or timezone.localdate()
    return day.year, day.month
