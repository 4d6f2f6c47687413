"""复核 in the admin: a second person confirms (posts) or rejects a large offline gift recorded 待复核.

Thin views over ``donations.services.offline``: ``donation_confirm_offline`` and ``donation_reject_offline`` check
the permission and that the reviewer is not the recorder, change the gift, post it (confirm only) and write the
audit-log entry, in one transaction. Gifts awaiting review are listed under the 状态 filter (待复核).
"""

from __future__ import annotations

from django import forms
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import Button

from donations.admin_forms import RejectionForm
from donations.models import Donation, DonationStatus
from donations.services import DonationError
from donations.services.offline import CONFIRM_PERMISSION, donation_confirm_offline, donation_reject_offline

# action → (button label, form, confirmation text)
REVIEW_ACTIONS = {
    "confirm": (
        "确认入账",
        forms.Form,
        "确认后,这笔捐赠记入公开账本,计入项目可用余额,并生成回执编号。此操作不能撤销(错误须冲正)。",
    ),
    "reject": ("驳回", RejectionForm, "驳回后不记账;银行流水号释放,可按正确信息重新登记。"),
}


def review_buttons(donation: Donation, user, url_name: str) -> list[Button]:
    """确认入账 / 驳回 for a 待复核 gift, to a user who may review it and did not record it."""
    if donation.status != DonationStatus.AWAITING_CONFIRMATION or not user.has_perm(CONFIRM_PERMISSION):
        return []
    if donation.recorded_by_id == user.pk:
        return []
    return [
        Button(label, url=reverse(url_name, args=(quote(donation.pk), action)), icon_name="check", priority=priority)
        for priority, (action, (label, _form, _text)) in enumerate(REVIEW_ACTIONS.items(), 5)
    ]


class DonationReviewView(WagtailAdminTemplateMixin, FormView):
    """A confirmation page; the POST calls the service, which checks the permission and the reviewer again."""

    template_name = "donations/admin/review.html"
    header_icon = "check"
    inspect_url_name = None

    def dispatch(self, request, *args, **kwargs):
        if kwargs["action"] not in REVIEW_ACTIONS or not request.user.has_perm(CONFIRM_PERMISSION):
            raise PermissionDenied
        self.action = kwargs["action"]
        self.page_title, self.form_class, self.confirmation = REVIEW_ACTIONS[self.action]
        related = Donation.objects.select_related("project", "donor", "recorded_by")
        self.object = get_object_or_404(related, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return str(self.object)

    @cached_property
    def inspect_url(self):
        return reverse(self.inspect_url_name, args=(quote(self.object.pk),))

    def form_valid(self, form):
        try:
            if self.action == "confirm":
                donation = donation_confirm_offline(donation=self.object, user=self.request.user)
                message = f"捐赠 {donation} 已复核确认,并已记入账本。"
            else:
                donation = donation_reject_offline(
                    donation=self.object, user=self.request.user, reason=form.cleaned_data["reason"]
                )
                message = f"捐赠 {donation} 已驳回,未记账。"
        except DonationError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, message)
        return redirect(self.inspect_url)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            donation=self.object,
            confirmation=self.confirmation,
            action_url=self.request.path,
            submit_button_label=f"确认{self.page_title}" if self.action == "reject" else self.page_title,
        )
        return context
