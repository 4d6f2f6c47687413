"""Staff exports (导出数据) through the admin views: formula injection, privacy by permission and its audit log,
403s, streaming, row counts and a query count that does not grow with the rows."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.db import connection
from django.http import FileResponse, StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bulk.exports import writers
from donations.services import donation_reverse
from ledger.models import Leg
from projects.models import Beneficiary
from projects.sensitive import decrypt
from tests.bulk.export_data import (
    ALL_FIELDS,
    AT,
    CR,
    HYPERLINK,
    MINUS,
    PLUS,
    REASON,
    TAB,
    as_dicts,
    csv_table,
    export,
    export_full,
    gift,
    hostile_beneficiary,
    hostile_gifts,
    reveal_logs,
    table,
    unsafe_cells,
    xlsx_table,
)
from tests.factories import ProjectFactory
from tests.projects.disbursement_flows import draft, paid

pytestmark = pytest.mark.django_db

FORMATS = ["csv", "xlsx"]
KINDS = ["donations", "disbursements", "beneficiaries", "ledger"]


@pytest.fixture
def project(db):
    return ProjectFactory(code="XT100", name="血透100")


# -- formula injection -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_donation_export_quotes_every_formula(client, finance, project, fmt):
    hostile_gifts(project)
    response = export(client, finance, "donations", fmt)
    assert response.status_code == 200
    rows = table(response, fmt)
    assert unsafe_cells(rows) == []
    cells = {cell for row in rows for cell in row}
    for value in (HYPERLINK, PLUS, MINUS, AT, TAB.strip()):  # the gift service strips the message
        assert "'" + value in cells, f"{value!r} exported, quoted"
    assert len(rows) == 1 + 2


@pytest.mark.parametrize("fmt", FORMATS)
def test_beneficiary_and_disbursement_exports_quote_every_formula(client, auditor, officer, project, fmt):
    person = hostile_beneficiary(1)
    draft(project, person, "300.00", user=officer, purpose=HYPERLINK, payee="hospital", payee_name=AT, notes=MINUS)
    people = table(export_full(client, auditor, "beneficiaries", fmt), fmt)
    payments = table(export_full(client, auditor, "disbursements", fmt), fmt)
    assert unsafe_cells(people) == [] and unsafe_cells(payments) == []
    stored = (HYPERLINK, MINUS, CR.strip(), TAB.strip(), AT, PLUS)  # the registry strips leading blanks
    assert {"'" + v for v in stored} <= {c for row in people for c in row}
    assert {"'" + v for v in (HYPERLINK, AT, MINUS)} <= {c for row in payments for c in row}


def test_ledger_export_is_safe_and_has_one_row_per_leg(client, auditor, project):
    bank, goods = hostile_gifts(project)
    rows = as_dicts(csv_table(export(client, auditor, "ledger", "csv")))
    assert len(rows) == Leg.objects.count() == 4
    assert unsafe_cells([list(r.values()) for r in rows]) == []
    first = rows[0]
    assert first["序号"] == str(bank.transaction_id)
    assert first["类型"] == "捐赠" and rows[2]["类型"] == "实物捐赠"
    assert [r["借/贷"] for r in rows] == ["借", "贷", "借", "贷"]
    assert first["金额(元)"] == "100.00" and first["币种"] == "CNY"
    assert rows[1]["基金代码"] == "XT100"
    assert first["来源"] == f"donation:{bank.public_id}"


def test_public_open_data_csv_cannot_carry_a_formula(client, project):
    """The ledger's public CSV (``ledger.exports.csv_rows``) puts what a donor typed into a record (an in-kind
    gift's description) inside the JSON details column, which starts with ``{``: no cell of it starts a formula.
    The hostile public name is not there at all: records carry a commitment to it."""
    hostile_gifts(project)
    response = client.get("/api/ledger/v1/open-data/ledger.csv")
    rows = csv_table(response)
    assert unsafe_cells(rows) == []
    details = [row[-1] for row in rows[1:]]
    assert all(d.startswith("{") for d in details)
    assert any(json.loads(d).get("items") == AT for d in details), "the hostile description is there, inside JSON"
    assert not any("HYPERLINK" in d for d in details)


# -- content ---------------------------------------------------------------------------------------------------


def test_donation_rows_read_amounts_from_the_ledger(client, finance, project):
    kept = gift(project, "88.80", display_name="张先生", days_ago=3)
    undone = gift(project, "50.00", days_ago=2)
    donation_reverse(donation=undone, reason="重复登记")
    rows = {r["回执编号"]: r for r in as_dicts(csv_table(export(client, finance, "donations", "csv")))}
    row = rows[kept.receipt_serial]
    assert (row["到账金额(元)"], row["已退款(元)"], row["净额(元)"]) == ("88.80", "0.00", "88.80")
    labels = (row["项目代码"], row["项目名称"], row["捐赠方式"], row["状态"])
    assert labels == ("XT100", "血透100", "银行转账", "已到账")
    assert row["公开署名"] == "张先生"
    local = timezone.localtime(kept.received_at).strftime("%Y-%m-%d %H:%M:%S")
    assert row["到账时间"] == local
    reversed_row = rows[undone.receipt_serial]
    assert (reversed_row["状态"], reversed_row["到账金额(元)"], reversed_row["净额(元)"]) == ("已冲正", "50.00", "0.00")


def test_xlsx_keeps_numbers_and_dates_native(client, finance, project):
    donation = gift(project, "1234.50")
    rows = as_dicts(xlsx_table(export(client, finance, "donations", "xlsx")))
    assert rows[0]["到账金额(元)"] == 1234.5
    received = timezone.localtime(donation.received_at).replace(tzinfo=None)
    assert abs(rows[0]["到账时间"] - received) < timedelta(seconds=1)
    assert rows[0]["账本交易序号"] == donation.transaction_id


def test_rows_keep_their_own_figures_across_chunk_boundaries(client, finance, project, monkeypatch):
    monkeypatch.setattr(writers, "CHUNK", 3)
    gifts = [gift(project, f"{10 + n}.00", days_ago=20 - n) for n in range(8)]
    rows = as_dicts(csv_table(export(client, finance, "donations", "csv")))
    assert [(r["回执编号"], r["到账金额(元)"]) for r in rows] == [(g.receipt_serial, str(g.amount)) for g in gifts]


def test_filters_by_received_day_and_project(client, finance, project):
    other = ProjectFactory(code="AX200")
    recent, _old, _elsewhere = gift(project, days_ago=5), gift(project, days_ago=40), gift(other, days_ago=5)
    today = timezone.localdate()
    params = {"date_from": (today - timedelta(days=10)).isoformat(), "date_to": today.isoformat(), "project": "XT100"}
    rows = as_dicts(csv_table(export(client, finance, "donations", "csv", **params)))
    assert [r["回执编号"] for r in rows] == [recent.receipt_serial]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "2026-05-02", "date_to": "2026-05-01"}, "开始日期不能晚于结束日期。"),
        ({"project": "NOPE"}, "没有这个项目代码"),
        ({"date_from": "2026-13-40"}, "有效的日期"),
    ],
)
def test_bad_filters_show_the_page_again_with_the_error(client, finance, project, params, message):
    response = export(client, finance, "donations", "csv", **params)
    assert response.status_code == 400
    assert message in response.content.decode()


# -- privacy ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_beneficiaries_are_masked_without_the_reveal_permission(client, approver, fmt):
    person = hostile_beneficiary(7, guardian_name="李四海", guardian_phone="13700001111")
    response = export(client, approver, "beneficiaries", fmt)
    rows = as_dicts(table(response, fmt))
    assert rows == [rows[0]] and rows[0]["姓名"] == "欧**娜"
    assert rows[0]["身份证号"] == person.id_number_masked and "*" in person.id_number_masked
    assert (rows[0]["联系电话"], rows[0]["银行账号"]) == (person.phone_masked, person.bank_account_masked)
    assert (rows[0]["监护人姓名"], rows[0]["监护人电话"]) == ("李*海", "137****1111")
    assert "备注" not in rows[0] and "村(社区)" not in rows[0]
    raw = b"".join(export(client, approver, "beneficiaries", "csv").streaming_content).decode("utf-8")
    for secret in ("欧阳娜娜", decrypt(person.id_number_encrypted), decrypt(person.phone_encrypted), "李四海"):
        assert secret not in raw
    assert not reveal_logs().exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_beneficiaries_are_revealed_and_logged_for_the_auditor(client, auditor, fmt):
    people = [hostile_beneficiary(n) for n in (1, 2, 3)]
    rows = as_dicts(table(export_full(client, auditor, "beneficiaries", fmt), fmt))
    assert [r["身份证号"] for r in rows] == [decrypt(p.id_number_encrypted) for p in people]
    assert [r["银行账号"] for r in rows] == [decrypt(p.bank_account_encrypted) for p in people]
    assert rows[0]["姓名"] == "欧阳娜娜" and rows[0]["备注"] == "'" + HYPERLINK
    (entry,) = reveal_logs()
    assert entry.user == auditor and entry.content_type.model_class() is Beneficiary
    assert entry.data["export"] == "beneficiaries" and entry.data["rows"] == 3 and entry.data["format"] == fmt
    assert entry.data["fields"] == ["id_number", "phone", "bank_account", "guardian_phone", "village"]
    assert entry.data["reason"] == REASON
    logged = json.dumps(entry.data, ensure_ascii=False) + entry.label
    assert not any(decrypt(p.id_number_encrypted) in logged or p.name in logged for p in people)


def test_disbursements_mask_the_beneficiary_unless_the_user_may_reveal(client, approver, finance, officer, project):
    gift(project, "5000.00")
    person = hostile_beneficiary(4)
    payment = paid(project, person, "1200.00", officer=officer, approver=approver, finance=finance)
    masked = as_dicts(csv_table(export(client, approver, "disbursements", "csv")))[0]
    assert (masked["受助人"], masked["受助人身份证号"]) == ("欧**娜", person.id_number_masked)
    assert (masked["金额(元)"], masked["记账金额(元)"], masked["状态"]) == ("1200.00", "1200.00", "已支付")
    assert masked["账本交易序号"] == str(payment.transaction_id) and "内部备注" not in masked
    assert not reveal_logs().exists()
    revealed = as_dicts(csv_table(export_full(client, officer, "disbursements", "csv")))[0]
    assert (revealed["受助人"], revealed["受助人身份证号"]) == ("欧阳娜娜", decrypt(person.id_number_encrypted))
    assert reveal_logs().get().data["export"] == "disbursements"


# -- permissions -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_a_user_without_the_permission_gets_403(client, editor, kind):
    assert export(client, editor, kind, "csv").status_code == 403
    assert export(client, editor, kind, "xlsx").status_code == 403


# 审核人 reads donations (it confirms large offline gifts, 待复核), so it may download the masked list it can read.
@pytest.mark.parametrize(("kind", "status"), [("donations", 200), ("ledger", 403), ("beneficiaries", 200)])
def test_each_export_has_its_own_permission(client, approver, kind, status):
    assert export(client, approver, kind, "csv").status_code == status


def test_the_page_lists_only_what_the_user_may_export(client, approver, editor):
    client.force_login(approver)
    page = client.get("/admin/exports/").content.decode()
    assert "/admin/exports/beneficiaries.csv" in page and "/admin/exports/disbursements.xlsx" in page
    assert "/admin/exports/donations.csv" in page and "/admin/exports/ledger.csv" not in page
    assert "脱敏" in page
    client.force_login(editor)
    assert client.get("/admin/exports/").status_code == 403


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get("/admin/exports/donations.csv")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_unknown_kind_or_format_is_404(client, auditor):
    client.force_login(auditor)
    assert client.get("/admin/exports/donors.csv", follow=True).status_code == 404
    assert client.get("/admin/exports/ledger.pdf", follow=True).status_code == 404


# -- responses -------------------------------------------------------------------------------------------------


def test_csv_streams_and_xlsx_is_a_file_both_named_in_chinese(client, finance, project):
    gift(project)
    stamp = timezone.localdate().strftime("%Y%m%d")
    streamed = export(client, finance, "donations", "csv")
    assert type(streamed) is StreamingHttpResponse and not streamed.has_header("Content-Length")
    assert streamed["Content-Type"] == "text/csv; charset=utf-8"
    assert f"filename*=utf-8''{quote(f'捐赠-{stamp}.csv')}" in streamed["Content-Disposition"]
    assert "no-store" in streamed["Cache-Control"]
    workbook = export(client, finance, "donations", "xlsx")
    assert isinstance(workbook, FileResponse)
    assert f"filename*=utf-8''{quote(f'捐赠-{stamp}.xlsx')}" in workbook["Content-Disposition"]
    assert workbook["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")


def _make_gifts(project, n, **_):
    for k in range(n):
        gift(project, f"{k + 1}.00", days_ago=1 + k % 30)


def _make_people(project, n, *, start=0, **_):
    for k in range(start, start + n):
        hostile_beneficiary(k + 1)


def _make_drafts(project, n, *, start=0, officer, **_):
    person = hostile_beneficiary(999) if start == 0 else Beneficiary.objects.get(name="欧阳娜娜")
    for k in range(n):
        draft(project, person, f"{k + 1}.00", user=officer, on=date(2026, 3, 1) + timedelta(days=k % 60))


MAKERS = {"donations": _make_gifts, "beneficiaries": _make_people, "disbursements": _make_drafts, "ledger": _make_gifts}


def _queries(client, kind) -> tuple[int, int]:
    """Rows and queries of the auditor's download: revealing (a POST, logged) where the export shows people."""
    with CaptureQueriesContext(connection) as queries:
        if kind in ("beneficiaries", "disbursements"):
            fields = ["id_number"] if kind == "disbursements" else ALL_FIELDS
            response = client.post(f"/admin/exports/{kind}.csv", {"reason": REASON, "fields_to_reveal": fields})
        else:
            response = client.get(f"/admin/exports/{kind}.csv")
        rows = csv_table(response)
    return len(queries), len(rows) - 1


@pytest.mark.parametrize("kind", KINDS)
def test_queries_do_not_grow_with_the_rows(client, auditor, officer, project, kind, django_assert_max_num_queries):
    make = MAKERS[kind]
    client.force_login(auditor)
    make(project, 50, officer=officer)
    _queries(client, kind)  # warms the content-type cache the audit-log entry uses
    few, rows_few = _queries(client, kind)
    make(project, 150, start=50, officer=officer)
    with django_assert_max_num_queries(few):
        many, rows_many = _queries(client, kind)
    per_row = 2 if kind == "ledger" else 1
    assert (rows_few, rows_many) == (50 * per_row, 200 * per_row)
    assert many == few <= 12


def test_the_reveal_log_counts_rows_not_chunks(client, auditor, monkeypatch):
    monkeypatch.setattr(writers, "CHUNK", 2)
    for n in range(5):
        hostile_beneficiary(n + 1)
    for fmt in FORMATS:
        assert len(as_dicts(table(export_full(client, auditor, "beneficiaries", fmt), fmt))) == 5
    assert sorted(e.data["rows"] for e in reveal_logs()) == [5, 5]


def test_amounts_are_decimal_strings_with_two_places(client, finance, project):
    gift(project, "7")
    row = as_dicts(csv_table(export(client, finance, "donations", "csv")))[0]
    assert Decimal(row["到账金额(元)"]) == Decimal("7") and row["到账金额(元)"] == "7.00"


# -- wiring ----------------------------------------------------------------------------------------------------


def test_the_menu_shows_the_exports_to_those_who_may_use_them(client, approver, editor):
    client.force_login(approver)
    assert json.dumps("导出数据") in client.get("/admin/").content.decode()  # in the sidebar's JSON
    client.force_login(editor)
    assert json.dumps("导出数据") not in client.get("/admin/").content.decode()


def test_the_reveal_entry_reads_in_the_site_history_report(client, auditor, django_user_model):
    hostile_beneficiary(1)
    export_full(client, auditor, "beneficiaries", "xlsx")
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.org", "pass-1234"))
    report = client.get("/admin/reports/site-history/")
    assert report.status_code == 200
    assert "导出受助人完整信息" in report.content.decode()
    assert REASON in report.content.decode()
