"""The 捐赠管理 menu in the Wagtail admin: 捐赠 (gifts), 捐赠人 (donors), 月捐计划 and 支付事件 (read-only).

Gifts are never edited or deleted as rows: offline gifts are created through ``donation_record_offline``, the only
edit records the official 公益事业捐赠票据 numbers, and a mistake is undone by 冲正 (see ``admin_views``).
"""

from __future__ import annotations

import django_filters
from django.urls import path
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets import BooleanRadioSelect

from donations import admin_names, admin_review, admin_views
from donations.admin_forms import OfficialReceiptForm, OfflineGiftForm
from donations.models import Donation, Donor, HeldWord, MonthlyPlan, WebhookEvent
from projects.admin.common import NoDeleteViewSet, ReadOnlyViewSet
from projects.formatting import yuan


def mask_phone(phone: str) -> str:
    """13812341234 → 138****1234. Short numbers show only their last two characters."""
    phone = phone.strip()
    if len(phone) >= 8:
        return f"{phone[:3]}****{phone[-4:]}"
    return f"****{phone[-2:]}" if phone else ""


def mask_email(email: str) -> str:
    """wang@example.com → w***@example.com."""
    local, at, domain = email.strip().partition("@")
    return f"{local[:1]}***@{domain}" if at else ("***" if email else "")


def _figure(name: str):
    def accessor(donation):
        figures = getattr(donation, "ledger_figures", None)
        return yuan(getattr(figures, name)) if figures else "—"

    return accessor


class DonationFilterSet(WagtailFilterSet):
    disputed = django_filters.BooleanFilter(label="拒付争议", method="filter_disputed", widget=BooleanRadioSelect)
    received_at = django_filters.DateFromToRangeFilter(label="到账日期", widget=DateRangePickerWidget)

    class Meta:
        model = Donation
        fields = ["channel", "status", "name_review", "project", "is_sandbox"]

    def filter_disputed(self, queryset, name, value):
        return queryset.filter(disputed_at__isnull=not value)


class DonationViewSet(NoDeleteViewSet):
    model = Donation
    icon = "doc-full-inverse"
    menu_label = "捐赠"
    index_view_class = admin_views.DonationIndexView
    add_view_class = admin_views.OfflineGiftCreateView
    edit_view_class = admin_views.OfficialReceiptEditView
    inspect_view_class = admin_views.DonationInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = [
        "__str__",
        "channel",
        "status",
        Column("fund_name", label="捐赠项目"),
        Column("public_name", label="公开署名"),
        Column("name_review", label="署名审核", accessor="get_name_review_display"),
        Column("ledger_received", label="账本入账(元)", accessor=_figure("received")),
        Column("ledger_kept", label="账本净额(元)", accessor=_figure("kept")),
        "received_at",
        BooleanColumn("is_sandbox", label="测试支付"),
    ]
    filterset_class = DonationFilterSet
    search_fields = [
        "receipt_serial",
        "bank_reference",
        "display_name",
        "stripe_checkout_session_id",
        "stripe_payment_intent_id",
        "stripe_invoice_id",
        "stripe_charge_id",
    ]
    search_backend_name = None
    inspect_view_fields = [
        "receipt_serial",
        "status",
        "channel",
        "fund_name",
        "donor",
        "display_name",
        "is_anonymous",
        "public_name",
        "name_review",
        "wall_name",
        "name_committed",
        "plan",
        "requested_amount",
        "ledger_received",
        "ledger_refunded",
        "ledger_kept",
        "currency",
        "received_at",
        "bank_reference",
        "in_kind_description",
        "in_kind_quantity",
        "in_kind_unit",
        "valuation_basis",
        "official_receipt_code",
        "official_receipt_number",
        "official_receipt_check",
        "transaction",
        "reversal_reason",
        "reviewed_by",
        "reviewed_at",
        "rejection_reason",
        "rejected_bank_reference",
        "disputed_at",
        "dispute_id",
        "dispute_reason",
        "is_sandbox",
        "stripe_checkout_session_id",
        "stripe_payment_intent_id",
        "stripe_invoice_id",
        "stripe_charge_id",
        "recorded_by",
        "public_id",
        "created_at",
    ]

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(
            reverse_url_name=self.get_url_name("reverse"), name_url_name=self.get_url_name("name"),
            review_url_name=self.get_url_name("review"), **kwargs
        )

    def get_form_class(self, for_update=False):
        return OfficialReceiptForm if for_update else OfflineGiftForm

    def get_edit_view_kwargs(self, **kwargs):
        return super().get_edit_view_kwargs(template_name="donations/admin/official_receipt.html", **kwargs)

    @property
    def reverse_view(self):
        return self.construct_view(admin_views.DonationReverseView)

    @property
    def review_view(self):
        return self.construct_view(admin_review.DonationReviewView, inspect_url_name=self.get_url_name("inspect"))

    @property
    def name_view(self):
        return self.construct_view(admin_names.DonorNameActionView, inspect_url_name=self.get_url_name("inspect"))

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("reverse/<int:pk>/", self.reverse_view, name="reverse"),
            path("name/<int:pk>/<str:action>/", self.name_view, name="name"),
            path("review/<int:pk>/<str:action>/", self.review_view, name="review"),
        ]


class DonorViewSet(NoDeleteViewSet):
    model = Donor
    icon = "user"
    menu_label = "捐赠人"
    edit_view_class = admin_views.DonorEditView
    copy_view_enabled = False
    form_fields = ["kind", "name", "phone", "email", "credit_code", "show_name_publicly"]
    list_display = [
        "__str__",
        "kind",
        Column("masked_phone", label="手机号", accessor=lambda donor: mask_phone(donor.phone)),
        Column("masked_email", label="电子邮箱", accessor=lambda donor: mask_email(donor.email)),
        "credit_code",
        BooleanColumn("show_name_publicly", label="同意公开姓名"),
        "created_at",
    ]
    list_filter = ["kind", "show_name_publicly"]
    index_view_class = admin_views.DonorIndexView
    search_fields = ["name", "credit_code"]  # and a full phone or e-mail, by keyed hash (DonorIndexView)
    search_backend_name = None


class MonthlyPlanViewSet(ReadOnlyViewSet):
    model = MonthlyPlan
    icon = "calendar-alt"
    menu_label = "月捐计划"
    list_display = [
        "__str__",
        "project",
        "donor",
        Column("amount", label="每月金额(元)", accessor=lambda plan: yuan(plan.amount)),
        "status",
        BooleanColumn("is_sandbox", label="测试支付"),
        "created_at",
        "cancelled_at",
    ]
    list_filter = ["status", "project", "is_sandbox"]
    search_fields = ["stripe_subscription_id", "display_name"]
    search_backend_name = None


class WebhookEventViewSet(ReadOnlyViewSet):
    model = WebhookEvent
    icon = "tasks"
    inspect_view_class = admin_views.WebhookEventInspectView
    menu_label = "支付事件"
    list_display = ["event_id", "type", "status", "waits_for", "note", "received_at", "processed_at"]
    list_filter = ["status"]
    search_fields = ["event_id", "type", "waits_for"]
    search_backend_name = None


class HeldWordViewSet(ModelViewSet):
    """署名敏感词: a donor's public name containing one waits for review before it goes on the wall."""

    model = HeldWord
    icon = "warning"
    menu_label = "署名敏感词"
    add_view_class = admin_names.HeldWordCreateView
    edit_view_class = admin_names.HeldWordEditView
    copy_view_enabled = False
    form_fields = ["word"]
    list_display = ["word", "created_at"]
    search_fields = ["word"]
    search_backend_name = None  # a word may be deleted: names it held stay held until staff decide


class DonationAdminGroup(ModelViewSetGroup):
    menu_label = "捐赠管理"
    menu_icon = "clipboard-list"
    menu_order = 210
    items = (
        DonationViewSet("gifts"),
        DonorViewSet("donors"),
        MonthlyPlanViewSet("monthly-plans"),
        WebhookEventViewSet("payment-events"),
        HeldWordViewSet("held-words"),
    )
