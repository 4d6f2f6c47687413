"""Records for the export tests, made through the services (so gifts and payments are in the ledger), with text
that a spreadsheet would run as a formula if the export let it through."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal
from itertools import count

import openpyxl
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

from bulk.safety import is_unsafe
from donations.models import Channel, Donor, ValuationBasis
from donations.services import OfflineGift, donation_record_offline
from projects.services import beneficiary_register
from tests.factories import beneficiary_data

HYPERLINK = '=HYPERLINK("http://x","y")'
PLUS = "+1"
MINUS = "-1+1"
AT = "@SUM(A1:A2)"
TAB = "\t=1"
CR = "\r=1"
NUMBER = re.compile(r"-?\d+(\.\d+)?")
_references = count(1)


def gift(project, amount="100.00", *, days_ago=10, channel=Channel.BANK, donor=None, **fields):
    if channel == Channel.BANK:
        fields.setdefault("bank_reference", f"EXPORT-{next(_references):05d}")
    return donation_record_offline(
        gift=OfflineGift(
            project=project,
            channel=channel,
            amount=Decimal(amount),
            received_at=timezone.now() - timedelta(days=days_ago),
            donor=donor,
            **fields,
        )
    )


def hostile_gifts(project):
    """A bank gift and an in-kind gift whose every free-text field is a formula."""
    donor = Donor.objects.create(name=HYPERLINK)
    bank = gift(project, "100.00", donor=donor, display_name=HYPERLINK, message=PLUS, bank_reference=MINUS)
    goods = gift(
        project,
        "250.00",
        channel=Channel.IN_KIND,
        display_name=AT,
        message=TAB,
        in_kind_description=AT,
        in_kind_quantity=Decimal("3.00"),
        in_kind_unit=MINUS,
        valuation_basis=ValuationBasis.INVOICE,
    )
    return bank, goods


def hostile_beneficiary(n=1, **overrides):
    values = {
        "name": "欧阳娜娜",
        "notes": HYPERLINK,
        "town": MINUS,
        "village": CR,
        "bank_name": TAB,
        "guardian_relation": AT,
        "district": PLUS,
    }
    return beneficiary_register(data=beneficiary_data(n, **{**values, **overrides}))


def csv_table(response) -> list[list[str]]:
    assert type(response) is StreamingHttpResponse, "a CSV export streams"
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff"), "a byte-order mark, so that Excel reads UTF-8"
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def xlsx_table(response) -> list[list]:
    assert isinstance(response, FileResponse)
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.worksheets[0]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row), "no formula cells"
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def table(response, fmt: str) -> list[list]:
    return csv_table(response) if fmt == "csv" else xlsx_table(response)


def unsafe_cells(rows: list[list]) -> list:
    """Text cells a spreadsheet could evaluate (a plain number such as -1.00 is a number, not a formula)."""
    cells = [cell for row in rows for cell in row if isinstance(cell, str)]
    return [cell for cell in cells if is_unsafe(cell) and not NUMBER.fullmatch(cell)]


def as_dicts(rows: list[list]) -> list[dict]:
    header, *body = rows
    return [dict(zip(header, row, strict=True)) for row in body]


# -- downloads through the admin -----------------------------------------------------------------------------------

REASON = "2026年度审计抽查"
ALL_FIELDS = ["id_number", "phone", "bank_account", "guardian_phone", "village"]


def export(client, user, kind, fmt, **params):
    """The plain download (a GET): masked, whoever asks."""
    client.force_login(user)
    return client.get(f"/admin/exports/{kind}.{fmt}", params)


def export_full(client, user, kind, fmt, *, reason=REASON, fields=None, **params):
    """导出完整信息 (a POST): ``fields`` defaults to every field of the export (the 拨付 export has the ID number)."""
    client.force_login(user)
    if fields is None:
        fields = ["id_number"] if kind == "disbursements" else ALL_FIELDS
    return client.post(f"/admin/exports/{kind}.{fmt}", {**params, "reason": reason, "fields_to_reveal": fields})


def reveal_logs():
    """The audit entries of revealing exports (``bulk.export_reveal``)."""
    from wagtail.models import ModelLogEntry

    from bulk.exports.audit import EXPORT_REVEAL_ACTION

    return ModelLogEntry.objects.filter(action=EXPORT_REVEAL_ACTION)
