"""What closing a month posts: restriction releases (限定性净资产解除) and, for December, the year-end closing (结转).

Releases, one posting per restricted fund per month (not one per payment): the month's net debit on the fund's
restricted expense account (5101.<fund>) is what the restricted money paid for, whatever the path (a disbursement,
a voucher, a reversal of either); Dr 3102.<fund> / Cr 3101.<fund>, kind ``release``, dated the month's last second.
A month whose reversals exceed its spending posts the other way. A month reopened and closed again posts only the
difference from what its earlier releases moved (source ``…:r<round>``).

Year-end closing: every income and expense account's balance at the end of December moves to net assets — a fund's
income to 3102.<fund> (限定性) or 3101.<fund> (非限定性) by the account's nature, its expenses to 3101.<fund>;
accounts without a fund to 3102 (restricted income) or 3101 — one ``closing`` transaction per fund and one for the
accounts without a fund (``closing:<year>:<fund>`` / ``closing:<year>:general``), dated 12-31 23:59:59. Afterwards
every income and expense account is zero. The balance is the cumulative one, so a closing after a reopened December
moves only what changed since.

Both move money between a fund's own accounts: the fund's raised, spent and available do not change
(``ledger.selectors.balances.fund_figures_many``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q, Sum

from ledger.chart import (
    RESTRICTED_NET_ASSETS,
    UNRESTRICTED_NET_ASSETS,
    chart_ensure,
    fund_net_assets_ensure,
    restricted_net_assets_code,
    unrestricted_net_assets_code,
)
from ledger.models import Account, AccountDay, AccountType, Leg, Side, TransactionKind
from ledger.money import quantize

from .periods import last_second, month_end, month_start, next_month
from .posting import LegSpec, PostingRequest

ZERO = Decimal("0.00")
RELEASE_SOURCE = "release:"  # release:<fund>:<YYYY-MM>[:r<round>]


@dataclass(frozen=True)
class Release:
    fund_code: str
    amount: Decimal  # > 0: 3102 → 3101; < 0: the other way (reversals exceeded spending)
    spent: Decimal  # the month's net spending on the fund's restricted expense account
    released_before: Decimal  # what earlier closes of the same month released


def _round_suffix(round_: int) -> str:
    return "" if round_ <= 1 else f":r{round_}"


def releases_for(month: date) -> list[Release]:
    """The releases closing ``month`` would post, per restricted fund. A few grouped queries."""
    expense_accounts = {
        a.pk: a.fund_code
        for a in Account.objects.filter(type=AccountType.EXPENSE, is_restricted=True).exclude(fund_code="")
    }
    if not expense_accounts:
        return []
    last_day = next_month(month).replace(day=1)
    spent: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for account_id, debit, credit in (
        AccountDay.objects.filter(account_id__in=expense_accounts, day__gte=month, day__lt=last_day)
        .values_list("account_id")
        .annotate(d=Sum("debit"), c=Sum("credit"))
    ):
        spent[expense_accounts[account_id]] += debit - credit
    in_month = Q(transaction__occurred_at__gte=month_start(month), transaction__occurred_at__lt=month_end(month))
    # a year-end closing credits the expense account in December: it is not spending
    for account_id, side, amount in (
        Leg.objects.filter(in_month, account_id__in=expense_accounts, transaction__kind=TransactionKind.CLOSING)
        .values_list("account_id", "side")
        .annotate(total=Sum("amount"))
    ):
        spent[expense_accounts[account_id]] -= amount if side == Side.DEBIT else -amount
    released: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for fund_code, side, amount in (
        Leg.objects.filter(
            in_month,
            transaction__kind=TransactionKind.RELEASE,
            transaction__source__startswith=RELEASE_SOURCE,  # a fund closure's leftover release is not one of these
            account__code__startswith=f"{RESTRICTED_NET_ASSETS}.",
        )
        .values_list("account__fund_code", "side")
        .annotate(total=Sum("amount"))
    ):
        released[fund_code] += amount if side == Side.DEBIT else -amount
    releases = []
    for fund_code in sorted(set(spent) | set(released)):
        amount = quantize(spent[fund_code] - released[fund_code])
        if amount:
            releases.append(Release(fund_code, amount, quantize(spent[fund_code]), quantize(released[fund_code])))
    return releases


def release_requests(month: date, *, round_: int = 1) -> list[PostingRequest]:
    requests = []
    for release in releases_for(month):
        _ensure_net_assets(release.fund_code)
        restricted = restricted_net_assets_code(release.fund_code)
        unrestricted = unrestricted_net_assets_code(release.fund_code)
        debit, credit = (restricted, unrestricted) if release.amount > 0 else (unrestricted, restricted)
        amount = abs(release.amount)
        requests.append(
            PostingRequest(
                kind=TransactionKind.RELEASE,
                occurred_at=last_second(month),
                legs=[LegSpec(debit, Side.DEBIT, amount), LegSpec(credit, Side.CREDIT, amount)],
                source=f"{RELEASE_SOURCE}{release.fund_code}:{month:%Y-%m}{_round_suffix(round_)}",
                memo=f"{month:%Y-%m} 限定性净资产解除 {release.fund_code}",
                public_record={
                    "fund": release.fund_code,
                    "period": f"{month:%Y-%m}",
                    "basis": "本月限定性资金用于项目支出(业务活动成本)的净额,解除限定"
                    if release.amount > 0
                    else "本月项目支出冲正多于支出,恢复限定",
                },
            )
        )
    return requests


@dataclass(frozen=True)
class Closing:
    fund_code: str  # "" for the accounts without a fund
    legs: list[LegSpec]

    @property
    def label(self) -> str:
        return self.fund_code or "general"


def closings_for(year: int) -> list[Closing]:
    """The year-end closing of ``year``: per fund (and one for the accounts without a fund) the legs that bring
    every income and expense account to zero at 12-31, against net assets. One grouped query."""
    accounts = {a.pk: a for a in Account.objects.filter(type__in=[AccountType.INCOME, AccountType.EXPENSE])}
    if not accounts:
        return []
    net: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))  # fund → code → debit−credit
    for account_id, debit, credit in (
        AccountDay.objects.filter(account_id__in=accounts, day__lte=date(year, 12, 31))
        .values_list("account_id")
        .annotate(d=Sum("debit"), c=Sum("credit"))
    ):
        balance = debit - credit  # debit − credit; the closing posts its opposite
        if not balance:
            continue
        account = accounts[account_id]
        fund = account.fund_code
        if account.type == AccountType.INCOME:
            restricted = account.is_restricted
        else:
            restricted = False
        target = (
            (restricted_net_assets_code(fund) if restricted else unrestricted_net_assets_code(fund))
            if fund
            else (RESTRICTED_NET_ASSETS if restricted else UNRESTRICTED_NET_ASSETS)
        )
        net[fund][account.code] -= balance
        net[fund][target] += balance
    closings = []
    for fund in sorted(net):
        legs = []
        for code, amount in sorted(net[fund].items()):
            amount = quantize(amount)
            if amount > 0:
                legs.append(LegSpec(code, Side.DEBIT, amount))
            elif amount < 0:
                legs.append(LegSpec(code, Side.CREDIT, -amount))
        if legs:
            closings.append(Closing(fund, legs))
    return closings


def closing_requests(year: int, *, round_: int = 1) -> list[PostingRequest]:
    chart_ensure()
    requests = []
    for closing in closings_for(year):
        if closing.fund_code:
            _ensure_net_assets(closing.fund_code)
        requests.append(
            PostingRequest(
                kind=TransactionKind.CLOSING,
                occurred_at=last_second(date(year, 12, 1)),
                legs=closing.legs,
                source=f"closing:{year}:{closing.label}{_round_suffix(round_)}",
                memo=f"{year} 年终结转 {closing.label}",
                public_record={
                    "fund": closing.label,
                    "period": str(year),
                    "basis": "年终结转:收入、费用科目余额转入净资产",
                },
            )
        )
    return requests


def _ensure_net_assets(fund_code: str) -> None:
    """A fund's 3101.<fund> / 3102.<fund>, named after its expense or income account (``…·<fund name>``)."""
    codes = [restricted_net_assets_code(fund_code), unrestricted_net_assets_code(fund_code)]
    if Account.objects.filter(code__in=codes).count() == 2:
        return
    account = Account.objects.filter(fund_code=fund_code).order_by("code").first()
    name = account.name.rpartition("·")[2] if account is not None else fund_code
    fund_net_assets_ensure(fund_code=fund_code, fund_name=name)
