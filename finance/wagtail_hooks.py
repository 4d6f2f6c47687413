"""The 财务 menu. Other parts of the books add their items with the ``register_finance_menu_item`` hook."""

from django.urls import path, re_path, reverse
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.log_actions import LogFormatter

from finance.admin import dashboard, views

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


# 银行对账 (finance/admin/bank_views.py)


@hooks.register("register_admin_urls")
def register_bank_urls():
    from finance.admin import bank_views

    return [
        path("finance/bank/", bank_views.BankStatementListView.as_view(), name="finance_bank"),
        path(
            "finance/bank/statements/<int:pk>/", bank_views.BankStatementView.as_view(), name="finance_bank_statement"
        ),
        path(
            "finance/bank/statements/<int:pk>/auto-match/",
            bank_views.BankAutoMatchView.as_view(),
            name="finance_bank_auto_match",
        ),
        path("finance/bank/lines/<int:pk>/", bank_views.BankLineView.as_view(), name="finance_bank_line"),
        path("finance/bank/lines/<int:pk>/gift/", bank_views.BankLineGiftView.as_view(), name="finance_bank_line_gift"),
        path(
            "finance/bank/lines/<int:pk>/<str:action>/",
            bank_views.BankLineActionView.as_view(),
            name="finance_bank_line_action",
        ),
        path(
            "finance/bank/reconciliation/", bank_views.ReconciliationView.as_view(), name="finance_bank_reconciliation"
        ),
        re_path(
            r"^finance/bank/reconciliation\.(?P<fmt>csv|xlsx)$",
            bank_views.ReconciliationView.as_view(),
            name="finance_bank_reconciliation_export",
        ),
    ]


@hooks.register("register_finance_menu_item")
def register_bank_menu_item():
    return PermissionMenuItem(
        "银行对账", reverse("finance_bank"), icon_name="table", order=200, permission="finance.view_bankstatement"
    )


BANK_LOG_ACTIONS = {
    "finance.bank.match": "银行流水手工匹配",
    "finance.bank.unmatch": "银行流水取消匹配",
    "finance.bank.auto_match": "银行流水自动匹配",
}


@hooks.register("register_log_actions")
def register_bank_log_actions(actions):
    for action, label in BANK_LOG_ACTIONS.items():

        class Formatter(LogFormatter):
            def format_message(self, log_entry, label=label):
                line = log_entry.data.get("line")
                matched = log_entry.data.get("matched")
                if line:
                    return f"{label}:{line}"
                return f"{label}:{matched} 条" if matched is not None else label

        Formatter.label = label
        actions.register_action(action)(Formatter)


@hooks.register("construct_homepage_panels")
def add_finance_work_panel(request, panels):
    if dashboard.panel_visible_to(request.user):
        panels.append(dashboard.FinanceWorkPanel())
