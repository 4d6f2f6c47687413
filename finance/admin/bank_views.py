"""银行对账 in the admin: statements, a statement's lines with their match and actions, one line's candidates,
登记为线下捐赠 prefilled from a line, and the monthly 银行存款余额调节表 (on screen, CSV, XLSX).

财务 views, imports (through bulk's importer) and matches; 审计 views. Counterparty names and accounts are shown
masked only. Every match, unmatch and 自动匹配 is audit-logged with the step in one transaction.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.defaults import permission_denied
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.log_actions import log

from finance.models import BankLine, BankStatement
from finance.selectors.bank import (
    bank_accounts,
    default_month,
    match_candidates,
    reconciliation,
    statement_figures,
    statement_lines,
    statement_list,
    unmatched_days,
    unmatched_offline_gifts,
)
from finance.services import bank as services
from ledger.chart import BANK
from ledger.models import Transaction

from .bank_exports import reconciliation_download
from .bank_forms import LineGiftForm, MonthForm

VIEW = "finance.view_bankstatement"
MATCH = "finance.match_bankline"


class BankView(WagtailAdminTemplateMixin, TemplateView):
    permission = VIEW
    header_icon = "table"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            return permission_denied(request, PermissionDenied("没有此操作的权限。"))
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": reverse("finance_bank"), "label": "银行对账"}]


class BankStatementListView(BankView):
    template_name = "finance/bank/statement_list.html"
    page_title = "银行对账"

    def get_context_data(self, **kwargs):
        user = self.request.user
        statements = list(statement_list()[:200])
        for statement in statements:
            statement.figures = statement_figures(statement)
        return super().get_context_data(
            statements=statements,
            accounts=bank_accounts(),
            can_import=user.has_perm("finance.import_bankstatement"),
            can_match=user.has_perm(MATCH),
            import_url=reverse("bulk_import_upload", args=("bank-statements",)),
            unmatched_gifts=list(unmatched_offline_gifts()[:200]),
            unmatched_days=unmatched_days(),
            **kwargs,
        )


class BankStatementView(BankView):
    template_name = "finance/bank/statement.html"

    def get_page_title(self):
        return f"银行对账单 {self.statement}"

    def get(self, request, *args, pk, **kwargs):
        self.statement = get_object_or_404(BankStatement.objects.select_related("account"), pk=pk)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        status = self.request.GET.get("status", "")
        status = status if status in ("matched", "unmatched") else ""
        return super().get_context_data(
            statement=self.statement,
            figures=statement_figures(self.statement),
            lines=statement_lines(self.statement, status=status)[:2000],
            status=status,
            can_match=self.request.user.has_perm(MATCH),
            can_record_gift=self.request.user.has_perm(MATCH)
            and self.request.user.has_perm("donations.add_donation")
            and self.statement.account.code == BANK,
            **kwargs,
        )


class BankLineView(BankView):
    template_name = "finance/bank/line.html"

    def get_page_title(self):
        return f"银行流水 {self.line.reference}"

    def get(self, request, *args, pk, **kwargs):
        self.line = get_object_or_404(BankLine.objects.select_related("statement", "account", "transaction"), pk=pk)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        line = self.line
        return super().get_context_data(
            line=line,
            candidates=match_candidates(line) if line.transaction_id is None else [],
            can_match=self.request.user.has_perm(MATCH),
            **kwargs,
        )


class BankLineActionView(BankView):
    """匹配 (``transaction`` = a ledger sequence) or 取消匹配, by POST."""

    permission = MATCH
    http_method_names = ["post"]

    def post(self, request, pk, action):
        line = get_object_or_404(BankLine, pk=pk)
        try:
            with transaction.atomic():
                if action == "match":
                    txn = Transaction.objects.filter(pk=request.POST.get("transaction", "")).first()
                    if txn is None:
                        raise services.BankError("请选择要匹配的账本交易。")
                    done = services.line_match(line=line, txn=txn, user=request.user)
                    label = f"已匹配账本交易 #{txn.pk}"
                elif action == "unmatch":
                    was = line.transaction_id
                    done = services.line_unmatch(line=line, user=request.user)
                    label = f"已取消与账本交易 #{was} 的匹配"
                else:
                    raise Http404("未知的操作。")
                log(done.statement, f"finance.bank.{action}", user=request.user, data={"line": done.reference})
        except ValidationError as error:
            messages.error(request, f"未完成:{' '.join(error.messages)}")
            return redirect("finance_bank_line", pk=pk)
        messages.success(request, f"流水 {done.reference}:{label}。")
        return redirect(request.POST.get("next") or reverse("finance_bank_statement", args=(done.statement_id,)))


class BankAutoMatchView(BankView):
    permission = MATCH
    http_method_names = ["post"]

    def post(self, request, pk):
        statement = get_object_or_404(BankStatement.objects.select_related("account"), pk=pk)
        with transaction.atomic():
            count = services.lines_auto_match(account=statement.account)
            log(statement, "finance.bank.auto_match", user=request.user, data={"matched": count})
        messages.success(request, f"自动匹配完成:新匹配 {count} 条流水。")
        return redirect("finance_bank_statement", pk=pk)


class BankLineGiftView(BankView):
    """登记为线下捐赠: prefilled from the line (amount, date, 流水号, payer); the new gift is matched to the line."""

    template_name = "finance/bank/line_gift.html"
    permission = MATCH

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm("donations.add_donation"):
            return permission_denied(request, PermissionDenied("没有登记捐赠的权限。"))
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return "登记为线下捐赠"

    def line(self, pk) -> BankLine:
        return get_object_or_404(BankLine.objects.select_related("statement", "account"), pk=pk)

    def get(self, request, *args, pk, **kwargs):
        line = self.line(pk)
        form = LineGiftForm(initial={"received_at": services.line_gift_received_at(line)})
        return self.render_to_response(self.get_context_data(line=line, form=form))

    def post(self, request, *args, pk, **kwargs):
        line = self.line(pk)
        form = LineGiftForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                donation = services.line_record_gift(
                    line=line,
                    project=data["project"],
                    donor=data["donor"],
                    display_name=data["display_name"],
                    is_anonymous=data["is_anonymous"],
                    received_at=data["received_at"],
                    submission_key=data["submission_key"],
                    user=request.user,
                )
            except ValidationError as error:
                form.add_error(None, " ".join(error.messages))
            else:
                line.refresh_from_db()
                matched = "并已与该流水匹配" if line.transaction_id is not None else "(过账后自动匹配该流水)"
                messages.success(request, f"已登记线下捐赠 {donation}{matched}。")
                return redirect("finance_bank_statement", pk=line.statement_id)
        return self.render_to_response(self.get_context_data(line=line, form=form))


class ReconciliationView(BankView):
    template_name = "finance/bank/reconciliation.html"
    page_title = "银行存款余额调节表"

    def report(self):
        form = MonthForm(self.request.GET)
        accounts = bank_accounts()
        if not accounts or not form.is_valid():
            return form, accounts, None
        code = form.cleaned_data["account"] or BANK
        account = next((a for a in accounts if a.code == code), None)
        if account is None:
            form.add_error("account", f"科目 {code} 不是银行存款科目。")
            return form, accounts, None
        if form.cleaned_data["month"]:
            year, month = (int(part) for part in form.cleaned_data["month"].split("-"))
        else:
            year, month = default_month(account)
        return form, accounts, reconciliation(account=account, year=year, month=month)

    def get(self, request, *args, fmt: str = "", **kwargs):
        form, accounts, report = self.report()
        if fmt:
            if report is None:
                return HttpResponse(" ".join(e for errors in form.errors.values() for e in errors), status=400)
            return reconciliation_download(report, fmt)
        return self.render_to_response(self.get_context_data(form=form, accounts=accounts, report=report))

    def get_context_data(self, **kwargs):
        report = kwargs.get("report")
        query = f"?account={report.account.code}&month={report.year}-{report.month:02d}" if report else ""
        return super().get_context_data(
            csv_url=reverse("finance_bank_reconciliation_export", args=("csv",)) + query,
            xlsx_url=reverse("finance_bank_reconciliation_export", args=("xlsx",)) + query,
            unmatched_gifts=list(unmatched_offline_gifts()[:200]),
            unmatched_days=unmatched_days(),
            **kwargs,
        )
