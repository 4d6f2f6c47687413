"""Balances from running totals (now) or per-day totals (at a date): never a scan of every leg.

Rule: a fund's raised = its income accounts' credits less debits (refunds and reversals debit
income); spent = its expense accounts' debits less credits. Available = raised − spent (commitments
arrive with disbursements).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Sum

from ledger.models import Account, AccountDay, AccountType
from ledger.money import quantize

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class FundFigures:
    fund_code: str
    raised: Decimal
    spent: Decimal

    @property
    def available(self) -> Decimal:
        return self.raised - self.spent


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
    for fund, type_, debit, credit in _fund_sums(codes, at):
        if type_ == AccountType.INCOME:
            raised[fund] += credit - debit
        elif type_ == AccountType.EXPENSE:
            spent[fund] += debit - credit
    return {code: FundFigures(code, quantize(raised[code]), quantize(spent[code])) for code in codes}


def _fund_sums(codes: list[str], at: date | None):
    types = [AccountType.INCOME, AccountType.EXPENSE]
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
