"""账本 export (``ledger.view_transaction``): one row per leg, in the log's order (sequence, then leg).

Transactions are chosen by ``ledger.selectors.transactions_filtered`` (local days; with a project code, every
transaction that touches one of that fund's accounts), so the admin export and the public browser agree on what a
date range or a fund means. Unlike the public open data, the internal memo and the posting source are included.
"""

from __future__ import annotations

from django.db.models import QuerySet
from import_export.fields import Field

from ledger.models import Leg, Side, TransactionKind
from ledger.selectors import transactions_filtered

from .base import AmountWidget, ChoiceLabelWidget, ExportFilters, ExportResource, IntegerWidget, LocalDateTimeWidget


class LedgerExportResource(ExportResource):
    title = "账本"

    sequence = Field(attribute="transaction_id", column_name="序号", widget=IntegerWidget())
    uuid = Field(attribute="transaction__uuid", column_name="交易编号")
    kind = Field(attribute="transaction__kind", column_name="类型", widget=ChoiceLabelWidget(TransactionKind.choices))
    occurred_at = Field(attribute="transaction__occurred_at", column_name="发生时间", widget=LocalDateTimeWidget())
    recorded_at = Field(attribute="transaction__recorded_at", column_name="记账时间", widget=LocalDateTimeWidget())
    account_code = Field(attribute="account__code", column_name="科目代码")
    account_name = Field(attribute="account__name", column_name="科目名称")
    fund_code = Field(attribute="account__fund_code", column_name="基金代码")
    side = Field(attribute="side", column_name="借/贷", widget=ChoiceLabelWidget(Side.choices))
    amount = Field(attribute="amount", column_name="金额(元)", widget=AmountWidget())
    currency = Field(attribute="currency", column_name="币种")
    source = Field(attribute="transaction__source", column_name="来源")
    reverses = Field(attribute="transaction__reverses_id", column_name="冲正对象序号", widget=IntegerWidget())
    memo = Field(attribute="transaction__memo", column_name="备注")

    def get_export_queryset(self, filters: ExportFilters) -> QuerySet:
        transactions = transactions_filtered(
            fund_code=filters.project_code or None, date_from=filters.date_from, date_to=filters.date_to
        )
        return (
            Leg.objects.filter(transaction__in=transactions.order_by().values("sequence"))
            .select_related("transaction", "account")
            .order_by("transaction_id", "pk")
        )
