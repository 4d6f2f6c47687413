"""拨付 export (``projects.view_disbursement``): one row per disbursement, whatever its status.

The beneficiary appears masked (张*三, 3701**********123X) unless the export reveals the ID number (a POST with a
reason by a user with ``projects.reveal_beneficiary_id_number``); the full name and internal notes only then.
金额 is the amount drafted and approved; 记账金额 is what the ledger's paying leg recorded (blank until paid), read
in the same query as the row.
"""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery
from import_export.fields import Field

from ledger.models import Leg, Side
from projects.models import Disbursement, DisbursementStatus, Payee, PaymentMethod

from .base import (
    AmountWidget,
    ChoiceLabelWidget,
    DateWidget,
    ExportFilters,
    ExportResource,
    IntegerWidget,
    LocalDateTimeWidget,
    filter_days,
)


class DisbursementExportResource(ExportResource):
    title = "拨付"
    reveal_only = frozenset({"notes"})
    sensitive_columns = {"beneficiary_id_number": "id_number"}

    number = Field(attribute="pk", column_name="编号", widget=IntegerWidget())
    project_code = Field(attribute="project__code", column_name="项目代码")
    project_name = Field(attribute="project__name", column_name="项目名称")
    beneficiary = Field(column_name="受助人")
    beneficiary_id_number = Field(column_name="受助人身份证号")
    amount = Field(attribute="amount", column_name="金额(元)", widget=AmountWidget())
    ledger_amount = Field(attribute="ledger_amount", column_name="记账金额(元)", widget=AmountWidget())
    currency = Field(attribute="currency", column_name="币种")
    status = Field(attribute="status", column_name="状态", widget=ChoiceLabelWidget(DisbursementStatus.choices))
    purpose = Field(attribute="purpose", column_name="用途")
    method = Field(attribute="method", column_name="支付方式", widget=ChoiceLabelWidget(PaymentMethod.choices))
    payee = Field(attribute="payee", column_name="收款方", widget=ChoiceLabelWidget(Payee.choices))
    payee_name = Field(attribute="payee_name", column_name="收款单位")
    batch = Field(attribute="batch__title", column_name="批次")
    disbursed_on = Field(attribute="disbursed_on", column_name="支付日期", widget=DateWidget())
    created_at = Field(attribute="created_at", column_name="创建时间", widget=LocalDateTimeWidget())
    submitted_at = Field(attribute="submitted_at", column_name="提交时间", widget=LocalDateTimeWidget())
    approved_at = Field(attribute="approved_at", column_name="审批完成时间", widget=LocalDateTimeWidget())
    paid_at = Field(attribute="paid_at", column_name="支付时间", widget=LocalDateTimeWidget())
    transaction = Field(attribute="transaction_id", column_name="账本交易序号", widget=IntegerWidget())
    reversal_reason = Field(attribute="reversal_reason", column_name="冲正原因")
    notes = Field(attribute="notes", column_name="内部备注")

    def get_export_queryset(self, filters: ExportFilters) -> QuerySet:
        """Dated (支付日期) in the range, oldest first, with project, beneficiary and batch joined."""
        paying_leg = Leg.objects.filter(transaction_id=OuterRef("transaction_id"), side=Side.DEBIT).values("amount")
        rows = (
            Disbursement.objects.select_related("project", "beneficiary", "batch")
            .annotate(ledger_amount=Subquery(paying_leg[:1]))
            .order_by("disbursed_on", "pk")
        )
        if filters.project_code:
            rows = rows.filter(project__code=filters.project_code)
        return filter_days(rows, "disbursed_on", filters)

    def dehydrate_beneficiary(self, disbursement: Disbursement) -> str:
        return self.person_name(disbursement.beneficiary.name)

    def dehydrate_beneficiary_id_number(self, disbursement: Disbursement) -> str:
        person = disbursement.beneficiary
        return self.sensitive_value("id_number", person.id_number_masked, person.id_number_encrypted)
