"""项目登记导入: registered people into open projects; (person, project, start) identifies an enrolment; overlaps
with the record or within the file are refused, naming the line."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bulk.engine import import_run
from bulk.importers import importer_for
from bulk.importers.enrolments import EnrolmentImporter
from projects.models import Enrolment, StandardUnit, Status
from projects.services import enrolment_create
from projects.services.beneficiaries import beneficiaries_register_bulk, enrolments_create_bulk
from tests.bulk.conftest import written_table
from tests.factories import ProjectFactory, beneficiary_data, id_number, staff_user

pytestmark = pytest.mark.django_db

HEADERS = ["身份证号", "项目编号", "资助标准(元)", "标准单位", "年度上限(元)", "开始日期", "结束日期"]


@pytest.fixture
def orphans(db):
    return ProjectFactory(code="GY-ORPHAN", name="福彩圆梦·孤儿助学")


@pytest.fixture
def people(db):
    """Persons 1–5, registered."""
    return beneficiaries_register_bulk(data=[beneficiary_data(n) for n in range(1, 6)])


def table(tmp_path, rows, fmt="xlsx"):
    return written_table(tmp_path, HEADERS, rows, fmt, "enrolments")


def ident(n: int) -> str:
    return beneficiary_data(n).id_number


def run(data, user, *, dry_run):
    return import_run(EnrolmentImporter(user=user), data, dry_run=dry_run)


def actions(result):
    return [plan.action.value for plan in result.rows]


@pytest.mark.parametrize("fmt", ["xlsx", "utf8", "gbk"])
def test_new_enrolments_preview_then_import_then_reimport_skips(tmp_path, officer, orphans, people, fmt):
    rows = [
        [ident(1), "gy-orphan", "3000", "每学年/每年", "6000", "2025-09-01", "2026-07-31"],
        [ident(2), "GY-ORPHAN", "500.5", "每月", "", "2025/9/1", ""],
        [ident(1), "GY-ORPHAN", "3000", "每年", "", "2026-09-01", ""],  # the next school year: no overlap
    ]
    data = table(tmp_path, rows, fmt)

    preview = run(data, officer, dry_run=True)
    assert actions(preview) == ["new", "new", "new"], preview.error_messages()
    assert preview.rows[1].note == "新登记:张*2 → GY-ORPHAN,500.50 元(每月),2025-09-01 起"
    assert Enrolment.objects.count() == 0

    result = run(data, officer, dry_run=False)
    assert result.imported
    first = Enrolment.objects.get(beneficiary=people[0], start_date=date(2025, 9, 1))
    assert (first.project, first.standard_amount, first.standard_unit, first.yearly_cap, first.end_date) == (
        orphans,
        Decimal("3000.00"),
        StandardUnit.PER_YEAR,
        Decimal("6000.00"),
        date(2026, 7, 31),
    )
    assert first.created_by == officer
    monthly = Enrolment.objects.get(beneficiary=people[1])
    assert (monthly.standard_amount, monthly.standard_unit, monthly.yearly_cap, monthly.end_date) == (
        Decimal("500.50"),
        StandardUnit.PER_MONTH,
        None,
        None,
    )

    again = run(data, officer, dry_run=False)
    assert actions(again) == ["skip", "skip", "skip"]
    assert again.rows[0].note == "已登记:张*1 → GY-ORPHAN,3000.00 元(每学年/每年),2025-09-01 至 2026-07-31"
    assert Enrolment.objects.count() == 3


def test_an_enrolment_on_record_with_the_same_start_is_skipped_not_changed(tmp_path, officer, orphans, people):
    enrolment_create(
        beneficiary=people[0],
        project=orphans,
        standard_amount=Decimal("2000"),
        standard_unit=StandardUnit.PER_YEAR,
        start_date=date(2025, 9, 1),
    )
    result = run(
        table(tmp_path, [[ident(1), "GY-ORPHAN", "3000", "每年", "", "2025-09-01", ""]]), officer, dry_run=False
    )
    assert actions(result) == ["skip"]
    assert result.rows[0].note.endswith("(与本行不同,未修改)")
    assert Enrolment.objects.get().standard_amount == Decimal("2000.00")


def test_bad_rows_name_line_and_column_and_nothing_is_written(tmp_path, officer, orphans, people):
    ProjectFactory(code="CLOSED-1", status=Status.CLOSED)
    enrolment_create(
        beneficiary=people[2],
        project=orphans,
        standard_amount=Decimal("300"),
        standard_unit=StandardUnit.PER_MONTH,
        start_date=date(2025, 1, 1),
    )
    unknown = id_number(999, born="19900101")
    rows = [
        [ident(1), "GY-ORPHAN", "3000", "每年", "", "2025-09-01", "2026-08-31"],  # fine on its own
        [unknown, "GY-ORPHAN", "3000", "每年", "", "2025-09-01", ""],
        [ident(2), "NOPE", "3000", "每年", "", "2025-09-01", ""],
        [ident(2), "CLOSED-1", "3000", "每年", "", "2025-09-01", ""],
        [ident(3), "GY-ORPHAN", "300", "每月", "", "2025-06-01", ""],  # overlaps the open enrolment on record
        [ident(1), "GY-ORPHAN", "3000", "每年", "", "2026-03-01", ""],  # overlaps line 2
        [ident(4), "GY-ORPHAN", "3000", "每年", "", "2025-09-01", "2025-08-31"],
        [ident(4), "GY-ORPHAN", "-5", "每年", "", "2026-09-01", ""],
        [ident(4), "GY-ORPHAN", "5", "每周", "", "2027-09-01", ""],
        [ident(5), "GY-ORPHAN", "5", "每年", "", "2025-02-30", ""],
        [ident(1), "GY-ORPHAN", "1", "每年", "", "2025-09-01", ""],  # the same person, project and start as line 2
    ]
    before = Enrolment.objects.count()

    result = run(table(tmp_path, rows), officer, dry_run=False)

    assert not result.imported
    assert Enrolment.objects.count() == before
    assert actions(result) == ["new"] + ["error"] * 10
    assert result.error_messages() == [
        "第 3 行「身份证号」:该身份证号未登记为受助人,请先导入受助人。",
        "第 4 行「项目编号」:项目编号 NOPE 不存在。",
        "第 5 行「项目编号」:项目已结项,不能再登记救助对象。",
        "第 6 行「开始日期」:该受助人在本项目已有时间重叠的登记。",
        "第 7 行「开始日期」:与第 2 行(同一受助人、同一项目)的登记时间重叠。",
        "第 8 行「结束日期」:结束日期不能早于开始日期。",
        "第 9 行「资助标准(元)」:必须大于 0。",
        "第 10 行「标准单位」:「每周」不是可选值,应为:每学年/每年、每次、每月、一次性。",
        "第 11 行「开始日期」:「2025-02-30」不是有效日期。",
        "第 12 行:与第 2 行重复:同一受助人、同一项目、同一开始日期",
    ]
    shown = " ".join([*result.error_messages(), *(plan.note for plan in result.rows)])
    assert all(number not in shown for number in [unknown, *(ident(n) for n in range(1, 6))])


def _planning_queries(tmp_path, officer, n: int) -> int:
    base = 100 + n * 2
    people = beneficiaries_register_bulk(data=[beneficiary_data(base + i) for i in range(n)])
    project = ProjectFactory(code=f"BATCH-{n}")
    for person in people[: n // 2]:  # half already enrolled: their rows are skipped
        enrolment_create(
            beneficiary=person,
            project=project,
            standard_amount=Decimal("100"),
            standard_unit=StandardUnit.PER_MONTH,
            start_date=date(2025, 1, 1),
        )
    rows = [[ident(base + i), project.code, "100", "每月", "", "2025-01-01", ""] for i in range(n)]
    data = table(tmp_path, rows)
    with CaptureQueriesContext(connection) as queries:
        result = run(data, officer, dry_run=True)
    assert sorted(set(actions(result))) == ["new", "skip"], result.error_messages()[:3]
    return len(queries)


def test_planning_queries_do_not_grow_with_rows(tmp_path, officer):
    ten, hundred = _planning_queries(tmp_path, officer, 10), _planning_queries(tmp_path, officer, 100)
    assert ten == hundred <= 3


def test_registered_for_project_officers():
    assert importer_for("enrolments") is EnrolmentImporter
    assert staff_user("guanyuan2", "项目官员").has_perm(EnrolmentImporter.permission)
    assert not staff_user("caiwu", "财务").has_perm(EnrolmentImporter.permission)


def test_the_bulk_service_checks_each_enrolment_against_the_record_and_the_list(orphans, people):
    def enrolment(person, start, end=None):
        return Enrolment(
            beneficiary=person,
            project=orphans,
            standard_amount=Decimal("100"),
            standard_unit=StandardUnit.PER_MONTH,
            start_date=start,
            end_date=end,
        )

    enrolments_create_bulk(enrolments=[enrolment(people[0], date(2025, 1, 1), date(2025, 6, 30))])
    for batch in (
        [enrolment(people[1], date(2025, 1, 1)), enrolment(people[0], date(2025, 6, 1))],  # the record
        [enrolment(people[1], date(2025, 1, 1)), enrolment(people[1], date(2025, 3, 1))],  # the list
    ):
        with pytest.raises(ValidationError, match="张\\*2|张\\*1"):
            enrolments_create_bulk(enrolments=batch)
    assert Enrolment.objects.count() == 1
    enrolments_create_bulk(enrolments=[enrolment(people[0], date(2025, 7, 1)), enrolment(people[1], date(2025, 1, 1))])
    assert Enrolment.objects.count() == 3
