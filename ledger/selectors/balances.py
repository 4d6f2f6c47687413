"""Balances from running totals (now) or per-day totals (at a date): never a scan of every leg.

Rule: a fund's raised = its income accounts' credits less debits (refunds and reversals debit
income); spent = its expense accounts' debits less credits; transferred = what its net-asset accounts
(3101.<fund>, 3102.<fund>) received less what they gave (a leftover transferred in from a closed fund, or
out of this one). The year-end closing (``closing`` transactions) is left out of all three: it empties the
income and expense accounts into the fund's own net assets, and the fund has raised, spent and holds what it
did before. Available = raised − spent + transferred (commitments arrive with disbursements).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from ledger.models import Account, AccountDay, AccountType, Leg, Side, TransactionKind
from ledger.money import quantize

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class FundFigures:
    fund_code: str
    raised: Decimal
    spent: Decimal
    transferred: Decimal = ZERO  # net of leftover transfers: + received from a closed fund, − given away

    @property
    def available(self) -> Decimal:
        return self.raised - self.spent + self.transferred


def account_balance(account: Account, *, at: date | None = None) -> Decimal:
    """The balance on the account's normal side, now or at the end of day ``at`` (Asia/Shanghai)."""
    if at is None:
        account.refresh_from_db(fields=["debit_total", "credit_total"])
        return quantize(account.balance_of(account.debit_total, account.credit_total))
    sums = AccountDay.objects.filter(account=account, day__lte=at).aggregate(d=Sum("debit"), c=Sum("credit"))
    return quantize(account.balance_of(sums["d"] or ZERO, sums["c"] or ZERO))


def fund_figures(fund_code: str, *, at: date | None = None) -> FundFigures:
    return fund_figures_many([fund_code], at=at)[fund_code]


def fund_figures_many(fund_codes: Iterable[str], *, at: date | None = None) -> dict[str, FundFigures]:
    """Raised and spent for many funds in one query."""
    codes = list(dict.fromkeys(fund_codes))
    raised = dict.fromkeys(codes, ZERO)
    spent = dict.fromkeys(codes, ZERO)
    transferred = dict.fromkeys(codes, ZERO)
    sums = _closing_sums(codes, at)  # subtracted: (fund, type) → (−debits, −credits) of the closings
    sums = {key: (-debit, -credit) for key, (debit, credit) in sums.items()}
    for fund, type_, debit, credit in _fund_sums(codes, at):  # one row per account
        less_debit, less_credit = sums.get((fund, type_), (ZERO, ZERO))
        sums[(fund, type_)] = (less_debit + debit, less_credit + credit)
    for (fund, type_), (debit, credit) in sums.items():
        if type_ == AccountType.INCOME:
            raised[fund] += credit - debit
        elif type_ == AccountType.EXPENSE:
            spent[fund] += debit - credit
        elif type_ == AccountType.NET_ASSETS:
            transferred[fund] += credit - debit
    return {
        code: FundFigures(code, quantize(raised[code]), quantize(spent[code]), quantize(transferred[code]))
        for code in codes
    }


FUND_TYPES = (AccountType.INCOME, AccountType.EXPENSE, AccountType.NET_ASSETS)


def _closing_sums(codes: list[str], at: date | None) -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
    """What the year-end closings moved on the funds' accounts, per (fund, account type): one grouped query over
    the closing transactions' legs (a handful per year)."""
    legs = Leg.objects.filter(
        transaction__kind=TransactionKind.CLOSING, account__fund_code__in=codes, account__type__in=FUND_TYPES
    )
    if at is not None:
        legs = legs.filter(transaction__occurred_at__lt=_end_of_day(at))
    sums: dict[tuple[str, str], tuple[Decimal, Decimal]] = {}
    for fund, type_, side, amount in legs.values_list("account__fund_code", "account__type", "side").annotate(
        total=Sum("amount")
    ):
        debit, credit = sums.get((fund, type_), (ZERO, ZERO))
        sums[(fund, type_)] = (debit + amount, credit) if side == Side.DEBIT else (debit, credit + amount)
    return sums


def _end_of_day(day: date) -> datetime:
    """The first moment after ``day`` in the ledger's day zone (per-day totals are kept by local day)."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=timezone.get_default_timezone())


def _fund_sums(codes: list[str], at: date | None):
    types = FUND_TYPES
    if at is None:
        rows = Account.objects.filter(fund_code__in=codes, type__in=types).values_list(
            "fund_code", "type", "debit_total", "credit_total"
        )
        return [(f, t, Decimal(d), Decimal(c)) for f, t, d, c in rows]
    rows = (
        AccountDay.objects.filter(account__fund_code__in=codes, account__type__in=types, day__lte=at)
        .values_list("account__fund_code", "account__type")
        .annotate(d=Sum("debit"), c=Sum("credit"))
    )
    return [(f, t, Decimal(d or 0), Decimal(c or 0)) for f, t, d, c in rows]


def fund_has_entries(fund_code: str) -> bool:
    """Has anything been posted to the fund's accounts? Then what the fund is can no longer change."""
    return Account.objects.filter(fund_code=fund_code).exclude(debit_total=0, credit_total=0).exists()
