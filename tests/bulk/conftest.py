"""Shared fixtures for the bulk import/export tests: spreadsheet writers, a project to import into, staff, a
counter of every row the import could write (to prove "nothing was written"), and a one-call import runner.

Fixtures (all function-scoped):
- ``write_csv(rows, path="data.csv", encoding="utf-8")`` → Path: rows are lists of cells (the first is usually
  the header row); a relative path lands in ``tmp_path``; ``encoding="utf-8-sig"`` writes Excel's BOM,
  ``"gbk"``/``"gb18030"`` what Chinese Excel saves. ``None`` cells are written empty.
- ``write_xlsx(rows, path="data.xlsx", sheet="Sheet1")`` → Path, written with openpyxl (cells keep their Python
  types: str, int, float, Decimal, date, datetime, None).
- ``project`` (XT100 血透100, fundraising) and ``closed_project`` (OLD01, 已结项).
- ``finance``: a staff user in group 财务 (may import gifts).
- ``db_counts()`` → {model label: row count} for every model of donations, ledger and projects; compare two
  snapshots to assert nothing was written. ``assert_unchanged(before)`` does that with a readable diff.
- ``run_import(kind, path, *, dry_run=False, user=None, name="")`` → ImportResult: ``table_read`` then
  ``import_run`` with the registered importer, as the admin and the command do.

Plain helpers (import from ``tests.bulk.conftest``): ``GIFT_HEADERS``, ``gift_row(**overrides)`` → a list of
cells in ``GIFT_HEADERS`` order for one valid offline gift (bank transfer by default), ``gift_sheet(*rows)`` →
[GIFT_HEADERS, *rows].
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from django.apps import apps

from bulk.importers.gifts import GiftImporter
from projects.models import Status
from tests.factories import ProjectFactory

GIFT_HEADERS = [column.column_name for column in GiftImporter().columns()]

_GIFT_DEFAULTS = {
    "项目编号": "XT100",
    "捐赠方式": "银行转账",
    "金额(元)": "100.00",
    "到账日期": "2025-03-01",
    "银行流水号": "BK0001",
    "付款人": "张三",
    "统一社会信用代码": "",
    "手机号": "",
    "公开署名": "",
    "附言": "",
    "物资名称": "",
    "数量": "",
    "单位": "",
    "估值依据": "",
    "凭证号": "",
}


def gift_row(**overrides) -> list[object]:
    """One valid offline-gift row in ``GIFT_HEADERS`` order; override cells by header, e.g.
    ``gift_row(**{"金额(元)": "-5", "银行流水号": "BK9"})``."""
    unknown = set(overrides) - set(_GIFT_DEFAULTS)
    assert not unknown, f"not a gift header: {unknown}"
    values = {**_GIFT_DEFAULTS, **overrides}
    return [values[header] for header in GIFT_HEADERS]


def gift_sheet(*rows: list[object]) -> list[list[object]]:
    return [list(GIFT_HEADERS), *rows]


def _target(tmp_path: Path, path: Path | str) -> Path:
    path = Path(path)
    path = path if path.is_absolute() else tmp_path / path
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def written_table(tmp_path: Path, headers: list[str], rows, fmt: str = "xlsx", stem: str = "data"):
    """Write ``rows`` under ``headers`` as .xlsx (``fmt`` "xlsx"), UTF-8 CSV ("utf8") or GBK CSV ("gbk") and read it
    back as staff would upload it."""
    from openpyxl import Workbook

    from bulk.files import table_read

    path = tmp_path / f"{stem}-{fmt}.{'xlsx' if fmt == 'xlsx' else 'csv'}"
    if fmt == "xlsx":
        book = Workbook()
        for row in [headers, *rows]:
            book.active.append(row)
        book.save(path)
    else:
        with path.open("w", encoding="gbk" if fmt == "gbk" else "utf-8", newline="") as handle:
            csv.writer(handle).writerows([headers, *rows])
    return table_read(path)


@pytest.fixture
def write_csv(tmp_path):
    def write(rows, path: Path | str = "data.csv", encoding: str = "utf-8") -> Path:
        target = _target(tmp_path, path)
        with target.open("w", encoding=encoding, newline="") as handle:
            writer = csv.writer(handle)
            for row in rows:
                writer.writerow(["" if cell is None else cell for cell in row])
        return target

    return write


@pytest.fixture
def write_xlsx(tmp_path):
    def write(rows, path: Path | str = "data.xlsx", sheet: str = "Sheet1") -> Path:
        from openpyxl import Workbook

        target = _target(tmp_path, path)
        workbook = Workbook()
        worksheet = workbook.active
        worksheet.title = sheet
        for row in rows:
            worksheet.append(list(row))
        workbook.save(target)
        return target

    return write


@pytest.fixture
def project(db):
    return ProjectFactory(code="XT100", name="血透100", start_date=date(2024, 1, 1))


@pytest.fixture
def closed_project(db):
    return ProjectFactory(code="OLD01", name="已结项目", status=Status.CLOSED, start_date=date(2020, 1, 1))


def _counted_models():
    return [model for label in ("donations", "ledger", "projects") for model in apps.get_app_config(label).get_models()]


@pytest.fixture
def db_counts(db):
    def counts() -> dict[str, int]:
        return {model._meta.label: model._default_manager.count() for model in _counted_models()}

    return counts


@pytest.fixture
def assert_unchanged(db_counts):
    def check(before: dict[str, int]) -> None:
        after = db_counts()
        changed = {label: (before[label], after[label]) for label in before if before[label] != after[label]}
        assert not changed, f"rows written (before, after): {changed}"

    return check


@pytest.fixture
def run_import(db):
    from bulk.engine import import_run
    from bulk.files import table_read
    from bulk.importers import importer_for

    def run(kind: str, path: Path | str, *, dry_run: bool = False, user=None, name: str = ""):
        table = table_read(path, name=name)
        return import_run(importer_for(kind)(user=user), table, dry_run=dry_run)

    return run
