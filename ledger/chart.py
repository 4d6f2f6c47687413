"""The chart of accounts (会计科目表), following 《民间非营利组织会计制度》 closely enough that the
statement of activities and the balance sheet can be read straight from the ledger.

Each fund (a project's code, e.g. XT100) gets its own income and expense accounts; restricted
funds' income is 限定性, so the restricted and unrestricted columns fall out of the books.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import Account, AccountType

CASH = "1001"
BANK = "1002"
STRIPE_CLEARING = "1012.STRIPE"
INVENTORY = "1201"
PAYABLE = "2209"
UNRESTRICTED_NET_ASSETS = "3101"
RESTRICTED_NET_ASSETS = "3102"
GENERAL_INCOME = "4101.U"
GENERAL_PROGRAMME_COST = "5101.U"
MANAGEMENT_COST = "5201"
FUNDRAISING_COST = "5301"

STANDARD_ACCOUNTS: list[tuple[str, str, str, bool]] = [
    (CASH, "库存现金", AccountType.ASSET, False),
    (BANK, "银行存款", AccountType.ASSET, False),
    (STRIPE_CLEARING, "其他货币资金·Stripe 待结算", AccountType.ASSET, False),
    (INVENTORY, "存货·库存物资", AccountType.ASSET, False),
    (PAYABLE, "其他应付款", AccountType.LIABILITY, False),
    (UNRESTRICTED_NET_ASSETS, "非限定性净资产", AccountType.NET_ASSETS, False),
    (RESTRICTED_NET_ASSETS, "限定性净资产", AccountType.NET_ASSETS, True),
    (GENERAL_INCOME, "捐赠收入·非限定性", AccountType.INCOME, False),
    (GENERAL_PROGRAMME_COST, "业务活动成本·非限定性", AccountType.EXPENSE, False),
    (MANAGEMENT_COST, "管理费用", AccountType.EXPENSE, False),
    (FUNDRAISING_COST, "筹资费用·支付手续费", AccountType.EXPENSE, False),
]


@dataclass(frozen=True)
class FundAccounts:
    income: Account
    expense: Account


def income_code(fund_code: str) -> str:
    return f"4101.{fund_code}"


def expense_code(fund_code: str) -> str:
    return f"5101.{fund_code}"


def expected_fund_code(account_code: str) -> str:
    """The fund an account belongs to, read from its code: 4101.XT100 and 5101.XT100 belong to XT100."""
    prefix, _, fund = account_code.partition(".")
    if prefix in ("4101", "5101") and fund and fund != "U":
        return fund
    return ""


def chart_ensure() -> dict[str, Account]:
    """Create the standard accounts that are missing; never changes an existing one."""
    accounts = {}
    for code, name, type_, restricted in STANDARD_ACCOUNTS:
        accounts[code], _ = Account.objects.get_or_create(
            code=code, defaults={"name": name, "type": type_, "is_restricted": restricted}
        )
    return accounts


def fund_accounts_ensure(*, fund_code: str, fund_name: str, restricted: bool) -> FundAccounts:
    """A fund's income (捐赠收入) and expense (业务活动成本) accounts, created on first use."""
    label = "限定性" if restricted else "非限定性"
    return FundAccounts(
        income=_fund_account(
            income_code(fund_code), f"捐赠收入·{label}·{fund_name}", AccountType.INCOME, fund_code, restricted
        ),
        expense=_fund_account(
            expense_code(fund_code), f"业务活动成本·{fund_name}", AccountType.EXPENSE, fund_code, restricted
        ),
    )


def _fund_account(code: str, name: str, type_: str, fund_code: str, restricted: bool) -> Account:
    account, _ = Account.objects.get_or_create(
        code=code, defaults={"name": name, "type": type_, "is_restricted": restricted, "fund_code": fund_code}
    )
    return account
