"""银行对账 in the admin: 财务 imports (through the bulk importer), sees statements and lines masked, matches,
unmatches, records a gift from a line and reads the 调节表 (screen, CSV, XLSX); 审计 reads; 编辑 sees nothing."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.models import ModelLogEntry

from donations.models import Donation
from finance.models import BankLine, BankStatement
from ledger.chart import chart_ensure
from tests.finance.bank_data import HEADERS, Row, bank_gift, post_on_bank, rows_with_balances

pytestmark = pytest.mark.django_db

DAY = date(2026, 10, 12)


@pytest.fixture
def statement(db, tmp_path):
    chart_ensure()
    bank_gift("500.00", DAY, "BK500")
    post_on_bank("3000.00", DAY, incoming=False)
    from tests.finance.bank_data import run, write_statement

    rows = [
        Row(DAY, income="500.00", reference="BK500", name="张三", account="6222020200112233445"),
        Row(DAY, expense="3000.00", reference="RENT1", summary="房租"),
        Row(DAY, income="88.00", reference="UNKNOWN1", name="李四", account="6222020200119998887"),
    ]
    assert run(write_statement(tmp_path, rows, opening="10000.00")).imported
    return BankStatement.objects.get()


def csv_upload(rows) -> SimpleUploadedFile:
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADERS, *rows])
    return SimpleUploadedFile("对账单.csv", buffer.getvalue().encode("utf-8"), content_type="text/csv")


def test_finance_imports_through_the_importer_with_preview(client, finance):
    chart_ensure()
    client.force_login(finance)
    index = client.get(reverse("bulk_import"))
    assert "银行对账单" in index.content.decode()
    upload = reverse("bulk_import_upload", args=("bank-statements",))
    preview = client.post(upload, {"file": csv_upload(rows_with_balances([Row(DAY, income="5.00", reference="A1")]))})
    assert preview.status_code == 200
    assert not BankStatement.objects.exists()
    bad = rows_with_balances(
        [Row(DAY, income="5.00", reference="B1"), Row(DAY, income="1.00", reference="B2", balance="9.00")]
    )
    refused = client.post(upload, {"file": csv_upload(bad)})
    assert "余额不衔接" in refused.content.decode()


def test_pages_show_chinese_labels_and_masks(client, finance, statement):
    client.force_login(finance)
    page = client.get(reverse("finance_bank"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "已导入的对账单" in text and "导入银行对账单" in text and "未对账的线下捐赠" in text
    detail = client.get(reverse("finance_bank_statement", args=(statement.pk,)))
    text = detail.content.decode()
    assert detail.status_code == 200
    assert "自动匹配" in text and "登记为线下捐赠" in text and "取消匹配" in text
    assert "****3445" in text and "张*" in text
    assert "6222020200112233445" not in text and "张三" not in text
    line = BankLine.objects.get(reference="UNKNOWN1")
    one = client.get(reverse("finance_bank_line", args=(line.pk,)))
    assert one.status_code == 200 and "可匹配的账本交易" in one.content.decode()


def test_menu_item_for_finance_only(rf, finance, editor):
    from finance.wagtail_hooks import register_bank_menu_item

    item = register_bank_menu_item()
    request = rf.get("/admin/")
    request.user = finance
    assert item.label == "银行对账" and item.is_shown(request)
    request.user = editor
    assert not item.is_shown(request)


def test_unmatch_and_match_in_the_admin(client, finance, statement):
    client.force_login(finance)
    line = BankLine.objects.get(reference="RENT1")
    txn = line.transaction_id
    assert txn is not None
    client.post(reverse("finance_bank_line_action", args=(line.pk, "unmatch")))
    line.refresh_from_db()
    assert line.transaction_id is None
    response = client.post(reverse("finance_bank_line_action", args=(line.pk, "match")), {"transaction": txn})
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.transaction_id == txn
    assert ModelLogEntry.objects.filter(action="finance.bank.match").exists()
    wrong = BankLine.objects.get(reference="UNKNOWN1")
    response = client.post(
        reverse("finance_bank_line_action", args=(wrong.pk, "match")), {"transaction": txn}, follow=True
    )
    assert "只能匹配一条流水" in response.content.decode()
    auto = client.post(reverse("finance_bank_auto_match", args=(statement.pk,)), follow=True)
    assert "自动匹配完成" in auto.content.decode()


def test_record_gift_from_line_prefilled(client, finance, statement):
    client.force_login(finance)
    line = BankLine.objects.get(reference="UNKNOWN1")
    url = reverse("finance_bank_line_gift", args=(line.pk,))
    form = client.get(url)
    text = form.content.decode()
    assert form.status_code == 200 and "登记并匹配" in text and "88.00" in text and "UNKNOWN1" in text
    assert "2026-10-12" in text
    response = client.post(
        url,
        {
            "received_at": "2026-10-12 12:00",
            "display_name": "",
            "submission_key": "8b0c7f5e-9d1a-4a55-8a8e-2d6f0a1b2c3d",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    gift = Donation.objects.get(bank_reference="UNKNOWN1")
    assert gift.payer_name == "李四"
    line.refresh_from_db()
    if gift.transaction_id is not None:
        assert line.transaction_id == gift.transaction_id


def test_reconciliation_page_and_exports(client, finance, auditor, statement):
    for user in (finance, auditor):
        client.force_login(user)
        page = client.get(reverse("finance_bank_reconciliation") + "?account=1002&month=2026-10")
        text = page.content.decode()
        assert page.status_code == 200
        assert "银行存款余额调节表" in text and "银行已收、企业未收" in text and "调节后的余额" in text
        assert "调节后余额一致" in text or "调节后余额相差" in text
    csv = client.get(reverse("finance_bank_reconciliation_export", args=("csv",)) + "?account=1002&month=2026-10")
    body = b"".join(csv.streaming_content).decode("utf-8-sig")
    assert "银行对账单余额" in body and "UNKNOWN1" in body and "李四" not in body
    xlsx = client.get(reverse("finance_bank_reconciliation_export", args=("xlsx",)) + "?account=1002&month=2026-10")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxml")
    bad = client.get(reverse("finance_bank_reconciliation") + "?account=1002&month=2026-13")
    assert "月份请写成" in bad.content.decode()


def test_auditor_reads_but_does_not_match_and_editor_sees_nothing(client, auditor, editor, statement):
    client.force_login(auditor)
    assert client.get(reverse("finance_bank_statement", args=(statement.pk,))).status_code == 200
    line = BankLine.objects.get(reference="RENT1")
    assert client.post(reverse("finance_bank_line_action", args=(line.pk, "unmatch"))).status_code == 403
    assert client.get(reverse("bulk_import_upload", args=("bank-statements",))).status_code == 403
    client.force_login(editor)
    assert client.get(reverse("finance_bank")).status_code == 403
    assert client.get(reverse("finance_bank_reconciliation")).status_code == 403
