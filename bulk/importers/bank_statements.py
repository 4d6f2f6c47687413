"""银行对账单导入: one bank account's statement as Chinese banks export it, one line per row, in date order.

- Columns: 交易日期, 摘要, 收入金额, 支出金额, 余额, 对方户名, 对方账号, 流水号 (and 银行科目 when the statement is not
  1002 银行存款 itself but one of its sub-accounts; one account per file).
- A row has exactly one of 收入金额 and 支出金额; its 余额 must be the row above's 余额 + 收入 − 支出 (the row is named
  when it is not); a 流水号 already imported is refused (the same bank line twice); the file must not overlap a
  statement already imported for the account and must continue its balance. Any error: nothing is imported.
- The whole file becomes one statement; its lines are matched to the books on import (``finance.services.bank``).
- 对方户名 and 对方账号 are stored encrypted, never published.
"""

from __future__ import annotations

from finance.services.bank import LineDraft, bank_account_for, statement_import, statement_problems
from ledger.chart import BANK

from ..engine import Action, Importer, RowPlan
from ..widgets import AmountWidget, CodeWidget, Column, DateWidget, TextWidget


class BankStatementImporter(Importer):
    kind = "bank-statements"
    title = "银行对账单"
    permission = "finance.import_bankstatement"
    description = (
        "一个文件是一个银行账户的一份对账单,每行一笔银行流水,按交易先后排列。每行的余额必须等于上一行余额加收入减支出;"
        "已导入过的流水号、与已导入对账单重叠的日期都会被拒绝,整份文件不会导入。导入后自动与账本匹配。"
        "对方户名和对方账号加密保存,不公开。"
    )

    booked_on = Column(
        "booked_on", "交易日期", DateWidget(), required=True, aliases=("记账日期", "交易时间", "日期"),
        example="2026-11-03",
    )  # fmt: skip
    summary = Column("summary", "摘要", TextWidget(200), aliases=("用途", "附言", "交易摘要"), example="捐款 张三")
    income = Column(
        "income", "收入金额", AmountWidget(positive=False), aliases=("贷方发生额", "收入", "贷方金额"),
        hint="收入和支出只填一个", example="1000.00",
    )  # fmt: skip
    expense = Column(
        "expense", "支出金额", AmountWidget(positive=False), aliases=("借方发生额", "支出", "借方金额"),
        hint="收入和支出只填一个",
    )  # fmt: skip
    balance = Column(
        "balance", "余额", AmountWidget(positive=False), required=True, aliases=("账户余额", "当前余额"),
        example="51000.00",
    )  # fmt: skip
    counterparty_name = Column(
        "counterparty_name", "对方户名", TextWidget(100), aliases=("对方名称", "对方单位"), hint="加密保存,不公开",
        example="张三",
    )  # fmt: skip
    counterparty_account = Column(
        "counterparty_account", "对方账号", TextWidget(40), aliases=("对方卡号",), hint="加密保存,不公开",
        example="6222020200112233445",
    )  # fmt: skip
    reference = Column(
        "reference", "流水号", CodeWidget(64), required=True, aliases=("交易流水号", "银行流水号", "凭证号"),
        example="BK20261103000123",
    )  # fmt: skip
    account_code = Column(
        "account_code", "银行科目", CodeWidget(64), aliases=("科目代码",),
        hint=f"留空为 {BANK} 银行存款;或其明细科目代码",
    )  # fmt: skip

    def row_key(self, plan: RowPlan):
        reference = plan.values["reference"]
        return ("reference", reference), f"流水号 {reference} 相同"

    def plan_rows(self, plans: list[RowPlan]) -> None:
        if not plans:
            return
        codes = {p.values["account_code"] or BANK for p in plans}
        if len(codes) > 1:
            first = plans[0].values["account_code"] or BANK
            for plan in plans:
                if (plan.values["account_code"] or BANK) != first:
                    plan.fail("银行科目", f"一个文件只能是一个银行账户的对账单(第一行是 {first})。")
            return
        code = codes.pop()
        account = bank_account_for(code)
        if account is None:
            for plan in plans:
                plan.fail("银行科目", f"科目 {code} 不存在或不是银行存款科目(1002 或其明细科目)。")
            return
        drafts = [_draft(p) for p in plans]
        by_line = {p.line: p for p in plans}
        for line, column, message in statement_problems(account, drafts):
            by_line[line].fail(column, message)
        for plan, draft in zip(plans, drafts, strict=True):
            plan.extra["account"], plan.extra["draft"] = account, draft
            if plan.action != Action.ERROR:
                direction = f"收入 {draft.income}" if draft.amount > 0 else f"支出 {draft.expense}"
                plan.note = f"{account.code} {draft.booked_on:%Y-%m-%d} {direction} 元"

    def apply(self, plans: list[RowPlan]) -> None:
        if not plans:
            return
        plans = sorted(plans, key=lambda p: p.line)
        account = plans[0].extra["account"]
        statement = statement_import(account=account, drafts=[p.extra["draft"] for p in plans], user=self.user)
        matched = dict(statement.lines.filter(transaction__isnull=False).values_list("position", "match_kind"))
        for position, plan in enumerate(plans, start=1):
            plan.note = "已导入,已匹配账本" if position in matched else "已导入,未匹配"


def _draft(plan: RowPlan) -> LineDraft:
    v = plan.values
    return LineDraft(
        line=plan.line,
        booked_on=v["booked_on"],
        income=v["income"],
        expense=v["expense"],
        balance=v["balance"],
        reference=v["reference"],
        summary=v["summary"] or "",
        counterparty_name=v["counterparty_name"] or "",
        counterparty_account=v["counterparty_account"] or "",
    )
