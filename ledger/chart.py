"""The chart of accounts (会计科目表) of 《民间非营利组织会计制度》: the first-level accounts (一级科目) a 民非 uses,
each with the line of 资产负债表 or 业务活动表 it feeds and its nature (限定性 / 非限定性), so the statements can
be read straight from the ledger.

Sub-accounts (明细科目) hang under a first-level account: each fund (a project's code, e.g. XT100) gets its own
income and expense accounts 4101.<fund> / 5101.<fund> (restricted funds' income is 限定性, so the restricted and
unrestricted columns fall out of the books), and, once a release, a year-end closing or a leftover transfer
touches it, its net assets 3102.<fund> (限定性) and 3101.<fund> (非限定性). Everything tagged with a fund sums to
what the fund still holds: a release (3102.F → 3101.F) and a closing (4101.F → 3102.F, 5101.F → 3101.F) move money
between the fund's own accounts, only a transfer to another fund or to 3101 changes it. Staff add other
sub-accounts in the admin (5201.01 工资福利, …, ``ledger.services.accounts.subaccount_create``). The older codes
keep their meaning: 1012.STRIPE sits under 1009 其他货币资金, and 5301 itself is the processor-fee account
(``FUNDRAISING_COST``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from .models import Account, AccountType, StatementLine

ASSET, LIAB, NET, INC, EXP = (AccountType.ASSET, AccountType.LIABILITY, AccountType.NET_ASSETS,
                              AccountType.INCOME, AccountType.EXPENSE)  # fmt: skip
S = StatementLine

CASH = "1001"
BANK = "1002"
OTHER_MONETARY_FUNDS = "1009"
STRIPE_CLEARING = "1012.STRIPE"
INVENTORY = "1201"
PAYABLE = "2209"
UNRESTRICTED_NET_ASSETS = "3101"
RESTRICTED_NET_ASSETS = "3102"
DONATION_INCOME = "4101"
GENERAL_INCOME = "4101.U"
PROGRAMME_COST = "5101"
GENERAL_PROGRAMME_COST = "5101.U"
MANAGEMENT_COST = "5201"
FUNDRAISING_COST = "5301"  # 筹资费用; processor fees post here


class ChartAccount(NamedTuple):
    code: str
    name: str
    type: str
    restricted: bool
    line: str
    parent: str = ""  # the first-level account's code, for the sub-accounts of the standard chart


STANDARD_ACCOUNTS: list[ChartAccount] = [
    ChartAccount(CASH, "库存现金", ASSET, False, S.CASH),
    ChartAccount(BANK, "银行存款", ASSET, False, S.CASH),
    ChartAccount(OTHER_MONETARY_FUNDS, "其他货币资金", ASSET, False, S.CASH),
    ChartAccount(STRIPE_CLEARING, "其他货币资金·Stripe 待结算", ASSET, False, S.CASH, OTHER_MONETARY_FUNDS),
    ChartAccount("1101", "短期投资", ASSET, False, S.SHORT_TERM_INVESTMENTS),
    ChartAccount("1111", "应收票据", ASSET, False, S.RECEIVABLES),
    ChartAccount("1121", "应收账款", ASSET, False, S.RECEIVABLES),
    ChartAccount(INVENTORY, "存货·库存物资", ASSET, False, S.INVENTORY),
    ChartAccount("1501", "固定资产", ASSET, False, S.FIXED_ASSETS_COST),
    ChartAccount("1502", "累计折旧", ASSET, False, S.ACCUMULATED_DEPRECIATION),
    ChartAccount("1601", "无形资产", ASSET, False, S.INTANGIBLE_ASSETS),
    ChartAccount("2101", "短期借款", LIAB, False, S.SHORT_TERM_BORROWINGS),
    ChartAccount("2201", "应付票据", LIAB, False, S.PAYABLES),
    ChartAccount("2202", "应付账款", LIAB, False, S.PAYABLES),
    ChartAccount("2204", "应付工资", LIAB, False, S.PAYROLL_PAYABLE),
    ChartAccount("2206", "应交税金", LIAB, False, S.TAXES_PAYABLE),
    ChartAccount("2209", "其他应付款", LIAB, False, S.PAYABLES),
    ChartAccount(UNRESTRICTED_NET_ASSETS, "非限定性净资产", NET, False, S.UNRESTRICTED_NET_ASSETS),
    ChartAccount(RESTRICTED_NET_ASSETS, "限定性净资产", NET, True, S.RESTRICTED_NET_ASSETS),
    ChartAccount(DONATION_INCOME, "捐赠收入", INC, False, S.DONATION_INCOME),
    ChartAccount(GENERAL_INCOME, "捐赠收入·非限定性", INC, False, S.DONATION_INCOME, DONATION_INCOME),
    ChartAccount("4201", "会费收入", INC, False, S.MEMBERSHIP_INCOME),
    ChartAccount("4301", "提供服务收入", INC, False, S.SERVICE_INCOME),
    ChartAccount("4401", "政府补助收入", INC, False, S.GOVERNMENT_GRANTS),
    ChartAccount("4501", "商品销售收入", INC, False, S.SALES_INCOME),
    ChartAccount("4601", "投资收益", INC, False, S.INVESTMENT_INCOME),
    ChartAccount("4901", "其他收入", INC, False, S.OTHER_INCOME),
    ChartAccount(PROGRAMME_COST, "业务活动成本", EXP, False, S.PROGRAMME_COST),
    ChartAccount(GENERAL_PROGRAMME_COST, "业务活动成本·非限定性", EXP, False, S.PROGRAMME_COST, PROGRAMME_COST),
    ChartAccount(MANAGEMENT_COST, "管理费用", EXP, False, S.MANAGEMENT_COST),
    ChartAccount(FUNDRAISING_COST, "筹资费用·支付手续费", EXP, False, S.FUNDRAISING_COST),
    ChartAccount("5401", "其他费用", EXP, False, S.OTHER_EXPENSES),
]
FIRST_LEVEL = {a.code: a for a in STANDARD_ACCOUNTS if not a.parent}
# Their sub-accounts are one per fund, made with the project (fund_accounts_ensure, fund_net_assets_ensure),
# never by hand.
FUND_PARENTS = frozenset({DONATION_INCOME, PROGRAMME_COST, UNRESTRICTED_NET_ASSETS, RESTRICTED_NET_ASSETS})


@dataclass(frozen=True)
class FundAccounts:
    income: Account
    expense: Account


def income_code(fund_code: str) -> str:
    return f"4101.{fund_code}"


def expense_code(fund_code: str) -> str:
    return f"5101.{fund_code}"


def restricted_net_assets_code(fund_code: str) -> str:
    return f"3102.{fund_code}"


def unrestricted_net_assets_code(fund_code: str) -> str:
    return f"3101.{fund_code}"


def expected_fund_code(account_code: str) -> str:
    """The fund an account belongs to, read from its code: 4101.XT100, 5101.XT100, 3101.XT100 and 3102.XT100
    belong to XT100."""
    prefix, _, fund = account_code.partition(".")
    if prefix in FUND_PARENTS and fund and fund != "U":
        return fund
    return ""


def chart_ensure() -> dict[str, Account]:
    """Create the standard accounts that are missing (first-level accounts before their sub-accounts); never
    changes an existing one. One query when the chart is complete."""
    accounts = {a.code: a for a in Account.objects.filter(code__in=[c.code for c in STANDARD_ACCOUNTS])}
    for spec in STANDARD_ACCOUNTS:
        if spec.code not in accounts:
            accounts[spec.code], _ = Account.objects.get_or_create(
                code=spec.code,
                defaults={
                    "name": spec.name,
                    "type": spec.type,
                    "is_restricted": spec.restricted,
                    "statement_line": spec.line,
                    "parent": accounts[spec.parent] if spec.parent else None,
                },
            )
    return accounts


def fund_accounts_ensure(*, fund_code: str, fund_name: str, restricted: bool) -> FundAccounts:
    """A fund's income (捐赠收入) and expense (业务活动成本) accounts, created on first use."""
    label = "限定性" if restricted else "非限定性"
    return FundAccounts(
        income=_fund_account(income_code(fund_code), f"捐赠收入·{label}·{fund_name}", fund_code, restricted),
        expense=_fund_account(expense_code(fund_code), f"业务活动成本·{fund_name}", fund_code, restricted),
    )


def fund_net_assets_ensure(*, fund_code: str, fund_name: str) -> tuple[Account, Account]:
    """A fund's net assets, (限定性 3102.<fund>, 非限定性 3101.<fund>), created on first use: restriction releases,
    the year-end closing and leftover transfers post to them."""
    return (
        _fund_account(restricted_net_assets_code(fund_code), f"限定性净资产·{fund_name}", fund_code, True),
        _fund_account(unrestricted_net_assets_code(fund_code), f"非限定性净资产·{fund_name}", fund_code, False),
    )


def _fund_account(code: str, name: str, fund_code: str, restricted: bool) -> Account:
    parent = FIRST_LEVEL[code.partition(".")[0]]
    account, _ = Account.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "type": parent.type,
            "is_restricted": restricted,
            "fund_code": fund_code,
            "statement_line": parent.line,
            "parent": Account.objects.filter(code=parent.code).first() or chart_ensure()[parent.code],
        },
    )
    return account
