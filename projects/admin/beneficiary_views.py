"""Admin views for the beneficiary registry (受助人), publication consents (公示授权) and enrolments (救助对象登记).

They stay thin: parse a form, call a service, write the audit log, render. What may change is decided by the
services; who may do it, by the permission policies:

- ``add_beneficiary`` / ``change_beneficiary``: 登记/修改受助人 (``beneficiary_register`` / ``beneficiary_update``).
- ``reveal_beneficiary_<id_number|phone|bank_account|address>``: 显示完整信息, one field at a time, offered only
  for the fields the user may reveal (``beneficiary_reveal`` checks again and writes the audit log).
- ``add_publicationconsent`` / ``change_publicationconsent``: 登记/撤回公示授权.
- ``add_enrolment`` / ``change_enrolment``: 登记救助对象 and 结束登记.
- Nobody, not even a superuser, deletes a beneficiary or an enrolment: disbursements and the audit trail point at
  them.
"""

from __future__ import annotations

import re

from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.functional import cached_property
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic import CreateView, EditView, IndexView, InspectView
from wagtail.admin.views.generic.base import BaseObjectMixin, WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import Button
from wagtail.log_actions import log
from wagtail.permissions import policy_registry

from projects import sensitive
from projects.admin.beneficiary_forms import ConsentForm, ConsentWithdrawForm
from projects.admin.common import (
    ServiceCreateMixin,
    ServiceFormMixin,
    add_service_errors,
    readable_value,
)
from projects.models import Beneficiary, PublicationConsent
from projects.services import (
    REVEALABLE,
    beneficiary_register,
    beneficiary_reveal,
    beneficiary_revealable,
    beneficiary_update,
    consent_record,
    consent_withdraw,
)

CONSENT_RECORD_ACTION = "projects.consent_record"
CONSENT_WITHDRAW_ACTION = "projects.consent_withdraw"
# The record's shown field → the field 显示完整信息 reveals (the village is shown masked like the numbers).
MASKED_FIELDS = {
    "id_number_masked": "id_number",
    "phone_masked": "phone",
    "bank_account_masked": "bank_account",
    "guardian_phone_masked": "guardian_phone",
    "village": "village",
}
HIDDEN_VILLAGE = "已登记(不直接显示)"
NUMBER_QUERY = re.compile(r"^[\d\s-]{7,}[\dXx]$")


def beneficiaries_matching(queryset, query: str):
    """Search by name, or — when the query is a number — by the keyed hash of a full ID number, phone or bank
    account. The plain number is hashed and compared, never stored or matched as text (there is no text to match:
    only masks and ciphertext are kept)."""
    query = query.strip()
    if not NUMBER_QUERY.match(query):
        return queryset.filter(Q(name__icontains=query) | Q(guardian_name__icontains=query))
    hashes = Q(id_number_hash=sensitive.keyed_hash("id_number", query))
    hashes |= Q(phone_hash=sensitive.keyed_hash("phone", query))
    hashes |= Q(bank_account_hash=sensitive.keyed_hash("bank_account", query))
    return queryset.filter(hashes)


class BeneficiaryIndexView(IndexView):
    """The register: masked numbers only; a name opens the person's record (where a full value can be revealed)."""

    add_item_label = "登记受助人"

    def search_queryset(self, queryset):
        return beneficiaries_matching(queryset, self.search_query) if self.is_searching else queryset

    def get_edit_url(self, instance):
        return self.get_inspect_url(instance)

    def get_list_more_buttons(self, instance):
        buttons = [Button("查看", url=self.get_inspect_url(instance), icon_name="info-circle", priority=10)]
        if self.user_has_permission("change"):
            edit_url = reverse(self.edit_url_name, args=(quote(instance.pk),))
            buttons.append(Button("修改", url=edit_url, icon_name="edit", priority=20))
        return buttons


class BeneficiaryCreateView(ServiceCreateMixin, CreateView):
    page_subtitle = "登记受助人"
    submit_button_label = "登记"
    submit_button_active_label = "正在登记…"
    success_message = "已登记受助人 %(object)s。"
    error_message = "未能登记:请按提示修改后重新提交。"

    def save_instance(self):
        beneficiary = beneficiary_register(data=self.form.to_data(), created_by=self.request.user)
        log(beneficiary, "wagtail.create", user=self.request.user)
        return beneficiary


class BeneficiaryEditView(ServiceFormMixin, EditView):
    success_message = "已保存受助人 %(object)s 的修改。"
    error_message = "未能保存:请按提示修改后重新提交。"

    def save_instance(self):
        beneficiary = beneficiary_update(beneficiary=self.object, data=self.form.to_data())
        log(beneficiary, "wagtail.edit", user=self.request.user)
        return beneficiary

    def form_invalid(self, form):
        self.object.refresh_from_db()  # the service may have changed the instance before the database refused it
        return super().form_invalid(form)


class BeneficiaryInspectView(InspectView):
    """A person's record: masked values, each with 显示完整信息 for those allowed; consents and enrolments below."""

    template_name = "projects/admin/beneficiary_inspect.html"
    reveal_url_name = None
    consent_url_name = None
    consent_withdraw_url_name = None
    enrolment_add_url_name = None
    enrolment_inspect_url_name = None
    labels = {"age": "年龄", "consent_status": "公示授权"}

    def get_object(self, queryset=None):
        return get_object_or_404(Beneficiary.objects.select_related("created_by"), pk=self.pk)

    def get_field_label(self, field_name, field):
        return self.labels.get(field_name) or super().get_field_label(field_name, field)

    def get_field_display_value(self, field_name, field):
        return readable_value(super().get_field_display_value(field_name, field))

    def get_age_display_value(self):
        age = self.object.age_on(timezone.localdate())
        return f"{age} 周岁(未成年)" if age < 18 else f"{age} 周岁"

    def get_village_display_value(self):
        """The village is an address: revealed (and logged) like the numbers, never printed on the record."""
        return HIDDEN_VILLAGE if self.object.village else ""

    def get_context_for_field(self, field_name):
        context = super().get_context_for_field(field_name)
        name = MASKED_FIELDS.get(field_name)
        if name in self.revealable and getattr(self.object, field_name):
            context["reveal_url"] = reverse(self.reveal_url_name, args=(quote(self.object.pk), name))
        return context

    @cached_property
    def revealable(self) -> frozenset[str]:
        """The fields this user may reveal: 财务 the bank account only (``charity.groups``)."""
        return beneficiary_revealable(self.request.user)

    @cached_property
    def header_more_buttons(self):
        buttons = []
        pk = quote(self.object.pk)
        if self.edit_url_name and self.permission_policy.user_has_permission(self.request.user, "change"):
            buttons.append(Button("修改", url=reverse(self.edit_url_name, args=(pk,)), icon_name="edit", priority=10))
        if self.request.user.has_perm("projects.add_publicationconsent"):
            url = reverse(self.consent_url_name, args=(pk,))
            buttons.append(Button("登记公示授权", url=url, icon_name="doc-full", priority=20))
        if policy_registry.get_by_type(self.object.enrolments.model).user_has_permission(self.request.user, "add"):
            url = f"{reverse(self.enrolment_add_url_name)}?beneficiary={self.object.pk}"
            buttons.append(Button("登记到项目", url=url, icon_name="plus", priority=30))
        return buttons

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        can_withdraw = self.request.user.has_perm("projects.change_publicationconsent")
        consents = [
            (consent, reverse(self.consent_withdraw_url_name, args=(consent.pk,)) if can_withdraw else None)
            for consent in self.object.consents.all()
        ]
        enrolments = [
            (enrolment, reverse(self.enrolment_inspect_url_name, args=(enrolment.pk,)))
            for enrolment in self.object.enrolments.select_related("project")
        ]
        return {**context, "consents": consents, "enrolments": enrolments, "today": timezone.localdate()}


class BeneficiaryRevealView(PermissionCheckedMixin, WagtailAdminTemplateMixin, BaseObjectMixin, TemplateView):
    """显示完整信息 for one field, by POST only (a link prefetch or a crawler never reveals, nor logs). Whether the
    user may see that field is decided by ``beneficiary_reveal``; a refusal is a plain 403 with no value."""

    model = Beneficiary
    permission_required = "view"
    http_method_names = ["post"]
    template_name = "projects/admin/beneficiary_reveal.html"
    page_title = "完整信息"
    header_icon = "view"
    index_url_name = None
    inspect_url_name = None

    def post(self, request, *args, **kwargs):
        field = self.kwargs["field"]
        if field not in REVEALABLE:
            raise Http404
        try:
            value = beneficiary_reveal(beneficiary=self.object, field=field, user=request.user)
        except PermissionDenied as error:
            return HttpResponseForbidden(str(error))
        response = self.render_to_response(self.get_context_data(label=REVEALABLE[field], value=value))
        patch_cache_control(response, no_store=True, private=True)  # the value must not stay in any cache
        return response

    def get_page_subtitle(self):
        return str(self.object)

    def get_context_data(self, **kwargs):
        inspect_url = reverse(self.inspect_url_name, args=(quote(self.object.pk),))
        return {**super().get_context_data(**kwargs), "beneficiary": self.object, "inspect_url": inspect_url}


class BeneficiaryFormView(PermissionCheckedMixin, WagtailAdminTemplateMixin, FormView):
    """A small form about one beneficiary (公示授权), opened from the record and returning to it."""

    header_icon = "doc-full"
    index_url_name = None
    inspect_url_name = None
    submit_button_label = "保存"
    permission_model = PublicationConsent

    @cached_property
    def permission_policy(self):
        return policy_registry.get_by_type(self.permission_model)

    @cached_property
    def beneficiary(self):
        return get_object_or_404(Beneficiary, pk=self.kwargs["pk"])

    @cached_property
    def inspect_url(self):
        return reverse(self.inspect_url_name, args=(quote(self.beneficiary.pk),))

    def get_page_subtitle(self):
        return str(self.beneficiary)

    def get_breadcrumbs_items(self):
        index = {"url": reverse(self.index_url_name), "label": Beneficiary._meta.verbose_name_plural}
        return [
            *self.breadcrumbs_items,
            index,
            {"url": self.inspect_url, "label": str(self.beneficiary)},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            beneficiary=self.beneficiary,
            action_url=self.request.path,
            media=context["form"].media,
            submit_button_label=self.submit_button_label,
            submit_button_active_label="正在保存…",
        )
        return context


class ConsentRecordView(BeneficiaryFormView):
    permission_required = "add"
    form_class = ConsentForm
    template_name = "projects/admin/consent_form.html"
    page_title = "登记公示授权"
    submit_button_label = "登记授权"

    def get_initial(self):
        guardian = self.beneficiary.is_minor_on(timezone.localdate())
        name = self.beneficiary.guardian_name if guardian else self.beneficiary.name
        return {"given_by": "guardian" if guardian else "self", "giver_name": name, "given_on": timezone.localdate()}

    def form_valid(self, form):
        try:
            consent = consent_record(beneficiary=self.beneficiary, recorded_by=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        log(self.beneficiary, CONSENT_RECORD_ACTION, user=self.request.user, data={"consent": str(consent)})
        messages.success(self.request, f"已登记公示授权:{consent}。")
        return redirect(self.inspect_url)


class ConsentWithdrawView(BeneficiaryFormView):
    permission_required = "change"
    form_class = ConsentWithdrawForm
    template_name = "projects/admin/consent_withdraw.html"
    page_title = "撤回公示授权"
    submit_button_label = "确认撤回"

    @cached_property
    def consent(self):
        return get_object_or_404(PublicationConsent.objects.select_related("beneficiary"), pk=self.kwargs["pk"])

    @cached_property
    def beneficiary(self):
        return self.consent.beneficiary

    def form_valid(self, form):
        try:
            consent = consent_withdraw(consent=self.consent, on=form.cleaned_data["withdrawn_on"])
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        log(self.beneficiary, CONSENT_WITHDRAW_ACTION, user=self.request.user, data={"consent": str(consent)})
        messages.success(self.request, f"已撤回公示授权:{consent}。")
        return redirect(self.inspect_url)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "consent": self.consent}
