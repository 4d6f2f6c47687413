"""账簿 in the admin menu: 科目余额表, 明细账 and 会计科目 (``ledger.admin``), for ``ledger.view_account``
(财务 and 审计; 财务 also adds sub-accounts)."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.permissions import register_permission_policy

from ledger.admin.accounts import AccountViewSet, NoDeletePolicy
from ledger.admin.books import PERMISSION, GeneralLedgerView, TrialBalanceView
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
