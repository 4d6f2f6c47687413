"""``manage.py export_records``: the admin's exports for automation — same rows, same neutralising, always masked."""

from __future__ import annotations

import csv
from datetime import timedelta

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from wagtail.models import ModelLogEntry

from bulk.exports.audit import EXPORT_REVEAL_ACTION
from projects.sensitive import decrypt
from tests.bulk.export_data import HYPERLINK, as_dicts, gift, hostile_beneficiary, hostile_gifts, unsafe_cells
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(db):
    return ProjectFactory(code="XT100", name="血透100")


def read_csv(path) -> list[list[str]]:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("\ufeff")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_csv_of_gifts_is_safe_and_counts_its_rows(tmp_path, project, capsys):
    hostile_gifts(project)
    target = tmp_path / "gifts.csv"
    call_command("export_records", "donations", str(target))
    rows = read_csv(target)
    assert len(rows) == 3 and unsafe_cells(rows) == []
    assert "'" + HYPERLINK in {cell for row in rows for cell in row}
    assert "已导出捐赠 2 行" in capsys.readouterr().out


def test_beneficiaries_are_masked_in_a_command_export(tmp_path):
    person = hostile_beneficiary(5)
    target = tmp_path / "people.XLSX"  # the extension decides the format, in any case
    call_command("export_records", "beneficiaries", str(target))
    sheet = openpyxl.load_workbook(target).worksheets[0]
    rows = as_dicts([list(r) for r in sheet.iter_rows(values_only=True)])
    assert rows[0]["姓名"] == "欧**娜" and rows[0]["身份证号"] == person.id_number_masked
    assert "备注" not in rows[0]
    flat = {c for row in sheet.iter_rows(values_only=True) for c in row}
    assert decrypt(person.id_number_encrypted) not in flat and "欧阳娜娜" not in flat
    assert not ModelLogEntry.objects.filter(action=EXPORT_REVEAL_ACTION).exists()


def test_dates_and_project_filter_the_rows(tmp_path, project):
    recent = gift(project, days_ago=2)
    gift(project, days_ago=30)
    gift(ProjectFactory(code="AX200"), days_ago=2)
    today = timezone.localdate()
    target = tmp_path / "recent.csv"
    dates = ["--from", (today - timedelta(days=7)).isoformat(), "--to", today.isoformat()]
    call_command("export_records", "donations", str(target), *dates, "--project", "XT100")
    assert [r["回执编号"] for r in as_dicts(read_csv(target))] == [recent.receipt_serial]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["donations", "out.pdf"], "无法识别文件格式"),
        (["donations", "out"], "无法识别文件格式"),
        (["donations", "out.csv", "--from", "2026-05-02", "--to", "2026-05-01"], "开始日期不能晚于结束日期"),
        (["donations", "out.csv", "--from", "2026-02-30"], "日期"),
        (["donations", "out.csv", "--project", "NOPE"], "没有项目代码为 NOPE 的项目"),
        (["beneficiaries", "out.csv", "--project", "XT100"], "不按项目筛选"),
    ],
)
def test_bad_arguments_write_nothing(tmp_path, monkeypatch, project, args, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CommandError, match=message):
        call_command("export_records", *args)
    assert list(tmp_path.iterdir()) == []
