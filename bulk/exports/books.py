"""科目余额表 and 明细账 as CSV/XLSX (``ledger.view_account``), written by the same formula-safe writers as every
export: the rows come from ``ledger.selectors.books`` (not a queryset), so ``Rows`` hands them to the writers with
the one method they call, ``iterator(chunk_size=…)``. Account names and internal memos are free text staff typed:
a name such as ``=1+1`` leaves as ``'=1+1``."""

from __future__ import annotations

from collections.abc import Iterable
from types import SimpleNamespace

from import_export.fields import Field

from ledger.selectors.books import ZERO, GeneralLedger, TrialBalance, direction

from .base import AmountWidget, ExportResource, IntegerWidget, LocalDateTimeWidget


class Rows:
    """Any iterable of row objects, as the writers read a queryset."""

    def __init__(self, rows: Iterable):
        self.rows = rows

    def iterator(self, chunk_size: int = 0):
        return iter(self.rows)


def _amount(attribute: str, label: str) -> Field:
    return Field(attribute=attribute, column_name=label, widget=AmountWidget())


class TrialBalanceExportResource(ExportResource):
    title = "科目余额表"

    code = Field(attribute="code", column_name="科目代码")
    name = Field(attribute="name", column_name="科目名称")
    level = Field(attribute="level", column_name="级次", widget=IntegerWidget())
    opening_debit = _amount("opening_debit", "期初借方(元)")
    opening_credit = _amount("opening_credit", "期初贷方(元)")
    debit = _amount("debit", "本期借方(元)")
    credit = _amount("credit", "本期贷方(元)")
    closing_debit = _amount("closing_debit", "期末借方(元)")
    closing_credit = _amount("closing_credit", "期末贷方(元)")

    def report_rows(self, report: TrialBalance) -> Rows:
        """Every account row, then 合计 (the sums of the first-level rows)."""
        totals = report.totals
        total_row = SimpleNamespace(code="", name="合计", level=None, **vars(totals))
        return Rows([*report.rows, total_row])


class GeneralLedgerExportResource(ExportResource):
    title = "明细账"

    occurred_at = Field(attribute="occurred_at", column_name="发生时间", widget=LocalDateTimeWidget())
    sequence = Field(attribute="sequence", column_name="交易序号", widget=IntegerWidget())
    kind = Field(attribute="kind_label", column_name="类型")
    account_code = Field(attribute="account_code", column_name="科目代码")
    memo = Field(attribute="memo", column_name="摘要(内部备注)")
    debit = _amount("debit", "借方(元)")
    credit = _amount("credit", "贷方(元)")
    balance_direction = Field(attribute="balance_direction", column_name="余额方向")
    balance_amount = _amount("balance_amount", "余额(元)")

    def book_rows(self, book: GeneralLedger, lines: Iterable) -> Rows:
        """期初余额, every line of the range with its running balance, then 本期合计."""
        opening = self._summary("期初余额", book.opening, ZERO, ZERO)
        closing = self._summary("本期合计", book.closing, book.debit, book.credit)
        return Rows(_chain([opening], lines, [closing]))

    @staticmethod
    def _summary(label: str, balance, debit, credit) -> SimpleNamespace:
        return SimpleNamespace(
            occurred_at=None,
            sequence=None,
            kind_label=label,
            account_code="",
            memo="",
            debit=debit,
            credit=credit,
            balance_direction=direction(balance),
            balance_amount=abs(balance),
        )


def _chain(*parts):
    for part in parts:
        yield from part
