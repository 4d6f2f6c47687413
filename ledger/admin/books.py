"""科目余额表 and 明细账 in the admin: /admin/books/trial-balance/ and /admin/books/ledger/<code>/, for a date range.

Only for ``ledger.view_account`` (财务, 审计): others get 403 and no menu item. The views parse the form and call
``ledger.selectors.books``; nothing here changes a row.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.defaults import permission_denied
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from ledger.models import Account
from ledger.selectors.books import direction, general_ledger, trial_balance

PERMISSION = "ledger.view_account"
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # <input type=date> reads ISO only


class PeriodForm(forms.Form):
    """An inclusive range of local days; by default this year up to today."""

    date_from = forms.DateField(label="开始日期", widget=DATE_INPUT, error_messages={"invalid": "请输入有效的日期。"})
    date_to = forms.DateField(label="结束日期", widget=DATE_INPUT, error_messages={"invalid": "请输入有效的日期。"})

    def __init__(self, data=None, **kwargs):
        today = timezone.localdate()
        initial = {"date_from": date(today.year, 1, 1), "date_to": today}
        if data is not None and not (data.get("date_from") or data.get("date_to")):
            data = None  # a first visit: the defaults, not two "required" errors
        super().__init__(data, initial=initial, **kwargs)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError("开始日期不能晚于结束日期。")
        return data

    def period(self) -> dict[str, date] | None:
        if not self.is_bound:
            return {"date_from": self.initial["date_from"], "date_to": self.initial["date_to"]}
        return {k: self.cleaned_data[k] for k in ("date_from", "date_to")} if self.is_valid() else None


def download_links(name: str, period: dict[str, date], *args, **extra: str) -> list[tuple[str, str]]:
    """CSV and XLSX links to bulk's formula-safe exporters (none when bulk is not installed)."""
    query = urlencode({**{k: v.isoformat() for k, v in period.items()}, **extra})
    try:
        return [(fmt.upper(), f"{reverse(name, args=(*args, fmt))}?{query}") for fmt in ("csv", "xlsx")]
    except NoReverseMatch:
        return []


class BooksView(WagtailAdminTemplateMixin, TemplateView):
    header_icon = "table"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(PERMISSION):
            return permission_denied(request, PermissionDenied("没有查看账簿的权限。"))
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]


class TrialBalanceView(BooksView):
    template_name = "ledger/admin/trial_balance.html"
    page_title = "科目余额表"

    def get_context_data(self, **kwargs):
        form = PeriodForm(self.request.GET)
        period = form.period()
        context = {"form": form}
        if period:
            include_empty = self.request.GET.get("all") == "1"
            context.update(
                report=trial_balance(**period, include_empty=include_empty),
                include_empty=include_empty,
                downloads=download_links(
                    "ledger_books_trial_balance_export", period, **({"all": "1"} if include_empty else {})
                ),
                ledger_query=urlencode({k: v.isoformat() for k, v in period.items()}),
            )
        return super().get_context_data(**context, **kwargs)


class GeneralLedgerView(BooksView):
    """/admin/books/ledger/ asks for an account; /admin/books/ledger/<code>/ shows its 明细账."""

    template_name = "ledger/admin/general_ledger.html"
    account = None

    def get_page_title(self):
        return f"明细账 · {self.account.code} {self.account.name}" if self.account else "明细账"

    def get(self, request, *args, code: str = "", **kwargs):
        chosen = request.GET.get("account", "")
        if not code and chosen:
            query = request.GET.copy()
            del query["account"]
            return redirect(f"{reverse('ledger_books_general_ledger', args=(chosen,))}?{query.urlencode()}")
        self.account = get_object_or_404(Account, code=code) if code else None
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        form = PeriodForm(self.request.GET)
        period = form.period()
        context = {"form": form, "account": self.account, "accounts": account_choices()}
        if period and self.account:
            book = general_ledger(account=self.account, **period, page=self.request.GET.get("p", 1))
            context.update(
                book=book,
                opening_direction=direction(book.opening),
                closing_direction=direction(book.closing),
                downloads=download_links("ledger_books_general_ledger_export", period, self.account.code),
                page_query=urlencode({k: v.isoformat() for k, v in period.items()}),
            )
        return super().get_context_data(**context, **kwargs)


def account_choices() -> list[tuple[str, str]]:
    return [(code, f"{code} {name}") for code, name in Account.objects.order_by("code").values_list("code", "name")]
