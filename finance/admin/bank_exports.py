"""银行存款余额调节表 as CSV/XLSX, through bulk's formula-safe writers (a 摘要 such as ``=1+1`` leaves as ``'=1+1``).
The rows come from ``finance.selectors.bank.reconciliation``; no counterparty name or account is in them."""

from __future__ import annotations

from types import SimpleNamespace

from django.http import FileResponse, StreamingHttpResponse
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from import_export.fields import Field

from bulk.exports.base import AmountWidget, DateWidget, ExportResource
from bulk.exports.books import Rows
from bulk.exports.writers import csv_stream, xlsx_tempfile
from finance.selectors.bank import Reconciliation

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class ReconciliationExportResource(ExportResource):
    title = "银行存款余额调节表"

    item = Field(attribute="item", column_name="项目")
    day = Field(attribute="day", column_name="日期", widget=DateWidget())
    reference = Field(attribute="reference", column_name="流水号/交易")
    description = Field(attribute="description", column_name="摘要")
    amount = Field(attribute="amount", column_name="金额(元)", widget=AmountWidget())

    def report_rows(self, report: Reconciliation) -> Rows:
        def row(item, amount=None, day=None, reference="", description=""):
            return SimpleNamespace(item=item, day=day, reference=reference, description=description, amount=amount)

        rows = [
            row(f"科目 {report.account.code} {report.account.name} {report.month_end:%Y-%m-%d}"),
            row("银行对账单余额", report.bank_balance),
        ]
        groups = [
            ("加:企业已收、银行未收", report.book_received),
            ("减:企业已付、银行未付", report.book_paid),
        ]
        for title, items in groups:
            rows.append(row(title, report.total(items)))
            rows.extend(row("", i.amount, i.day, i.reference, i.description) for i in items)
        rows.append(row("调节后的银行对账单余额", report.bank_adjusted))
        rows.append(row("企业银行存款日记账余额", report.book_balance))
        for title, items in (
            ("加:银行已收、企业未收", report.bank_received),
            ("减:银行已付、企业未付", report.bank_paid),
        ):
            rows.append(row(title, report.total(items)))
            rows.extend(row("", i.amount, i.day, i.reference, i.description) for i in items)
        rows.append(row("调节后的企业账面余额", report.book_adjusted))
        rows.append(row(report.verdict, report.difference))
        return Rows(rows)


def reconciliation_download(report: Reconciliation, fmt: str):
    resource = ReconciliationExportResource()
    rows = resource.report_rows(report)
    filename = f"银行存款余额调节表-{report.account.code}-{report.year}{report.month:02d}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(csv_stream(resource, rows), content_type=CONTENT_TYPES["csv"])
        response["Content-Disposition"] = content_disposition_header(True, filename)
    else:
        spool, _count = xlsx_tempfile(resource, rows)
        response = FileResponse(spool, as_attachment=True, filename=filename, content_type=CONTENT_TYPES["xlsx"])
    patch_cache_control(response, private=True, no_store=True)
    return response
