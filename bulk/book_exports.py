"""Downloads of the ledger's books (``ledger.admin.books`` links to them): /admin/books/trial-balance.<csv|xlsx>
and /admin/books/ledger/<code>.<csv|xlsx>, for ``ledger.view_account`` (财务, 审计), with the screens' date range.
Registered by ``bulk/wagtail_hooks.py``; the ledger cannot import bulk, bulk may import the ledger."""

from __future__ import annotations

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import re_path
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from bulk.exports.books import GeneralLedgerExportResource, TrialBalanceExportResource
from bulk.exports.writers import csv_stream, xlsx_tempfile
from bulk.views import refuse
from ledger.admin.books import PERMISSION, PeriodForm
from ledger.models import Account
from ledger.selectors.books import general_ledger, general_ledger_lines, trial_balance

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _period(request):
    form = PeriodForm(request.GET)
    return form.period(), form


@require_GET
def trial_balance_download(request, fmt: str):
    if not request.user.has_perm(PERMISSION):
        return refuse(request, "没有查看账簿的权限。")
    period, form = _period(request)
    if period is None:
        return HttpResponse(" ".join(e for errors in form.errors.values() for e in errors), status=400)
    resource = TrialBalanceExportResource()
    rows = resource.report_rows(trial_balance(**period, include_empty=request.GET.get("all") == "1"))
    return _response(resource, rows, fmt, f"科目余额表-{period['date_from']:%Y%m%d}-{period['date_to']:%Y%m%d}")


@require_GET
def general_ledger_download(request, code: str, fmt: str):
    if not request.user.has_perm(PERMISSION):
        return refuse(request, "没有查看账簿的权限。")
    account = get_object_or_404(Account, code=code)
    period, form = _period(request)
    if period is None:
        return HttpResponse(" ".join(e for errors in form.errors.values() for e in errors), status=400)
    resource = GeneralLedgerExportResource()
    book = general_ledger(account=account, **period, page=None)  # the opening and the period's sums
    rows = resource.book_rows(book, general_ledger_lines(account=account, **period))
    name = f"明细账-{account.code}-{period['date_from']:%Y%m%d}-{period['date_to']:%Y%m%d}"
    return _response(resource, rows, fmt, name)


def _response(resource, rows, fmt: str, stem: str):
    filename = f"{stem}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(csv_stream(resource, rows), content_type=CONTENT_TYPES["csv"])
        response["Content-Disposition"] = content_disposition_header(True, filename)
    else:
        spool, _count = xlsx_tempfile(resource, rows)
        response = FileResponse(spool, as_attachment=True, filename=filename, content_type=CONTENT_TYPES["xlsx"])
    patch_cache_control(response, private=True, no_store=True)
    return response


urlpatterns = [
    re_path(
        r"^books/trial-balance\.(?P<fmt>csv|xlsx)$", trial_balance_download, name="ledger_books_trial_balance_export"
    ),
    re_path(
        r"^books/ledger/(?P<code>[^/]+)\.(?P<fmt>csv|xlsx)$",
        general_ledger_download,
        name="ledger_books_general_ledger_export",
    ),
]
