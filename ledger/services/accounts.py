"""Sub-accounts (明细科目) staff add under an account of the chart, e.g. 5201.01 工资福利 under 5201 管理费用.

Rules:
- the code is ``<parent code>.<suffix>``, the suffix 1–12 letters or digits; codes are unique and, like the type,
  nature, fund, parent and statement line, fixed for ever (``Account`` refuses changes to them);
- a sub-account inherits its parent's type, nature (限定性 / 非限定性), statement line and currency, so it can
  never feed a different line of the statements than its parent;
- 4101 捐赠收入 and 5101 业务活动成本 get one sub-account per fund, made with the project, never by hand (the
  fund's code is in the account's code, which ``verify_ledger`` checks);
- the name may be corrected only while nothing is posted to the account: once it has legs, what it means is what
  the posted records meant, and a new meaning needs a new account.
"""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction

from ledger.chart import FUND_PARENTS
from ledger.models import Account

SUFFIX = re.compile(r"[0-9A-Za-z]{1,12}")


class AccountError(Exception):
    """A sub-account that cannot be added or renamed; the message is for staff, in Chinese."""


def subaccount_check(*, parent: Account, suffix: str, name: str) -> str:
    """The new sub-account's code, or ``AccountError`` saying why it cannot be added."""
    if not SUFFIX.fullmatch(suffix or ""):
        raise AccountError("明细科目代码只能是 1–12 位字母或数字,例如 01。")
    if parent.fund_code or parent.code.partition(".")[0] in FUND_PARENTS:
        raise AccountError(f"{parent.code} {parent.name} 的明细科目按项目自动建立,不能手工添加。")
    if not name.strip():
        raise AccountError("请填写科目名称。")
    code = f"{parent.code}.{suffix}"
    if Account.objects.filter(code=code).exists():
        raise AccountError(f"科目代码 {code} 已存在。")
    return code


def subaccount_create(*, parent: Account, suffix: str, name: str) -> Account:
    code = subaccount_check(parent=parent, suffix=suffix, name=name)
    try:
        with transaction.atomic():
            return Account.objects.create(
                code=code,
                name=name.strip(),
                type=parent.type,
                is_restricted=parent.is_restricted,
                statement_line=parent.statement_line,
                currency=parent.currency,
                parent=parent,
            )
    except IntegrityError as error:  # another person added the same code a moment ago
        raise AccountError(f"科目代码 {code} 已存在。") from error


def account_rename_check(*, account: Account, name: str) -> None:
    if account.is_used:
        raise AccountError(f"科目 {account.code} 已有记账,名称不能再改;含义不同请新增明细科目。")
    if not name.strip():
        raise AccountError("请填写科目名称。")


def account_rename(*, account: Account, name: str) -> Account:
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account.pk)
        account_rename_check(account=account, name=name)
        account.name = name.strip()
        account.save(update_fields=["name"])
        return account
