"""受助人导入 (the civil-affairs bureau's roll): ID checksum, duplicates named by line, updates through the service
with sensitive values compared by keyed hash, and no full ID number in any message or note."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bulk.engine import import_run
from bulk.importers import importer_for
from bulk.importers.beneficiaries import BeneficiaryImporter
from projects import sensitive
from projects.models import Beneficiary, BeneficiaryCategory
from projects.services import beneficiary_register
from projects.services.beneficiaries import beneficiaries_register_bulk
from tests.bulk.conftest import written_table
from tests.factories import beneficiary_data, id_number, staff_user

pytestmark = pytest.mark.django_db

HEADERS = [
    "姓名",
    "身份证号",
    "救助类别",
    "区县",
    "镇街",
    "村(社区)",
    "联系电话",
    "开户行",
    "银行账号",
    "监护人姓名",
    "监护人关系",
    "监护人电话",
    "备注",
]


def table(tmp_path, rows, fmt="xlsx", headers=HEADERS):
    return written_table(tmp_path, headers, rows, fmt, "roll")


def row(n: int, **changes) -> list:
    """The roll's row for the n-th test person (the same data ``beneficiary_data(n)`` registers)."""
    data = beneficiary_data(n)
    values = {
        "姓名": data.name,
        "身份证号": data.id_number,
        "救助类别": BeneficiaryCategory(data.category).label,
        "区县": data.district,
        "镇街": data.town,
        "村(社区)": data.village,
        "联系电话": data.phone,
        "开户行": data.bank_name,
        "银行账号": data.bank_account,
        "监护人姓名": "",
        "监护人关系": "",
        "监护人电话": "",
        "备注": "",
    }
    values.update(changes)
    return [values[header] for header in HEADERS]


def ident(n: int) -> str:
    return beneficiary_data(n).id_number


def run(data, user, *, dry_run):
    return import_run(BeneficiaryImporter(user=user), data, dry_run=dry_run)


def actions(result):
    return [plan.action.value for plan in result.rows]


def assert_no_full_id_numbers(result, numbers):
    shown = " ".join([*result.error_messages(), *(plan.note for plan in result.rows)])
    for number in numbers:
        assert number not in shown
        assert number[:-1] not in shown  # not even without its check character


@pytest.mark.parametrize("fmt", ["xlsx", "utf8", "gbk"])
def test_new_people_preview_then_import_then_reimport_skips(tmp_path, officer, fmt):
    assert ident(11).endswith("X")
    child = {"姓名": "李小花", "救助类别": "留守儿童", "监护人姓名": "李大山", "监护人电话": "13700000003"}
    young = id_number(3, born="20150601")
    rows = [row(1), row(11, 身份证号=" " + ident(11).lower()), row(3, **child, 身份证号=young)]
    data = table(tmp_path, rows, fmt)

    preview = run(data, officer, dry_run=True)
    assert actions(preview) == ["new", "new", "new"], preview.error_messages()
    assert preview.rows[0].note == "新登记:张*1(孤儿,广安区)"
    assert Beneficiary.objects.count() == 0

    result = run(data, officer, dry_run=False)
    assert result.imported
    assert Beneficiary.objects.filter(id_number_hash=sensitive.keyed_hash("id_number", ident(11))).exists()
    child = Beneficiary.objects.get(id_number_hash=sensitive.keyed_hash("id_number", young))
    assert (child.name, child.category, child.guardian_name, child.created_by) == (
        "李小花",
        BeneficiaryCategory.CHILD_IN_DIFFICULTY,
        "李大山",
        officer,
    )
    assert sensitive.decrypt(child.guardian_phone_encrypted) == "13700000003"
    first = Beneficiary.objects.get(id_number_hash=sensitive.keyed_hash("id_number", ident(1)))
    assert first.phone_hash == sensitive.keyed_hash("phone", beneficiary_data(1).phone)
    assert first.id_number_masked == sensitive.mask("id_number", ident(1))
    assert result.rows[0].note == f"已登记:张*1,编号 {first.pk}"
    assert_no_full_id_numbers(result, [ident(1), ident(11), young])

    again = run(data, officer, dry_run=False)
    assert actions(again) == ["skip", "skip", "skip"]
    assert again.rows[0].note == f"已登记:张*1,编号 {first.pk},信息相同"
    assert Beneficiary.objects.count() == 3


def test_update_changes_exactly_the_cells_that_differ(tmp_path, officer):
    person = beneficiary_register(data=beneficiary_data(5, notes="老备注"))
    untouched = beneficiary_register(data=beneficiary_data(6))
    before = {f: getattr(person, f) for f in ("phone_encrypted", "bank_account_encrypted", "id_number_encrypted")}
    rows = [
        row(5, 联系电话="13811112222", 镇街="", 开户行="", 银行账号="", 备注="新备注"),  # blanks keep what is stored
        row(6),
    ]
    data = table(tmp_path, rows)

    preview = run(data, officer, dry_run=True)
    assert actions(preview) == ["update", "skip"]
    assert preview.rows[0].note == f"已登记:{person.masked_name},编号 {person.pk};更新备注、联系电话"
    assert preview.rows[1].note == f"已登记:{untouched.masked_name},编号 {untouched.pk},信息相同"
    person.refresh_from_db()
    assert person.notes == "老备注"

    assert run(data, officer, dry_run=False).imported
    person.refresh_from_db()
    assert person.notes == "新备注"
    assert person.phone_hash == sensitive.keyed_hash("phone", "13811112222")
    assert person.phone_masked == "138****2222"
    assert (person.town, person.bank_name) == ("浓洄街道", "农业银行")
    assert person.bank_account_encrypted == before["bank_account_encrypted"]  # unchanged: not even re-encrypted
    assert person.id_number_encrypted == before["id_number_encrypted"]
    assert person.bank_account_hash == sensitive.keyed_hash("bank_account", beneficiary_data(5).bank_account)
    assert Beneficiary.objects.count() == 2
    assert actions(run(data, officer, dry_run=False)) == ["skip", "skip"]


def test_bad_rows_name_line_and_column_nothing_written_and_no_id_numbers_shown(tmp_path, officer):
    registered = beneficiary_register(data=beneficiary_data(9))
    wrong_check = ident(10)[:-1] + ("0" if ident(10)[-1] != "0" else "1")
    minor = id_number(11, born="20180101")
    rows = [
        row(12),  # fine on its own
        row(10, 身份证号=wrong_check),
        row(13, 救助类别="贫困户"),
        row(14, 联系电话="12345"),
        row(11, 身份证号=minor),  # a minor without a guardian
        row(15, 姓名=""),
        row(12, 姓名="另一个人"),  # the same ID as line 2
        row(16, 银行账号="6228-abc"),
        row(9, 监护人电话="999"),  # a registered person, updated with a bad guardian phone
    ]
    data = table(tmp_path, rows)
    count = Beneficiary.objects.count()

    result = run(data, officer, dry_run=False)

    assert not result.imported
    assert Beneficiary.objects.count() == count
    assert actions(result) == ["new"] + ["error"] * 8
    assert result.error_messages() == [
        "第 3 行「身份证号」:身份证号校验位不正确,请核对。",
        "第 4 行「救助类别」:「贫困户」不是可选值,应为:" + "、".join(BeneficiaryCategory.labels) + "。",
        "第 5 行「联系电话」:手机号应为 11 位数字,以 1 开头。",
        "第 6 行「监护人姓名」:未成年受助人必须登记监护人。",
        "第 7 行「姓名」:必填,不能为空。",
        "第 8 行:与第 2 行重复:身份证号相同",
        "第 9 行「银行账号」:银行账号应为 8–30 位数字。",
        "第 10 行「监护人电话」:手机号应为 11 位数字,以 1 开头。",
    ]
    assert registered.guardian_phone_encrypted == ""
    assert_no_full_id_numbers(result, [ident(n) for n in (9, 12, 13, 14, 15, 16)] + [wrong_check, minor])


def test_an_id_number_excel_stored_as_a_number_is_refused(tmp_path, officer):
    data = table(tmp_path, [row(1, 身份证号=int(ident(1)[:-1] + "0")), row(2, 银行账号=6228000000000000002)])
    result = run(data, officer, dry_run=True)
    messages = result.error_messages()
    assert messages[0].startswith("第 2 行「身份证号」:Excel 把身份证号存成了数字")
    assert messages[1].startswith("第 3 行「银行账号」:Excel 把银行账号存成了数字")


def test_missing_required_column_stops_before_any_row(tmp_path, officer):
    data = table(tmp_path, [row(1)[:3]], headers=HEADERS[:3])
    result = run(data, officer, dry_run=True)
    assert result.file_errors == ["缺少必填列:区县。"]
    assert result.rows == []


def _planning_queries(tmp_path, officer, n: int) -> int:
    base = n * 10  # different people for each size
    beneficiaries_register_bulk(data=[beneficiary_data(base + i) for i in range(0, n, 2)])  # half on record
    rows = [row(base + i, 备注="更新" if i % 4 == 0 else "") for i in range(n)]
    data = table(tmp_path, rows)
    with CaptureQueriesContext(connection) as queries:
        result = run(data, officer, dry_run=True)
    assert sorted(set(actions(result))) == ["new", "skip", "update"], result.error_messages()[:3]
    return len(queries)


def test_planning_queries_do_not_grow_with_rows(tmp_path, officer):
    ten, hundred = _planning_queries(tmp_path, officer, 10), _planning_queries(tmp_path, officer, 100)
    assert ten == hundred <= 2


def test_registered_for_project_officers():
    assert importer_for("beneficiaries") is BeneficiaryImporter
    assert staff_user("guanyuan2", "项目官员").has_perm(BeneficiaryImporter.permission)
    assert not staff_user("caiwu", "财务").has_perm(BeneficiaryImporter.permission)


def test_the_bulk_register_service_refuses_a_registered_person_naming_them_masked():
    known = beneficiary_register(data=beneficiary_data(20))
    with pytest.raises(ValidationError) as refused:
        beneficiaries_register_bulk(data=[beneficiary_data(21), beneficiary_data(20, name="别名")])
    assert refused.value.messages == [
        f"受助人 别*:该身份证号已登记(受助人 {known.masked_name},编号 {known.pk}),不能重复登记。"
    ]
    with pytest.raises(ValidationError, match="同一身份证号在本批中出现了两次"):
        beneficiaries_register_bulk(data=[beneficiary_data(22), beneficiary_data(22)])
    assert Beneficiary.objects.count() == 1
