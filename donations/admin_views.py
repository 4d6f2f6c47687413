"""Admin views for gifts (捐赠) and donors (捐赠人). They stay thin: parse a form, call a service, write the
audit log, render. What may change is decided by the services; what a user may do, by the permission policies:

- ``add_donation``: 登记线下捐赠 (``donation_record_offline``).
- ``confirm_offline_gift``: 复核 — confirm or reject a large offline gift recorded 待复核 by someone else
  (``admin_review``).
- ``change_donation``: 登记公益事业捐赠票据 (``donation_record_official_receipt``) and 冲正 (``donation_reverse``).
- ``view_donation``: list and inspect.
- ``moderate_donor_name`` / ``erase_donor_name``: 署名审核 — approve, hide or erase a public name (``admin_names``).
- Nobody, not even a superuser, deletes a gift: a mistake is undone by a reversal with a reason.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.views.generic import CreateView, EditView, IndexView
from wagtail.admin.views.generic.base import BaseObjectMixin, WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import Button
from wagtail.log_actions import log

from donations.admin_forms import ReversalForm
from donations.admin_names import name_action_buttons
from donations.admin_review import review_buttons
from donations.models import Donation, DonationStatus
from donations.models.donations import OFFLINE_CHANNELS
from donations.selectors import gift_figures, gift_figures_many
from donations.services import (
    DonationError,
    donation_record_official_receipt,
    donation_record_offline,
    donation_reverse,
)
from ledger.privacy import PersonalDataError
from projects.admin.common import ReadableInspectView, ServiceCreateMixin, add_service_errors
from projects.sensitive import keyed_hash

REVERSE_ACTION = "donations.reverse"
OFFICIAL_RECEIPT_ACTION = "donations.official_receipt"
CONTACT_VIEWED_ACTION = "donations.donor_contact_viewed"


def is_reversible(donation: Donation) -> bool:
    """Whether to offer 冲正; only for showing the button, ``donation_reverse`` decides."""
    return donation.channel in OFFLINE_CHANNELS and donation.status == DonationStatus.SUCCEEDED


class DonationIndexView(IndexView):
    """The list: the title opens the gift's record; money columns are read from the ledger for the page."""

    reverse_url_name = None
    name_url_name = None
    review_url_name = None
    add_item_label = "登记线下捐赠"

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("project", "donor")

    def paginate_queryset(self, queryset, page_size):
        paginator, page, object_list, is_paginated = super().paginate_queryset(queryset, page_size)
        page.object_list = object_list = list(object_list)
        figures = gift_figures_many(object_list)  # three queries for the whole page
        for donation in object_list:
            donation.ledger_figures = figures.get(donation.pk)
        return paginator, page, object_list, is_paginated

    def get_edit_url(self, instance):
        # The title links to the record; the only edit (票据号码) is offered in the row's menu.
        return self.get_inspect_url(instance)

    def get_list_more_buttons(self, instance):
        buttons = []
        if inspect_url := self.get_inspect_url(instance):
            buttons.append(Button("查看", url=inspect_url, icon_name="info-circle", priority=10))
        if self.user_has_permission("change"):
            receipt_url = reverse(self.edit_url_name, args=(quote(instance.pk),))
            buttons.append(Button("登记捐赠票据", url=receipt_url, icon_name="edit", priority=20))
            if is_reversible(instance):
                reverse_url = reverse(self.reverse_url_name, args=(quote(instance.pk),))
                buttons.append(Button("冲正", url=reverse_url, icon_name="rotate", priority=30))
        return [
            *review_buttons(instance, self.request.user, self.review_url_name),
            *buttons,
            *name_action_buttons(instance, self.request.user, self.name_url_name),
        ]


class OfflineGiftCreateView(ServiceCreateMixin, CreateView):
    """登记线下捐赠 through ``donation_record_offline``: it posts to the ledger exactly once, or saves nothing."""

    page_title = "捐赠"
    page_subtitle = "登记线下捐赠"
    submit_button_label = "登记并入账"
    submit_button_active_label = "正在入账…"
    success_message = "已登记捐赠 %(object)s,并已记入账本。"
    error_message = "未能登记:请按提示修改后重新提交。"
    service_errors = (ValidationError, DonationError, PersonalDataError)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("instance", None)  # a plain form: the service creates the gift
        return kwargs

    def save_instance(self):
        donation = donation_record_offline(gift=self.form.to_gift(), recorded_by=self.request.user)
        log(donation, "wagtail.create", user=self.request.user, data={"status": donation.status})
        return donation

    def get_success_message(self, instance=None):
        if instance is not None and instance.status == DonationStatus.AWAITING_CONFIRMATION:
            return (f"已登记捐赠 {instance}:金额达到复核标准 ¥{settings.OFFLINE_GIFT_CONFIRMATION_AMOUNT:,.2f},"
                    "状态为「待复核」,尚未记入账本;须由另一位有复核权限的人员确认后入账。")
        return super().get_success_message(instance)


class OfficialReceiptEditView(EditView):
    """登记公益事业捐赠票据 (票据代码、票据号码、校验码); no other field of a gift can be changed here."""

    page_title = "登记捐赠票据"
    submit_button_label = "保存票据号码"
    success_message = "已登记捐赠 %(object)s 的公益事业捐赠票据。"
    error_message = "票据号码有误,请按提示修改。"

    def save_instance(self):
        data = self.form.cleaned_data
        donation = donation_record_official_receipt(
            donation=self.object,
            code=data["official_receipt_code"],
            number=data["official_receipt_number"],
            check=data["official_receipt_check"],
        )
        numbers = {"code": donation.official_receipt_code, "number": donation.official_receipt_number,
                   "check": donation.official_receipt_check}
        log(donation, OFFICIAL_RECEIPT_ACTION, user=self.request.user, data=numbers)
        return donation

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as error:
            add_service_errors(form, error)
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)

    @cached_property
    def figures(self):
        return gift_figures(self.object)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "donation": self.object, "figures": self.figures}

    def get_success_url(self):
        return self.get_inspect_url() or super().get_success_url()

    def get_success_buttons(self):
        return []


class WebhookEventInspectView(ReadableInspectView):
    def get_payload_display_value(self):
        # Stripe's event exactly as received: machine data in Stripe's English keys, marked so (translate="no").
        payload = json.dumps(self.object.payload, ensure_ascii=False, indent=2)
        return format_html('<pre lang="en" translate="no">{}</pre>', payload)


class DonationInspectView(ReadableInspectView):
    """A gift's record. Money figures come from the ledger (入账、退款、净额), not from the gift row."""

    reverse_url_name = None
    name_url_name = None
    review_url_name = None
    labels = {
        "fund_name": "捐赠项目",
        "public_name": "公开署名(捐赠人所选)",
        "wall_name": "捐赠墙显示",
        "ledger_received": "账本入账金额(元)",
        "ledger_refunded": "账本退款金额(元)",
        "ledger_kept": "账本净额(元)",
    }

    def get_object(self, queryset=None):
        related = Donation.objects.select_related("project", "donor", "plan", "transaction", "recorded_by")
        return get_object_or_404(related, pk=unquote(str(self.pk)))

    @cached_property
    def figures(self):
        return gift_figures(self.object)

    def get_field_label(self, field_name, field):
        return self.labels.get(field_name) or super().get_field_label(field_name, field)

    def get_ledger_received_display_value(self):
        return self.figures.received if self.figures else "—"

    def get_ledger_refunded_display_value(self):
        return self.figures.refunded if self.figures else "—"

    def get_ledger_kept_display_value(self):
        return self.figures.kept if self.figures else "—"

    @cached_property
    def header_more_buttons(self):
        buttons = []
        if self.user_has_permission("change"):
            pk = quote(self.object.pk)
            buttons.append(Button("登记捐赠票据", url=reverse(self.edit_url_name, args=(pk,)), icon_name="edit",
                                  priority=10))
            if is_reversible(self.object):
                buttons.append(Button("冲正", url=reverse(self.reverse_url_name, args=(pk,)), icon_name="rotate",
                                      priority=20))
        return [
            *review_buttons(self.object, self.request.user, self.review_url_name),
            *buttons,
            *name_action_buttons(self.object, self.request.user, self.name_url_name),
        ]


class DonationReverseView(PermissionCheckedMixin, WagtailAdminTemplateMixin, BaseObjectMixin, FormView):
    """冲正: confirm with a reason; ``donation_reverse`` posts the reversing ledger transaction."""

    model = Donation
    permission_required = "change"
    form_class = ReversalForm
    template_name = "donations/admin/reverse.html"
    page_title = "冲正"
    header_icon = "rotate"
    index_url_name = None
    inspect_url_name = None

    def get_page_subtitle(self):
        return str(self.object)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": Donation._meta.verbose_name_plural},
            {"url": self.inspect_url, "label": str(self.object)},
            {"url": "", "label": self.page_title},
        ]

    @cached_property
    def inspect_url(self):
        return reverse(self.inspect_url_name, args=(quote(self.object.pk),))

    def form_valid(self, form):
        reason = form.cleaned_data["reason"]
        try:
            donation = donation_reverse(donation=self.object, reason=reason, user=self.request.user)
        except DonationError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        log(donation, REVERSE_ACTION, user=self.request.user, data={"reason": donation.reversal_reason})
        messages.success(self.request, f"捐赠 {donation} 已冲正,账本已记入冲正交易。")
        return redirect(self.inspect_url)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            donation=self.object,
            figures=gift_figures(self.object),
            reversible=is_reversible(self.object),
            action_url=self.request.path,
            media=context["form"].media,
            submit_button_label="确认冲正",
            submit_button_active_label="正在冲正…",
        )
        return context


class DonorIndexView(IndexView):
    """Search by name or credit code, or by a full phone number or e-mail through their keyed hashes (the contact
    columns are encrypted: they cannot be searched in SQL)."""

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        term = self.search_query.strip()
        by_contact = Q(phone_hash=keyed_hash("phone", term)) | Q(email_hash=keyed_hash("email", term.lower()))
        return super().search_queryset(queryset) | queryset.filter(by_contact)


class DonorEditView(EditView):
    """The donor form shows full contact details, so opening it leaves an audit-log entry (个人信息保护法)."""

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        log(self.object, CONTACT_VIEWED_ACTION, user=request.user)
        return response

