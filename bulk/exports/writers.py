"""Writing an export resource's rows as CSV (streamed) or XLSX (write-only workbook in a spooled temp file).

Memory stays flat however long the list: rows come from ``QuerySet.iterator(chunk_size=CHUNK)``, the resource
fetches per-chunk figures in bulk (``prepare_chunk``), the CSV is yielded chunk by chunk and the XLSX rows go
straight to openpyxl's write-only sheet, which spools them to disk. Every ``str`` cell, headers included, goes
through ``bulk.safety.neutralise``.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from itertools import islice
from typing import IO

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from bulk.safety import neutralise

from .base import ExportResource

CHUNK = 2000
BOM = "\ufeff"  # so Excel in a Chinese locale reads UTF-8, not GBK
SPOOL_BYTES = 8 * 1024 * 1024  # an XLSX up to this size never touches the disk
NUMBER_FORMATS = {Decimal: "0.00", datetime: "yyyy-mm-dd hh:mm:ss", date: "yyyy-mm-dd"}


def chunks(queryset: QuerySet, resource: ExportResource) -> Iterator[list]:
    """Lists of at most ``CHUNK`` objects, each prepared by the resource (its per-chunk queries run once)."""
    size = CHUNK
    objects = queryset.iterator(chunk_size=size)
    while chunk := list(islice(objects, size)):
        resource.prepare_chunk(chunk)
        yield chunk


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, int):  # numbers are numbers, never formulas (a negative one keeps its sign)
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(str(value))


def csv_chunks(resource: ExportResource, queryset: QuerySet) -> Iterator[list[list[str]]]:
    """The header row alone, then the rows chunk by chunk, every cell a safe string."""
    yield [[csv_cell(h) for h in resource.headers()]]
    for chunk in chunks(queryset, resource):
        yield [[csv_cell(v) for v in row] for row in resource.rows(chunk)]


def csv_stream(resource: ExportResource, queryset: QuerySet) -> Iterator[str]:
    """The CSV text (BOM, header, rows), one piece per chunk; ``StreamingHttpResponse`` encodes it as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out)
    out.write(BOM)
    for rows in csv_chunks(resource, queryset):
        writer.writerows(rows)
        yield out.getvalue()
        out.seek(0)
        out.truncate()


def csv_write(resource: ExportResource, queryset: QuerySet, target: IO[str]) -> int:
    """Write the CSV to a text file opened with ``newline=""``; returns the number of data rows."""
    writer = csv.writer(target)
    target.write(BOM)
    count = -1  # the header is not a data row
    for rows in csv_chunks(resource, queryset):
        writer.writerows(rows)
        count += len(rows)
    return count


def xlsx_cell(sheet, value):
    if isinstance(value, str):
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))  # openpyxl refuses control characters
    number_format = NUMBER_FORMATS.get(type(value))
    if number_format is None:
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format
    return cell


def xlsx_write(resource: ExportResource, queryset: QuerySet, target) -> int:
    """Write a one-sheet workbook (sheet named after the export) to a path or a binary file; returns the rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(resource.title)
    sheet.append([xlsx_cell(sheet, h) for h in resource.headers()])
    count = 0
    for chunk in chunks(queryset, resource):
        for row in resource.rows(chunk):
            sheet.append([xlsx_cell(sheet, v) for v in row])
            count += 1
    workbook.save(target)
    return count


def xlsx_tempfile(resource: ExportResource, queryset: QuerySet) -> tuple[IO[bytes], int]:
    """The workbook in a spooled temporary file, rewound, and its row count (the caller closes the file)."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # FileResponse closes it
    try:
        count = xlsx_write(resource, queryset, spool)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool, count
