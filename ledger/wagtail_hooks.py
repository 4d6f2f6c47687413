"""账簿 in the admin menu: 科目余额表, 明细账 and 会计科目 (``ledger.admin``), for ``ledger.view_account``
(财务 and 审计; 财务 also adds sub-accounts)."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.log_actions import LogFormatter
from wagtail.permissions import register_permission_policy

from ledger.admin.accounts import AccountViewSet, NoDeletePolicy
from ledger.admin.books import PERMISSION, GeneralLedgerView, TrialBalanceView
from ledger.admin.periods import STEPS as PERIOD_STEPS
from ledger.admin.periods import VIEW_PERMISSION as PERIODS_PERMISSION
from ledger.admin.periods import PeriodActionView, PeriodsView
from ledger.models import Account

# At import, before any view asks: Wagtail refuses a custom policy once it has made a default one for the model.
register_permission_policy(Account, NoDeletePolicy(Account))
accounts_viewset = AccountViewSet()


class BooksMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(PERMISSION)


class BooksSubmenu(SubmenuMenuItem):
    def is_shown(self, request):
        return request.user.has_perm(PERMISSION)


@hooks.register("register_admin_viewset")
def register_accounts_viewset():
    return accounts_viewset


@hooks.register("register_admin_urls")
def register_books_urls():
    return [
        path("books/trial-balance/", TrialBalanceView.as_view(), name="ledger_books_trial_balance"),
        path("books/ledger/", GeneralLedgerView.as_view(), name="ledger_books_general_ledger_index"),
        path("books/ledger/<str:code>/", GeneralLedgerView.as_view(), name="ledger_books_general_ledger"),
    ]


@hooks.register("register_admin_menu_item")
def register_books_menu():
    items = [
        BooksMenuItem("科目余额表", reverse("ledger_books_trial_balance"), icon_name="table", order=100),
        BooksMenuItem("明细账", reverse("ledger_books_general_ledger_index"), icon_name="list-ul", order=200),
        BooksMenuItem("会计科目", reverse(accounts_viewset.get_url_name("index")), icon_name="tag", order=300),
    ]
    return BooksSubmenu("账簿", Menu(items=items), icon_name="table", order=880)


# 期间结账 (ledger/admin/periods.py): in the 财务 menu, through its hook (the ledger imports no app of ours).


class PeriodsMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(PERIODS_PERMISSION)


@hooks.register("register_admin_urls")
def register_period_urls():
    return [
        path("finance/periods/", PeriodsView.as_view(), name="ledger_periods"),
        path("finance/periods/<str:month>/<str:action>/", PeriodActionView.as_view(), name="ledger_period_action"),
    ]


@hooks.register("register_finance_menu_item")
def register_periods_menu_item():
    return PeriodsMenuItem("期间结账", reverse("ledger_periods"), icon_name="lock", order=400)


@hooks.register("register_log_actions")
def register_period_log_actions(actions):
    """Each step in the history: 申请结账 2026-03, 批准结账 2026-03, 申请反结账 2026-03:<reason>, …"""
    for step in PERIOD_STEPS.values():

        class Formatter(LogFormatter):
            label = f"期间结账·{step.label}"

            def format_message(self, log_entry):
                data = log_entry.data or {}
                text = f"{self.label}{data.get('request', '')} {data.get('month', '')}".strip()
                return f"{text}:{data['reason']}" if data.get("reason") else text

        actions.register_action(step.log_action)(Formatter)
