"""The 财务 menu. Other parts of the books add their items with the ``register_finance_menu_item`` hook."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.log_actions import LogFormatter

from finance.admin import views

finance_menu = Menu(register_hook_name="register_finance_menu_item")


class PermissionMenuItem(MenuItem):
    def __init__(self, *args, permission: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


@hooks.register("register_admin_urls")
def register_finance_urls():
    return [
        path("finance/vouchers/", views.VoucherListView.as_view(), name="finance_vouchers"),
        path("finance/vouchers/new/", views.VoucherEditView.as_view(), name="finance_voucher_new"),
        path("finance/vouchers/<int:pk>/", views.VoucherRecordView.as_view(), name="finance_voucher"),
        path("finance/vouchers/<int:pk>/edit/", views.VoucherEditView.as_view(), name="finance_voucher_edit"),
        path(
            "finance/vouchers/<int:pk>/<str:action>/", views.VoucherActionView.as_view(), name="finance_voucher_action"
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_finance_menu():
    return SubmenuMenuItem("财务", finance_menu, icon_name="table", name="finance", order=700)


@hooks.register("register_finance_menu_item")
def register_voucher_menu_item():
    return PermissionMenuItem(
        "记账凭证", reverse("finance_vouchers"), icon_name="doc-full", order=100, permission="finance.view_voucher"
    )


@hooks.register("register_log_actions")
def register_voucher_log_actions(actions):
    """Each step of a voucher in the history, with its reason when it has one (退回原因, 作废原因, 冲正原因)."""
    for step in views.ACTIONS.values():

        class Formatter(LogFormatter):
            label = f"凭证{step.label}"

            def format_message(self, log_entry):
                reason = log_entry.data.get("reason")
                return f"{self.label}:{reason}" if reason else self.label

        actions.register_action(step.log_action)(Formatter)
