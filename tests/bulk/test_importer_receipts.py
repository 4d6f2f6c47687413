"""公益事业捐赠票据导入: official receipt numbers matched to received gifts by receipt serial; never overwritten,
never shared by two gifts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bulk.engine import import_run
from bulk.importers import importer_for
from bulk.importers.receipts import ReceiptImporter
from donations.models import Channel, Donation
from donations.services import OfflineGift, donation_record_official_receipt, donation_reverse
from donations.services.offline import donations_record_offline_bulk
from donations.services.receipts import OfficialReceipt, donations_record_official_receipts_bulk
from tests.bulk.conftest import written_table
from tests.factories import ProjectFactory, staff_user

pytestmark = pytest.mark.django_db

HEADERS = ["回执编号", "票据代码", "票据号码", "校验码"]


def gifts(count: int, start: int = 0) -> list[Donation]:
    project = ProjectFactory()
    references = [f"BK{start + i:06d}" for i in range(count)]
    donations_record_offline_bulk(
        gifts=[
            OfflineGift(
                project=project,
                channel=Channel.BANK,
                amount=Decimal("100.00"),
                received_at=timezone.now() - timedelta(days=1),
                bank_reference=reference,
            )
            for reference in references
        ]
    )
    return list(Donation.objects.filter(bank_reference__in=references).order_by("bank_reference"))


def table(tmp_path, rows, fmt="xlsx"):
    return written_table(tmp_path, HEADERS, rows, fmt, "receipts")


def run(data, user, *, dry_run):
    return import_run(ReceiptImporter(user=user), data, dry_run=dry_run)


def actions(result):
    return [plan.action.value for plan in result.rows]


def official(gift: Donation) -> tuple[str, str, str]:
    gift.refresh_from_db()
    return gift.official_receipt_code, gift.official_receipt_number, gift.official_receipt_check


@pytest.mark.parametrize("fmt", ["xlsx", "utf8", "gbk"])
def test_receipts_preview_then_import_then_reimport_skips(tmp_path, finance, fmt):
    one, two, three = gifts(3)
    rows = [
        [one.receipt_serial.lower(), "37010125", "0000000001", "ab12c"],
        [two.receipt_serial, "37010125", "0000000002", "CD34E"],
        [f" {three.receipt_serial} ", "37010125", "0000000003", "1234"],
    ]
    data = table(tmp_path, rows, fmt)

    preview = run(data, finance, dry_run=True)
    assert actions(preview) == ["update", "update", "update"], preview.error_messages()
    assert preview.rows[0].note == "登记票据:代码 37010125,号码 0000000001"
    assert official(one) == ("", "", "")

    result = run(data, finance, dry_run=False)
    assert result.imported
    assert official(one) == ("37010125", "0000000001", "ab12c")
    assert official(two) == ("37010125", "0000000002", "CD34E")
    assert official(three) == ("37010125", "0000000003", "1234")

    again = run(data, finance, dry_run=False)
    assert actions(again) == ["skip", "skip", "skip"]
    assert again.rows[2].note == "已登记:票据代码 37010125,号码 0000000003"


def test_bad_rows_name_line_and_column_and_nothing_is_written(tmp_path, finance):
    fine, reversed_gift, recorded, holder, other, spare = gifts(6)
    donation_reverse(donation=reversed_gift, reason="重复登记", user=finance)
    donation_record_official_receipt(donation=recorded, code="37010125", number="0000000100", check="aaaa")
    donation_record_official_receipt(donation=holder, code="37010125", number="0000000200", check="bbbb")
    rows = [
        [fine.receipt_serial, "37010125", "0000000001", "ab12c"],  # fine on its own
        ["JZ1999-000001", "37010125", "0000000002", "ab12c"],
        [reversed_gift.receipt_serial, "37010125", "0000000003", "ab12c"],
        [recorded.receipt_serial, "37010125", "0000000101", "aaaa"],  # a different number is on record
        [other.receipt_serial, "37010125", "0000000200", "cccc"],  # the number of another gift
        [spare.receipt_serial, "37010125", "0000000001", "ab12c"],  # the number of line 2
        [fine.receipt_serial, "37010125", "0000000009", "ab12c"],  # the serial of line 2
        ["JZ2025-000999", "3701", "0000000009", "ab12c"],
        ["JZ2025-000999", "37010125", "0000000009", "校验码"],
        ["JZ 2025", "37010125", "0000000009", "ab12c"],
    ]
    before = {gift.pk: official(gift) for gift in (fine, recorded, other, spare)}

    result = run(table(tmp_path, rows), finance, dry_run=False)

    assert not result.imported
    assert {gift.pk: official(gift) for gift in (fine, recorded, other, spare)} == before
    assert actions(result) == ["update"] + ["error"] * 9
    assert result.error_messages() == [
        "第 3 行「回执编号」:回执编号 JZ1999-000001 不存在。",
        f"第 4 行「回执编号」:回执 {reversed_gift.receipt_serial} 的捐赠未到账或已冲正,不能登记公益事业捐赠票据。",
        f"第 5 行「票据号码」:回执 {recorded.receipt_serial} 已登记了另一张票据(代码 37010125,号码 0000000100),"
        "导入不会覆盖;如需更正,请在后台修改该笔捐赠。",
        f"第 6 行「票据号码」:票据代码 37010125、号码 0000000200 已登记在回执 {holder.receipt_serial} 上。",
        "第 7 行「票据号码」:与第 2 行的票据代码和号码相同,一张票据只能对应一笔捐赠。",
        f"第 8 行:与第 2 行重复:回执编号 {fine.receipt_serial} 相同",
        "第 9 行「票据代码」:票据代码应为 6–20 位数字。",
        "第 10 行「校验码」:校验码应为 4–20 位数字或字母。",
        "第 11 行「回执编号」:「JZ 2025」含有不允许的字符(只能是字母、数字和 - _ / .)。",
    ]


def test_codes_excel_stored_as_numbers_are_refused(tmp_path, finance):
    (gift,) = gifts(1)
    result = run(table(tmp_path, [[gift.receipt_serial, 37010125, 123456, "ab12"]]), finance, dry_run=True)
    assert result.error_messages() == [
        "第 2 行「票据代码」:单元格是数字格式,开头的 0 可能已丢失:请把「票据代码」列设为文本格式后重新填写。",
        "第 2 行「票据号码」:单元格是数字格式,开头的 0 可能已丢失:请把「票据号码」列设为文本格式后重新填写。",
    ]
    assert official(gift) == ("", "", "")


def _planning_queries(tmp_path, finance, n: int) -> int:
    batch = gifts(n, start=n * 10)
    for gift in batch[: n // 2]:  # half already carry their receipt: skipped
        donation_record_official_receipt(donation=gift, code="37010125", number=f"{gift.pk:010d}", check="abcd")
    rows = [[gift.receipt_serial, "37010125", f"{gift.pk:010d}", "abcd"] for gift in batch]
    data = table(tmp_path, rows)
    with CaptureQueriesContext(connection) as queries:
        result = run(data, finance, dry_run=True)
    assert sorted(set(actions(result))) == ["skip", "update"], result.error_messages()[:3]
    return len(queries)


def test_planning_queries_do_not_grow_with_rows(tmp_path, finance):
    ten, hundred = _planning_queries(tmp_path, finance, 10), _planning_queries(tmp_path, finance, 100)
    assert ten == hundred <= 2


def test_registered_for_finance_staff():
    assert importer_for("receipts") is ReceiptImporter
    assert staff_user("caiwu2", "财务").has_perm(ReceiptImporter.permission)
    assert not staff_user("guanyuan", "项目官员").has_perm(ReceiptImporter.permission)


def test_the_bulk_service_never_overwrites_nor_shares_a_receipt():
    one, two = gifts(2)
    donation_record_official_receipt(donation=one, code="37010125", number="0000000001", check="abcd")
    attempts = [
        ([OfficialReceipt(one.receipt_serial, "37010125", "0000000002", "abcd")], "导入不会覆盖"),
        ([OfficialReceipt(two.receipt_serial, "37010125", "0000000001", "abcd")], f"已登记在回执 {one.receipt_serial}"),
        (
            [
                OfficialReceipt(two.receipt_serial, "37010125", "0000000005", "abcd"),
                OfficialReceipt("JZ1999-000001", "37010125", "0000000005", "abcd"),
            ],
            "在本批中对应了两笔捐赠",
        ),
    ]
    for receipts, message in attempts:
        with pytest.raises(ValidationError, match=message):
            donations_record_official_receipts_bulk(receipts=receipts)
    assert official(one) == ("37010125", "0000000001", "abcd")
    assert official(two) == ("", "", "")
    donations_record_official_receipts_bulk(
        receipts=[OfficialReceipt(one.receipt_serial, "37010125", "0000000001", "abcd")]
    )
    assert official(one) == ("37010125", "0000000001", "abcd")  # the same receipt again is harmless
