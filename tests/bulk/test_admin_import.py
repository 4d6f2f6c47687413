"""批量导入 in the Wagtail admin, through Django's test client as a 财务 user: upload → preview (nothing written) →
confirm (written once) → a second confirm writes nothing; errors block the confirm; oversize files are refused
before parsing; tokens belong to their uploader; templates round-trip; 403 without the importer's permission."""

from __future__ import annotations

import io
import json
import os
import re
import time
from decimal import Decimal
from unittest import mock

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from wagtail.models import ModelLogEntry

from bulk import uploads
from bulk.files import table_read
from bulk.importers import IMPORTERS
from bulk.views import IMPORT_ACTION, MAX_ERRORS_SHOWN, MAX_ROWS_SHOWN
from donations.models import Donation
from ledger.models import Transaction
from tests.bulk.conftest import gift_row, gift_sheet
from tests.factories import staff_user

VERDICT_ERRORS = "文件有错误,修改后重新上传;本次没有导入任何数据"
UPLOAD = reverse("bulk_import_upload", args=("gifts",))


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    settings.IMPORT_UPLOAD_DIR = tmp_path / "pending-uploads"
    return settings.IMPORT_UPLOAD_DIR


def stored_files(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.fixture
def finance_client(client, finance):
    client.force_login(finance)
    return client


def upload(client, path, *, name=None):
    with open(path, "rb") as handle:
        data = handle.read()
    return client.post(UPLOAD, {"file": _named(data, name or path.name)})


def _named(data: bytes, name: str):
    stream = io.BytesIO(data)
    stream.name = name
    return stream


def counts(response) -> dict[str, int]:
    return {action: count for action, _label, count in response.context["counts"]}


def text(response) -> str:
    return response.content.decode()


TWO_GIFTS = [
    gift_row(**{"金额(元)": "100.00", "银行流水号": "BK0001"}),
    gift_row(**{"金额(元)": "250.50", "银行流水号": "BK0002", "付款人": "李四"}),
]


def test_preview_writes_nothing_then_confirm_imports_once(
    finance_client, project, write_csv, db_counts, assert_unchanged, upload_dir
):
    path = write_csv(gift_sheet(*TWO_GIFTS), "gifts.csv")
    before = db_counts()

    preview = upload(finance_client, path)

    assert preview.status_code == 200
    assert counts(preview) == {"new": 2, "update": 0, "skip": 0, "error": 0}
    assert "新增" in text(preview) and "确认导入" in text(preview)
    assert VERDICT_ERRORS not in text(preview)
    assert_unchanged(before)  # a preview is a dry run
    assert len(stored_files(upload_dir)) == 1  # the file waits for the confirm, outside MEDIA_ROOT
    confirm_url = preview.context["confirm_url"]
    assert re.fullmatch(r"/admin/import/gifts/[A-Za-z0-9_-]{32}/confirm/", confirm_url)

    assert finance_client.get(confirm_url).status_code == 405  # a confirm is a POST (with its CSRF token)
    result = finance_client.post(confirm_url)

    assert result.status_code == 200
    assert "已导入" in text(result)
    assert result.context["result"].imported
    assert counts(result)["new"] == 2
    gifts = Donation.objects.filter(project=project).order_by("bank_reference")
    assert [(g.bank_reference, g.amount) for g in gifts] == [
        ("BK0001", Decimal("100.00")),
        ("BK0002", Decimal("250.50")),
    ]
    assert Transaction.objects.count() == before["ledger.Transaction"] + 2  # one posting per gift
    assert stored_files(upload_dir) == []  # deleted after the import

    after_first = db_counts()
    again = finance_client.post(confirm_url)
    assert again.status_code == 409
    assert "已经确认过" in text(again) and "没有再次导入" in text(again)
    assert_unchanged(after_first)


def test_the_same_file_again_previews_as_skips_and_offers_no_confirm(
    finance_client, project, write_csv, db_counts, assert_unchanged, upload_dir
):
    path = write_csv(gift_sheet(*TWO_GIFTS), "gifts.csv")
    finance_client.post(upload(finance_client, path).context["confirm_url"])
    before = db_counts()

    preview = upload(finance_client, path)

    assert counts(preview) == {"new": 0, "update": 0, "skip": 2, "error": 0}
    assert preview.context["confirm_url"] == ""
    assert "确认导入" not in text(preview)
    assert "没有需要导入的新数据" in text(preview)
    assert "已登记:回执" in text(preview)
    assert stored_files(upload_dir) == []  # nothing to confirm: nothing kept
    assert_unchanged(before)


def test_a_bad_row_is_listed_with_line_and_column_and_blocks_the_import(
    finance_client, project, write_csv, db_counts, assert_unchanged, upload_dir
):
    path = write_csv(gift_sheet(gift_row(), gift_row(**{"金额(元)": "-5", "银行流水号": "BK0009"})), "bad.csv")
    before = db_counts()

    preview = upload(finance_client, path)

    assert preview.status_code == 200
    assert counts(preview) == {"new": 1, "update": 0, "skip": 0, "error": 1}
    assert "第 3 行「金额(元)」:必须大于 0。" in preview.context["row_errors"]
    assert "第 3 行「金额(元)」:必须大于 0。" in text(preview)
    assert VERDICT_ERRORS in text(preview)
    assert preview.context["confirm_url"] == "" and "确认导入" not in text(preview)
    assert stored_files(upload_dir) == []
    assert_unchanged(before)


def test_header_errors_are_shown_as_file_errors(finance_client, project, write_csv, db_counts, assert_unchanged):
    path = write_csv([["项目编号", "金额", "备注栏"], ["XT100", "100", "x"]], "headers.csv")
    before = db_counts()

    preview = upload(finance_client, path)

    file_errors = " ".join(preview.context["file_errors"])
    assert "无法识别的表头:「备注栏」" in file_errors and "缺少必填列" in file_errors
    assert "文件无法导入" in text(preview) and VERDICT_ERRORS in text(preview)
    assert "确认导入" not in text(preview)
    assert_unchanged(before)


def test_an_oversize_upload_is_refused_before_it_is_read(
    finance_client, project, write_csv, settings, upload_dir, db_counts, assert_unchanged
):
    settings.IMPORT_MAX_UPLOAD_BYTES = 100
    path = write_csv(gift_sheet(*TWO_GIFTS), "big.csv")
    assert path.stat().st_size > 100
    before = db_counts()

    with mock.patch("bulk.views.table_read") as reader:
        response = upload(finance_client, path)

    reader.assert_not_called()
    assert response.status_code == 200
    assert "文件太大" in text(response) and "上限是" in text(response)
    assert "确认导入" not in text(response)
    assert stored_files(upload_dir) == []  # not even saved
    assert_unchanged(before)


@pytest.mark.parametrize(
    ("name", "message"),
    [("gifts.xls", "另存为 .xlsx"), ("gifts.pdf", "不支持的文件类型「.pdf」"), ("gifts", "不支持的文件类型")],
)
def test_unsupported_extensions_are_refused(finance_client, project, upload_dir, name, message):
    with mock.patch("bulk.views.table_read") as reader:
        response = finance_client.post(UPLOAD, {"file": _named(b"\xd0\xcf\x11\xe0 old excel", name)})
    reader.assert_not_called()
    assert message in text(response)
    assert stored_files(upload_dir) == []


def test_a_file_that_is_not_a_spreadsheet_is_a_file_error(finance_client, project, upload_dir):
    response = finance_client.post(UPLOAD, {"file": _named(b"PK\x03\x04 not really a zip", "gifts.xlsx")})
    assert response.context["file_errors"] and "Excel" in response.context["file_errors"][0]
    assert VERDICT_ERRORS in text(response)
    assert stored_files(upload_dir) == []


def test_another_user_cannot_confirm_someone_elses_upload(
    client, finance, project, write_csv, db_counts, assert_unchanged, django_user_model
):
    from django.test import Client

    client.force_login(finance)
    confirm_url = upload(client, write_csv(gift_sheet(*TWO_GIFTS))).context["confirm_url"]
    other = Client()
    other.force_login(staff_user("caiwu2", "财务"))
    before = db_counts()

    assert other.post(confirm_url).status_code == 404  # the token is not in their session
    assert_unchanged(before)

    # Even holding the uploader's session record (a copied cookie of another account, say), the user must match.
    session = other.session
    session[uploads.SESSION_KEY] = client.session[uploads.SESSION_KEY]
    session.save()
    refused = other.post(confirm_url)
    assert refused.status_code == 403
    assert_unchanged(before)

    assert "已导入" in text(client.post(confirm_url))  # the uploader still can
    assert Donation.objects.count() == before["donations.Donation"] + 2


def test_a_stale_preview_imports_nothing(finance_client, project, write_csv, db_counts, assert_unchanged, finance):
    from tests.projects.conftest import give

    confirm_url = upload(finance_client, write_csv(gift_sheet(*TWO_GIFTS))).context["confirm_url"]
    gift = give(project, "999.00", finance_user=finance)  # the same bank reference, recorded by hand meanwhile
    Donation.objects.filter(pk=gift.pk).update(bank_reference="BK0002")
    before = db_counts()

    result = finance_client.post(confirm_url)

    assert not result.context["result"].imported
    assert "本次没有导入任何数据" in text(result)
    assert any("BK0002" in m or "不一致" in m for m in result.context["row_errors"])
    assert_unchanged(before)


def test_a_stored_file_changed_after_the_preview_is_refused(
    finance_client, project, write_csv, db_counts, assert_unchanged, upload_dir
):
    confirm_url = upload(finance_client, write_csv(gift_sheet(*TWO_GIFTS))).context["confirm_url"]
    [stored] = list(upload_dir.iterdir())
    stored.write_bytes(stored.read_bytes().replace(b"250.50", b"999.99"))
    before = db_counts()

    result = finance_client.post(confirm_url)

    assert "与预览时不一致" in text(result)
    assert not result.context["result"].imported
    assert_unchanged(before)
    assert stored_files(upload_dir) == []


def test_an_example_row_left_in_the_template_is_refused(finance_client, project, write_xlsx):
    importer = IMPORTERS["gifts"]()
    headers, example = importer.template_rows()
    path = write_xlsx([headers, example, gift_row()])

    preview = upload(finance_client, path)

    assert "第 2 行:与模板的示例行完全相同:请改成实际数据,或删除这一行。" in preview.context["row_errors"]
    assert preview.context["confirm_url"] == ""


def test_long_error_lists_and_row_tables_are_capped(finance_client, project, write_csv):
    bad = [gift_row(**{"金额(元)": "x", "到账日期": "昨天", "银行流水号": f"BK{n:04d}"}) for n in range(260)]
    preview = upload(finance_client, write_csv(gift_sheet(*bad)))

    assert counts(preview)["error"] == 260
    assert len(preview.context["row_errors"]) == MAX_ERRORS_SHOWN
    assert preview.context["more_errors"] == 2 * 260 - MAX_ERRORS_SHOWN
    assert f"另有 {2 * 260 - MAX_ERRORS_SHOWN} 条错误" in text(preview)
    assert len(preview.context["rows"]) == MAX_ROWS_SHOWN
    assert f"另有 {260 - MAX_ROWS_SHOWN} 行未显示" in text(preview)


def test_old_pending_uploads_are_deleted_on_the_next_upload(finance_client, project, write_csv, upload_dir):
    upload_dir.mkdir(parents=True)
    old, fresh = upload_dir / f"{'a' * 32}.upload", upload_dir / f"{'b' * 32}.claimed"
    old.write_bytes(b"old")
    fresh.write_bytes(b"fresh")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(old, (two_days_ago, two_days_ago))

    upload(finance_client, write_csv(gift_sheet(*TWO_GIFTS)))

    assert not old.exists() and fresh.exists()


def test_an_import_leaves_an_audit_log_entry(finance_client, finance, project, write_csv, client):
    finance_client.post(
        upload(finance_client, write_csv(gift_sheet(*TWO_GIFTS), "银行流水.csv")).context["confirm_url"]
    )

    entry = ModelLogEntry.objects.get(action=IMPORT_ACTION)
    assert entry.user_id == finance.pk
    assert entry.content_type.model_class() is Donation
    assert entry.data["file"] == "银行流水.csv" and entry.data["counts"]["new"] == 2
    auditor = staff_user("shenji", "审计")
    client.force_login(auditor)
    history = client.get(reverse("wagtailadmin_reports:site_history"))
    assert history.status_code == 200
    assert "银行流水.csv" in text(history)  # the registered action renders in 操作日志


# --- templates ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(IMPORTERS))
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_templates_download_with_chinese_headers_that_round_trip(db, client, kind, fmt, tmp_path):
    importer_cls = IMPORTERS[kind]
    user = staff_user("importer-all", *_groups_with(importer_cls.permission))
    client.force_login(user)

    response = client.get(reverse("bulk_import_template", args=(kind, fmt)))

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    path = tmp_path / f"template.{fmt}"
    path.write_bytes(response.content)
    table = table_read(path)
    importer = importer_cls()
    assert table.headers == [c.column_name for c in importer.columns()]
    assert importer.header_errors(table.headers)[0] == []
    assert len(table.rows) == 1  # the example row
    if fmt == "csv":
        assert response.content.startswith(b"\xef\xbb\xbf")
    else:
        workbook = load_workbook(io.BytesIO(response.content))
        sheet = workbook.worksheets[0]
        assert all(cell.font.bold for cell in sheet[1])
        notes = workbook["填写说明"]
        rows = [[c.value for c in row] for row in notes.iter_rows()]
        start = rows.index(["表头", "必填", "说明", "也可用的表头"])
        listed = {row[0]: row for row in rows[start + 1 :]}
        for column in importer.columns():
            assert listed[column.column_name][1] == ("是" if column.required else "否")
            assert (listed[column.column_name][2] or "") == column.hint


def _groups_with(permission: str) -> list[str]:
    from charity.groups import GROUP_PERMISSIONS

    return [name for name, names in GROUP_PERMISSIONS.items() if permission in names]


def test_the_gift_template_filled_in_imports(finance_client, project, tmp_path, db_counts):
    template = finance_client.get(reverse("bulk_import_template", args=("gifts", "xlsx")))
    workbook = load_workbook(io.BytesIO(template.content))
    sheet = workbook.worksheets[0]
    headers = [c.value for c in sheet[1]]
    for header, value in {"银行流水号": "BK-TPL-1", "金额(元)": "320.00", "付款人": "王五"}.items():
        sheet.cell(row=2, column=headers.index(header) + 1, value=value)
    path = tmp_path / "filled.xlsx"
    workbook.save(path)
    before = db_counts()

    preview = upload(finance_client, path)
    assert counts(preview) == {"new": 1, "update": 0, "skip": 0, "error": 0}, preview.context["row_errors"]
    result = finance_client.post(preview.context["confirm_url"])

    assert result.context["result"].imported
    gift = Donation.objects.get(bank_reference="BK-TPL-1")
    assert (gift.amount, gift.project) == (Decimal("320.00"), project)
    assert db_counts()["ledger.Transaction"] == before["ledger.Transaction"] + 1


# --- permissions and the menu -----------------------------------------------------------------------------


def test_finance_sees_the_index_and_the_menu_item(finance_client):
    index = finance_client.get(reverse("bulk_import"))
    assert index.status_code == 200
    assert "线下捐赠" in text(index)
    assert reverse("bulk_import_template", args=("gifts", "xlsx")) in text(index)
    assert reverse("bulk_import_template", args=("gifts", "csv")) in text(index)
    home = finance_client.get(reverse("wagtailadmin_home"))
    assert json.dumps("批量导入") in text(home)  # the menu item, in the sidebar's JSON


def test_a_user_without_the_permission_gets_403_everywhere(client, finance, project, write_csv, db_counts):
    finance_client_ = client
    finance_client_.force_login(finance)
    confirm_url = upload(finance_client_, write_csv(gift_sheet(*TWO_GIFTS))).context["confirm_url"]
    editor = staff_user("bianji", "编辑")  # admin access, no gift permission
    client.force_login(editor)
    before = db_counts()

    responses = {
        "index": client.get(reverse("bulk_import")),
        "upload form": client.get(UPLOAD),
        "upload": client.post(UPLOAD, {"file": _named(b"a,b\n", "x.csv")}),
        "xlsx": client.get(reverse("bulk_import_template", args=("gifts", "xlsx"))),
        "csv": client.get(reverse("bulk_import_template", args=("gifts", "csv"))),
        "confirm": client.post(confirm_url),
    }

    assert {name: r.status_code for name, r in responses.items()} == dict.fromkeys(responses, 403)
    assert db_counts() == before
    home = client.get(reverse("wagtailadmin_home"))
    assert json.dumps("批量导入") not in text(home)


def test_an_unknown_kind_is_404(finance_client):
    assert finance_client.get("/admin/import/nonsense/").status_code == 404
    assert finance_client.get("/admin/import/nonsense/template.xlsx").status_code == 404
