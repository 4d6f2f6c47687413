"""捐赠 export: one row per gift, for finance staff (``donations.view_donation``).

Amounts are the ledger's: what the gift's posted transaction credited, what its refunds debited, and what the gift
still counts for (nothing once reversed), read through ``donations.selectors.gift_figures_many`` once per chunk.
The donor's own name is included (a staff-only file); phone and e-mail never are.
"""

from __future__ import annotations

from django.db.models import F, QuerySet
from import_export.fields import Field

from donations.models import Channel, Donation, DonationStatus, ValuationBasis
from donations.selectors import gift_figures_many

from .base import (
    AmountWidget,
    ChoiceLabelWidget,
    ExportFilters,
    ExportResource,
    IntegerWidget,
    LocalDateTimeWidget,
    YesNoWidget,
    filter_instants,
)


class DonationExportResource(ExportResource):
    title = "捐赠"

    receipt_serial = Field(attribute="receipt_serial", column_name="回执编号")
    project_code = Field(column_name="项目代码")
    project_name = Field(column_name="项目名称")
    channel = Field(attribute="channel", column_name="捐赠方式", widget=ChoiceLabelWidget(Channel.choices))
    status = Field(attribute="status", column_name="状态", widget=ChoiceLabelWidget(DonationStatus.choices))
    received = Field(column_name="到账金额(元)")
    refunded = Field(column_name="已退款(元)")
    kept = Field(column_name="净额(元)")
    currency = Field(attribute="currency", column_name="币种")
    received_at = Field(attribute="received_at", column_name="到账时间", widget=LocalDateTimeWidget())
    public_name = Field(column_name="公开署名")
    donor_name = Field(attribute="donor__name", column_name="捐赠人")
    is_anonymous = Field(attribute="is_anonymous", column_name="匿名", widget=YesNoWidget())
    bank_reference = Field(attribute="bank_reference", column_name="银行流水号")
    in_kind_description = Field(attribute="in_kind_description", column_name="物资名称")
    in_kind_quantity = Field(column_name="物资数量")
    in_kind_unit = Field(attribute="in_kind_unit", column_name="物资单位")
    valuation_basis = Field(
        attribute="valuation_basis", column_name="估值依据", widget=ChoiceLabelWidget(ValuationBasis.choices)
    )
    official_receipt_code = Field(attribute="official_receipt_code", column_name="票据代码")
    official_receipt_number = Field(attribute="official_receipt_number", column_name="票据号码")
    official_receipt_check = Field(attribute="official_receipt_check", column_name="校验码")
    message = Field(attribute="message", column_name="留言")
    is_sandbox = Field(attribute="is_sandbox", column_name="测试支付", widget=YesNoWidget())
    transaction = Field(attribute="transaction_id", column_name="账本交易序号", widget=IntegerWidget())
    public_id = Field(attribute="public_id", column_name="公开编号")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.figures = {}
        self.amount = AmountWidget()

    def get_export_queryset(self, filters: ExportFilters) -> QuerySet:
        """Gifts received in the date range (a gift never received has no date and is left out of a dated
        export), oldest first; ``select_related`` so a row costs no query of its own."""
        gifts = Donation.objects.select_related("project", "donor").order_by(
            F("received_at").asc(nulls_last=True), "pk"
        )
        if filters.project_code:
            gifts = gifts.filter(project__code=filters.project_code)
        return filter_instants(gifts, "received_at", filters)

    def prepare_chunk(self, objects: list) -> None:
        self.figures = gift_figures_many(objects)

    def dehydrate_project_code(self, donation: Donation) -> str:
        return donation.fund_code

    def dehydrate_project_name(self, donation: Donation) -> str:
        return donation.fund_name

    def dehydrate_public_name(self, donation: Donation) -> str:
        return donation.public_name

    def dehydrate_received(self, donation: Donation):
        figures = self.figures.get(donation.pk)
        return self.amount.render(figures.received) if figures else None

    def dehydrate_refunded(self, donation: Donation):
        figures = self.figures.get(donation.pk)
        return self.amount.render(figures.refunded) if figures else None

    def dehydrate_kept(self, donation: Donation):
        figures = self.figures.get(donation.pk)
        return self.amount.render(figures.kept) if figures else None

    def dehydrate_in_kind_quantity(self, donation: Donation):
        quantity = donation.in_kind_quantity  # 3.00 袋 reads as 3; the writers keep it a number
        return quantity.normalize() if quantity is not None else None
