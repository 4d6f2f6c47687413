"""署名审核 in the admin: approve, hide or erase a donor's public name, and the word list that holds names.

Thin views over ``donations.services.donor_names``, which checks the permission, changes the gift and writes the
audit-log entry. A held name appears in the gift list under the 署名审核 filter (待审核).
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
from wagtail.admin.views.generic import CreateView, EditView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import Button

from donations.models import Donation, IllegalNameReviewError, NameReview
from donations.models.names import NAME_REVIEW_TRANSITIONS
from donations.name_rules import name_hold_reason
from donations.services.donor_names import (
    ERASE_PERMISSION,
    MODERATE_PERMISSION,
    donor_name_approve,
    donor_name_erase,
    donor_name_hide,
    donor_names_rescan,
    held_words,
)

# action → (service, permission, target state, button label, confirmation text)
NAME_ACTIONS = {
    "approve": (
        donor_name_approve,
        MODERATE_PERMISSION,
        NameReview.APPROVED,
        "批准署名",
        "批准后,这个署名将显示在捐赠墙上。",
    ),
    "hide": (
        donor_name_hide,
        MODERATE_PERMISSION,
        NameReview.HIDDEN,
        "隐藏署名",
        "隐藏后,捐赠墙上显示为「爱心人士」;以后仍可批准恢复。",
    ),
    "erase": (
        donor_name_erase,
        ERASE_PERMISSION,
        NameReview.ERASED,
        "删除署名",
        "删除后,署名和账本承诺的盐值将被永久清除,捐赠墙显示为「爱心人士」,捐赠人也无法再凭回执证明署名。"
        "账本记录本身不变,仍可验证。此操作不能撤销。",
    ),
}


def name_action_buttons(donation: Donation, user, url_name: str) -> list[Button]:
    """The 署名 buttons a user may press for a gift (none for an anonymous gift or one not yet received)."""
    if donation.public_name == "匿名":
        return []
    buttons = []
    for priority, (action, (_service, permission, target, label, _text)) in enumerate(NAME_ACTIONS.items(), 40):
        if target in NAME_REVIEW_TRANSITIONS[donation.name_review] and user.has_perm(permission):
            url = reverse(url_name, args=(quote(donation.pk), action))
            buttons.append(Button(label, url=url, icon_name="user", priority=priority))
    return buttons


class DonorNameActionView(WagtailAdminTemplateMixin, FormView):
    """A confirmation page; the POST calls the service (which checks the permission again)."""

    form_class = forms.Form
    template_name = "donations/admin/name_action.html"
    header_icon = "user"
    inspect_url_name = None

    def dispatch(self, request, *args, **kwargs):
        if kwargs["action"] not in NAME_ACTIONS:
            raise PermissionDenied
        self.service, self.permission, self.target, self.page_title, self.confirmation = NAME_ACTIONS[kwargs["action"]]
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        self.object = get_object_or_404(Donation.objects.select_related("project", "donor"), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return str(self.object)

    @cached_property
    def inspect_url(self):
        return reverse(self.inspect_url_name, args=(quote(self.object.pk),))

    def form_valid(self, form):
        try:
            donation = self.service(donation=self.object, user=self.request.user)
        except IllegalNameReviewError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, f"捐赠 {donation} 的署名:{donation.get_name_review_display()}。")
        return redirect(self.inspect_url)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            donation=self.object,
            hold_reason=name_hold_reason(self.object.public_name, held_words()),
            confirmation=self.confirmation,
            action_url=self.request.path,
            submit_button_label=f"确认{self.page_title}",
        )
        return context


class HeldWordCreateView(CreateView):
    """Adding a word holds the names already on the wall that contain it (``donor_names_rescan``)."""

    def save_instance(self):
        word = super().save_instance()
        if held := donor_names_rescan():
            messages.warning(self.request, f"已有 {held} 个署名含有新的敏感词,已转为待审核。")
        return word


class HeldWordEditView(EditView):
    def save_instance(self):
        word = super().save_instance()
        if held := donor_names_rescan():
            messages.warning(self.request, f"已有 {held} 个署名含有敏感词,已转为待审核。")
        return word
