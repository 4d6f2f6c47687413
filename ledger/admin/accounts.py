"""会计科目 in the admin: the chart as a list, and 添加明细科目 (a sub-account under any account but 4101/5101,
whose sub-accounts are the funds'). An account's name can be edited only while nothing is posted to it; nothing
is ever deleted. Writes go through ``ledger.services.accounts``."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_permission_codename
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import CreateView, EditView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.log_actions import log
from wagtail.permission_policies import ModelPermissionPolicy

from ledger.models import Account
from ledger.services.accounts import (
    AccountError,
    account_rename,
    account_rename_check,
    subaccount_check,
    subaccount_create,
)


class NoDeletePolicy(ModelPermissionPolicy):
    """An account is never deleted (legs and records name it; PostgreSQL refuses it too)."""

    def user_has_permission(self, user, action):
        return action != "delete" and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        return super().users_with_any_permission([a for a in actions if a != "delete"])


class SubaccountForm(WagtailAdminModelForm):
    parent = forms.ModelChoiceField(
        Account.objects.order_by("code"), label="上级科目", to_field_name="code", empty_label=None
    )
    suffix = forms.CharField(
        label="明细代码",
        max_length=12,
        help_text="接在上级科目代码之后,例如 5201 下填 01 得到 5201.01。创建后不能修改。",
    )

    class Meta:
        model = Account
        fields = ["name"]
        labels = {"name": "科目名称"}

    def clean(self):
        data = super().clean()
        if data.get("parent") and data.get("suffix") and data.get("name"):
            try:
                subaccount_check(parent=data["parent"], suffix=data["suffix"], name=data["name"])
            except AccountError as error:
                raise forms.ValidationError(str(error)) from error
        return data

    def _post_clean(self):
        """The service builds the account; the half-filled instance is not validated as a model."""


class RenameForm(WagtailAdminModelForm):
    class Meta:
        model = Account
        fields = ["name"]
        labels = {"name": "科目名称"}

    def clean(self):
        data = super().clean()
        stored = Account.objects.get(pk=self.instance.pk)
        try:
            account_rename_check(account=stored, name=data.get("name") or "")
        except AccountError as error:
            raise forms.ValidationError(str(error)) from error
        return data


class SubaccountCreateView(CreateView):
    page_title = "添加明细科目"

    def save_instance(self):
        data = self.form.cleaned_data
        account = subaccount_create(parent=data["parent"], suffix=data["suffix"], name=data["name"])
        log(instance=account, action="wagtail.create", user=self.request.user)
        return account

    def get_success_message(self, instance=None):
        return f"已添加明细科目 {self.object.code} {self.object.name}。"


class RenameView(EditView):
    def save_instance(self):
        account = account_rename(account=self.object, name=self.form.cleaned_data["name"])
        log(instance=account, action="wagtail.edit", user=self.request.user)
        return account


class AccountViewSet(ModelViewSet):
    model = Account
    icon = "list-ul"
    menu_label = "会计科目"
    url_prefix = "books/accounts"
    name = "ledger_accounts"
    add_to_admin_menu = False
    add_view_class = SubaccountCreateView
    edit_view_class = RenameView
    copy_view_enabled = False
    inspect_view_enabled = False
    add_to_reference_index = False
    list_display = [
        "code",
        "name",
        "type",
        "statement_line",
        Column("nature_label", label="性质"),
        Column("parent", label="上级科目"),
    ]
    list_filter = ["type", "statement_line", "is_restricted"]
    search_fields = ["code", "name"]
    ordering = ["code"]

    def get_form_class(self, for_update=False):
        return RenameForm if for_update else SubaccountForm

    def get_common_view_kwargs(self, **kwargs):
        kwargs.setdefault("delete_url_name", None)
        return super().get_common_view_kwargs(**kwargs)

    def get_urlpatterns(self):
        return [p for p in super().get_urlpatterns() if p.name != "delete"]

    def get_permissions_to_register(self):
        delete = get_permission_codename("delete", self.model_opts)
        return super().get_permissions_to_register().exclude(codename=delete)
