"""捐赠人导入: previewed, all-or-nothing, idempotent; donors identified by credit code, phone or e-mail hash."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bulk.engine import import_run
from bulk.importers import importer_for
from bulk.importers.donors import DonorImporter
from donations.models import Donor, DonorKind
from donations.services.donors import donors_save_bulk
from donations.validators import credit_code_check_char
from projects.sensitive import keyed_hash
from tests.bulk.conftest import written_table
from tests.factories import staff_user

pytestmark = pytest.mark.django_db

HEADERS = ["类型", "姓名/单位名称", "统一社会信用代码", "手机号", "电子邮箱", "同意公开姓名"]


def credit_code(n: int) -> str:
    first17 = f"91370303MA{n:07d}"
    return first17 + credit_code_check_char(first17)


def table(tmp_path, rows, fmt="xlsx", headers=HEADERS):
    return written_table(tmp_path, headers, rows, fmt, "donors")


def run(data, *, dry_run):
    return import_run(DonorImporter(user=None), data, dry_run=dry_run)  # donors record no importing user


def actions(result):
    return [row.action.value for row in result.rows]


@pytest.mark.parametrize("fmt", ["xlsx", "utf8", "gbk"])
def test_new_donors_preview_then_import_then_reimport_skips(tmp_path, fmt):
    rows = [
        ["个人", "王小明", "", "138-0000-0001", "", "是"],
        ["个人", "", "", "", "Li@Example.com", ""],
        ["单位", "淄博爱心商贸有限公司", credit_code(1).lower(), "", "", "否"],
    ]
    data = table(tmp_path, rows, fmt)

    preview = run(data, dry_run=True)
    assert actions(preview) == ["new", "new", "new"]
    assert not preview.has_errors
    assert Donor.objects.count() == 0  # the preview writes nothing

    result = run(data, dry_run=False)
    assert result.imported and result.counts["new"] == 3
    person = Donor.objects.get(phone_hash=keyed_hash("phone", "13800000001"))
    assert (person.kind, person.name, person.phone, person.show_name_publicly) == (
        DonorKind.INDIVIDUAL,
        "王小明",
        "13800000001",
        True,
    )
    by_email = Donor.objects.get(email_hash=keyed_hash("email", "li@example.com"))
    assert (by_email.email, by_email.show_name_publicly) == ("Li@Example.com", False)
    company = Donor.objects.get(credit_code=credit_code(1))
    assert (company.kind, company.name) == (DonorKind.ORGANISATION, "淄博爱心商贸有限公司")
    assert result.rows[2].note == f"已登记:捐赠人编号 {company.pk}"

    again = run(data, dry_run=False)
    assert actions(again) == ["skip", "skip", "skip"]
    assert Donor.objects.count() == 3


def test_updates_change_only_what_the_row_says_and_blank_cells_keep_values(tmp_path):
    known = Donor.objects.create(name="王五", phone="13900000005", email="", show_name_publicly=False)
    company = Donor.objects.create(
        kind=DonorKind.ORGANISATION, name="旧名称有限公司", credit_code=credit_code(2), email="a@corp.cn"
    )
    by_email = Donor.objects.create(name="赵六", email="zhao@example.com")
    same = Donor.objects.create(name="孙七", phone="13900000007", show_name_publicly=True)
    rows = [
        ["个人", "", "", "13900000005", "wang@example.com", "是"],  # blank name: keeps 王五
        ["单位", "新名称有限公司", credit_code(2), "", "", ""],  # blank e-mail and consent: kept
        ["个人", "赵六", "", "13900000006", "ZHAO@example.com", ""],  # found by e-mail, gets a phone
        ["个人", "孙七", "", "13900000007", "", "是"],
    ]
    data = table(tmp_path, rows)

    preview = run(data, dry_run=True)
    assert actions(preview) == ["update", "update", "update", "skip"]
    assert preview.rows[0].note == f"捐赠人编号 {known.pk}:更新电子邮箱、同意公开姓名"
    assert preview.rows[1].note == f"捐赠人编号 {company.pk}:更新姓名/单位名称"
    assert preview.rows[2].note == f"捐赠人编号 {by_email.pk}:更新手机号"
    known.refresh_from_db()
    assert (known.email, known.show_name_publicly) == ("", False)  # the preview changed nothing

    assert run(data, dry_run=False).imported
    known.refresh_from_db()
    assert (known.name, known.phone, known.email, known.show_name_publicly) == (
        "王五",
        "13900000005",
        "wang@example.com",
        True,
    )
    assert known.email_hash == keyed_hash("email", "wang@example.com")
    company.refresh_from_db()
    assert (company.name, company.email, company.show_name_publicly) == ("新名称有限公司", "a@corp.cn", False)
    by_email.refresh_from_db()
    assert (by_email.phone, by_email.email, by_email.phone_hash) == (
        "13900000006",
        "zhao@example.com",
        keyed_hash("phone", "13900000006"),
    )
    same.refresh_from_db()
    assert (same.name, same.show_name_publicly) == ("孙七", True)
    assert Donor.objects.count() == 4
    assert actions(run(data, dry_run=False)) == ["skip"] * 4


def test_bad_rows_name_line_and_column_and_nothing_is_written(tmp_path):
    Donor.objects.create(name="钱八", phone="13900000008", email="qian@example.com")
    rows = [
        ["个人", "张三", "", "13800000001", "", "是"],  # fine on its own
        ["个人", "李四", "", "", "", "否"],  # nothing identifies the person
        ["单位", "某公司", "", "", "", ""],  # no credit code
        ["个人", "王五", credit_code(3), "13800000003", "", ""],  # a person with a credit code
        ["单位", "某公司", credit_code(4)[:17] + "0", "", "", ""],  # wrong check character
        ["个人", "", "", "12345", "", ""],
        ["个人", "", "", "", "not-an-email", ""],
        ["个人", "", "", "", "", "也许"],
        ["企业", "", "", "13800000001", "", ""],  # the same phone as line 2
        ["团体", "x", "", "13800000009", "", ""],
        ["个人", "钱八", "", "13800000010", "qian@example.com", ""],  # e-mail on record with another phone
        ["单位", "", credit_code(5), "", "", ""],  # an organisation without a name
    ]
    data = table(tmp_path, rows)
    before = Donor.objects.count()

    result = run(data, dry_run=False)

    assert not result.imported
    assert Donor.objects.count() == before
    assert actions(result) == ["new"] + ["error"] * 11
    messages = result.error_messages()
    expected = [
        "第 3 行「手机号」:个人捐赠人请至少填写手机号或电子邮箱之一",
        "第 4 行「统一社会信用代码」:单位捐赠人请填写统一社会信用代码",
        "第 5 行「统一社会信用代码」:只有单位捐赠人才填写统一社会信用代码",
        "第 6 行「统一社会信用代码」:统一社会信用代码校验位不正确",
        "第 7 行「手机号」:请输入 11 位手机号码",
        "第 8 行「电子邮箱」:电子邮箱格式不正确",
        "第 9 行「同意公开姓名」:「也许」应填「是」或「否」",
        "第 10 行:与第 2 行重复:手机号相同",
        "第 11 行「类型」:「团体」不是可选值,应为:个人、单位",
        "第 12 行「手机号」:该电子邮箱已登记在捐赠人编号",
        "第 13 行「姓名/单位名称」:单位捐赠人必须填写单位名称",
    ]
    for line, message in zip(expected, messages, strict=True):
        assert message.startswith(line), (line, message)


def test_a_person_and_an_organisation_cannot_share_an_identity(tmp_path):
    company = Donor.objects.create(kind=DonorKind.ORGANISATION, name="某公司", phone="13700000001")
    data = table(tmp_path, [["个人", "张三", "", "13700000001", "", ""]])
    result = run(data, dry_run=True)
    assert result.error_messages() == [
        f"第 2 行「手机号」:该手机号已登记为单位捐赠人(编号 {company.pk}),与本行的类型不一致。"
    ]


def test_two_rows_naming_the_same_known_donor_are_refused(tmp_path):
    known = Donor.objects.create(name="周九", email="zhou@example.com")
    rows = [["个人", "", "", "13600000001", "zhou@example.com", ""], ["个人", "", "", "", "zhou@example.com", ""]]
    result = run(table(tmp_path, rows), dry_run=True)
    assert actions(result) == ["update", "error"]
    assert result.error_messages() == ["第 3 行「电子邮箱」:与第 2 行的电子邮箱相同,同一邮箱只能对应一位捐赠人。"]
    assert known.pk  # still the only one
    assert Donor.objects.count() == 1


def _planning_queries(tmp_path, n: int) -> int:
    for i in range(n // 2):  # half the rows are donors on record: update and skip paths are planned too
        Donor.objects.create(name=f"旧{n}-{i}", phone=f"135{n:04d}{i:04d}", email=f"d{n}-{i}@example.com")
    rows = []
    for i in range(n):
        if i % 3 == 0:
            rows.append(["个人", f"新{i}", "", f"135{n:04d}{i:04d}", "", "是"])
        elif i % 3 == 1:
            rows.append(["个人", "", "", "", f"d{n}-{i}@example.com", ""])
        else:
            rows.append(["单位", f"公司{i}", credit_code(n * 1000 + i), "", "", ""])
    data = table(tmp_path, rows)
    with CaptureQueriesContext(connection) as queries:
        result = run(data, dry_run=True)
    assert not result.has_errors, result.error_messages()[:3]
    return len(queries)


def test_planning_queries_do_not_grow_with_rows(tmp_path):
    ten, hundred = _planning_queries(tmp_path, 10), _planning_queries(tmp_path, 100)
    assert ten == hundred <= 5


def test_registered_under_its_kind_for_finance_staff():
    assert importer_for("donors") is DonorImporter
    assert staff_user("caiwu", "财务").has_perm(DonorImporter.permission)
    assert not staff_user("guanyuan", "项目官员").has_perm(DonorImporter.permission)


def test_the_bulk_save_service_checks_every_donor_before_writing_any():
    known = Donor.objects.create(name="吴十", phone="13300000001")
    known.email = "wu@example.com"
    with pytest.raises(ValidationError, match="单位捐赠人必须填写单位名称"):
        donors_save_bulk(new=[Donor(kind=DonorKind.ORGANISATION, credit_code=credit_code(9))], changed=[known])
    known.refresh_from_db()
    assert (known.email, Donor.objects.count()) == ("", 1)
