"""Admin pieces every screen over money and personal data shares (the donations admin uses them too).

- Nobody deletes what money or the audit log refers to; rows that services write are read-only by hand.
- The history (who registered, submitted, approved, paid, revealed) is open to whoever may view the record, 审计
  included; Wagtail's default asks for a write permission.
- Forms call a service; its Chinese refusal goes back on the form and the transaction is rolled back.
"""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib.admin.utils import quote
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.views.generic import HistoryView, InspectView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy

from ledger.money import DECIMAL_PLACES, MAX_DIGITS
from projects.formatting import yuan
from projects.models import Beneficiary
from projects.services import DisbursementError


class NoDeletePermissionPolicy(ModelPermissionPolicy):
    """Django model permissions, except that nobody, not even a superuser, deletes: a gift is corrected by reversal,
    money that went out stays on record, and disbursements and the audit log refer to a beneficiary."""

    def user_has_permission(self, user, action):
        return action != "delete" and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        return super().users_with_any_permission([a for a in actions if a != "delete"])


class ReadOnlyPermissionPolicy(ModelPermissionPolicy):
    """Only ``view``: rows written by services or commands (月捐计划, 支付事件, 监察名单) are never edited by hand."""

    def user_has_permission(self, user, action):
        return action == "view" and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        return super().users_with_any_permission([a for a in actions if a == "view"])


class NoDeleteViewSet(ModelViewSet):
    """No delete view, no delete button, and no delete permission offered in the group editor (the permission
    policy above refuses it as well). ``unrouted`` names any other route a viewset leaves out."""

    unrouted: frozenset[str] = frozenset({"delete"})

    def get_common_view_kwargs(self, **kwargs):
        kwargs.setdefault("delete_url_name", None)
        return super().get_common_view_kwargs(**kwargs)

    def get_urlpatterns(self):
        return [p for p in super().get_urlpatterns() if p.name not in self.unrouted]

    def get_permissions_to_register(self):
        delete = get_permission_codename("delete", self.model_opts)
        return super().get_permissions_to_register().exclude(codename=delete)


class ReadableHistoryView(HistoryView):
    any_permission_required = ["add", "change", "view"]


def readable_value(value):
    """Local times (the inspect template formats but does not convert them), 是/否, and — for blanks."""
    if isinstance(value, datetime):
        return timezone.localtime(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return "—" if value is None or value == "" else value


def _is_money(field) -> bool:
    """An ``amount_field`` (ledger.money): a quantity or a rate with two places is not money."""
    return isinstance(field, models.DecimalField) and (field.max_digits, field.decimal_places) == (
        MAX_DIGITS,
        DECIMAL_PLACES,
    )


class ReadableInspectMixin:
    """``record_fields``, when set, are the fields shown (the viewset would otherwise pass every field)."""

    record_fields: list[str] = []

    def get_fields(self):
        return self.record_fields or super().get_fields()

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        if _is_money(field) and value is not None:
            return yuan(value)  # money, as the lists and the public pages show it
        return readable_value(value)


class ReadableInspectView(ReadableInspectMixin, InspectView):
    pass


class ReadOnlyViewSet(ModelViewSet):
    """List and inspect only: the rows are written by services or commands (payment events, the watch list)."""

    inspect_view_class = ReadableInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    add_to_reference_index = False
    read_only_views = frozenset({"index", "index_results", "inspect", "history", "history_results"})

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(add_url_name=None, edit_url_name=None, delete_url_name=None, **kwargs)

    def get_urlpatterns(self):
        return [p for p in super().get_urlpatterns() if p.name in self.read_only_views]

    def get_form_class(self, for_update=False):
        return None  # no add or edit view is routed

    def get_permissions_to_register(self):
        view = get_permission_codename("view", self.model_opts)
        return super().get_permissions_to_register().filter(codename=view)


def add_service_errors(form: forms.Form, error: ValidationError | str) -> None:
    """Show a service's error on the fields it names; anything else (or a field the form lacks) goes on top."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for field, messages in error.error_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error)


class ServiceFormMixin:
    """Create/edit through a service: its refusal goes back onto the form, and the transaction Wagtail opens
    around ``save_instance`` is rolled back, so nothing is saved."""

    error_message = "未能保存:请按提示修改后重新提交。"
    inspect_url_name = None
    service_errors: tuple[type[Exception], ...] = (ValidationError, DisbursementError, PermissionDenied)

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except self.service_errors as error:
            add_service_errors(
                form, error if isinstance(error, ValidationError) else (str(error) or "没有执行此操作的权限。")
            )
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)

    def get_success_url(self):
        return reverse(self.inspect_url_name, args=(quote(self.object.pk),))

    def get_success_buttons(self):
        return []


class ServiceCreateMixin(ServiceFormMixin):
    def get_breadcrumbs_items(self):  # Wagtail's "New: …" has no Chinese translation
        index = {"url": reverse(self.index_url_name), "label": self.model._meta.verbose_name_plural}
        return [*self.breadcrumbs_items, index, {"url": "", "label": self.page_subtitle}]


class BeneficiaryChoiceField(forms.ModelChoiceField):
    """Staff pick a person by masked name and masked ID number: the full number is never put on a page."""

    def label_from_instance(self, obj: Beneficiary) -> str:
        return f"{obj.masked_name} · {obj.id_number_masked} · {obj.get_category_display()} · {obj.district}"
