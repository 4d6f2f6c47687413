"""``manage.py import_records``: the admin's checks and all-or-nothing rule from the command line, its exit status,
its error listing and its progress output (a bar on a terminal, plain lines in a log)."""

from __future__ import annotations

import io
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bulk.management.commands.import_records import Command
from donations.models import Donation
from ledger.models import Transaction
from tests.bulk.conftest import gift_row, gift_sheet
from tests.factories import staff_user

pytestmark = pytest.mark.django_db


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run(*args, stdout=None):
    out, err = stdout or io.StringIO(), io.StringIO()
    try:
        call_command("import_records", *args, stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue(), error
    return out.getvalue(), err.getvalue(), None


@pytest.fixture
def two_gifts(project, write_xlsx):
    return write_xlsx(
        gift_sheet(
            gift_row(**{"银行流水号": "BK1", "金额(元)": "100.00"}),
            gift_row(**{"银行流水号": "", "捐赠方式": "现金", "凭证号": "XJ-1", "金额(元)": 50}),
        )
    )


def test_dry_run_previews_and_writes_nothing(two_gifts, db_counts, assert_unchanged):
    before = db_counts()
    out, err, error = run("gifts", str(two_gifts), "--dry-run")
    assert error is None, err
    assert "新增 2 行,更新 0 行,跳过 0 行,错误 0 行" in out
    assert "没有写入任何数据" in out
    assert_unchanged(before)


def test_import_records_gifts_in_the_ledger_and_names_the_user(two_gifts, finance):
    out, err, error = run("gifts", str(two_gifts), "--user", finance.username)
    assert error is None, err
    assert "导入完成:写入 2 行" in out
    gifts = Donation.objects.order_by("amount")
    assert [str(g.amount) for g in gifts] == ["50.00", "100.00"]
    assert {g.recorded_by_id for g in gifts} == {finance.pk}
    assert Transaction.objects.filter(source__in=[f"donation:{g.public_id}" for g in gifts]).count() == 2


def test_the_same_file_again_skips_every_row(two_gifts):
    run("gifts", str(two_gifts))
    out, err, error = run("gifts", str(two_gifts))
    assert error is None, err
    assert "新增 0 行,更新 0 行,跳过 2 行,错误 0 行" in out
    assert Donation.objects.count() == 2
    assert Transaction.objects.count() == 2


def test_a_bad_row_fails_the_command_and_writes_nothing(project, write_csv, db_counts, assert_unchanged):
    path = write_csv(gift_sheet(gift_row(**{"银行流水号": "BK1"}), gift_row(**{"银行流水号": "BK2", "金额(元)": "-5"})))
    before = db_counts()
    out, err, error = run("gifts", str(path))
    assert error is not None and error.returncode == 1
    assert "未导入任何数据" in str(error)
    assert "第 3 行「金额(元)」:必须大于 0。" in err
    assert "新增 1 行,更新 0 行,跳过 0 行,错误 1 行" in out
    assert_unchanged(before)


def test_a_dry_run_with_errors_fails_too(project, write_csv):
    path = write_csv(gift_sheet(gift_row(**{"到账日期": "2025-02-30"})))
    _out, err, error = run("gifts", str(path), "--dry-run")
    assert error is not None
    assert "第 2 行「到账日期」:「2025-02-30」不是有效日期。" in err


def test_only_the_first_50_errors_are_listed_then_how_many_more(project, write_csv, db_counts, assert_unchanged):
    rows = [gift_row(**{"银行流水号": f"BK{i}", "金额(元)": "abc"}) for i in range(60)]
    path = write_csv(gift_sheet(*rows))
    before = db_counts()
    _out, err, error = run("gifts", str(path))
    lines = err.strip().splitlines()
    assert len([line for line in lines if line.startswith("第 ")]) == 50
    assert lines[0].startswith("第 2 行「金额(元)」") and lines[49].startswith("第 51 行")
    assert "另有 10 条错误未显示(共 60 条)" in err
    assert "有 60 处错误" in str(error)
    assert_unchanged(before)


def test_a_refused_file_fails_with_the_reason(project, tmp_path, db_counts, assert_unchanged):
    path = tmp_path / "statement.xlsx"
    path.write_bytes(b"this is not a workbook at all" * 10)
    before = db_counts()
    _out, _err, error = run("gifts", str(path))
    assert error is not None
    assert "文件被拒绝" in str(error) and "不是 Excel 工作簿" in str(error)
    assert_unchanged(before)


def test_wrong_headers_fail_with_the_expected_headers(project, write_csv):
    path = write_csv([["项目", "金额"], ["XT100", "100"]])
    _out, err, error = run("gifts", str(path))
    assert error is not None
    assert "无法识别的表头:「项目」" in err
    assert "缺少必填列:捐赠方式、到账日期" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nosuchkind", "x.csv"], "未知的导入类型「nosuchkind」"),
        (["gifts", "/nonexistent/gifts.csv"], "找不到文件"),
        (["gifts", "{file}", "--user", "nobody"], "用户 nobody 不存在"),
    ],
)
def test_usage_errors_are_explained_in_chinese(two_gifts, args, message):
    _out, _err, error = run(*[a.format(file=two_gifts) for a in args])
    assert error is not None and message in str(error)
    assert not Donation.objects.exists()


def test_a_user_without_the_import_permission_is_refused(two_gifts):
    editor = staff_user("bianji", "编辑")
    _out, _err, error = run("gifts", str(two_gifts), "--user", editor.username)
    assert error is not None and "没有导入「线下捐赠」的权限" in str(error)
    assert not Donation.objects.exists()


def test_a_log_gets_one_plain_line_per_phase(two_gifts):
    out, _err, error = run("gifts", str(two_gifts))
    assert error is None
    assert "\r" not in out and "█" not in out
    lines = out.splitlines()
    for phase in ("解析:2/2", "校验:2/2", "写入:2/2"):
        assert lines.count(phase) == 1, out


def test_a_terminal_gets_a_progress_bar(two_gifts):
    out, _err, error = run("gifts", str(two_gifts), stdout=Terminal())
    assert error is None
    assert "\r解析 " in out and "\r写入 " in out
    assert "█" * 30 + " 100% 2/2" in out
    assert "导入完成:写入 2 行" in out.splitlines()[-1]


def test_the_exit_status_is_non_zero_on_error(project, write_csv, capsys):
    path = write_csv(gift_sheet(gift_row(**{"金额(元)": "0"})))
    # run_from_argv closes every connection when it ends, the test's own included: keep it open.
    with mock.patch("django.core.management.base.connections.close_all"), pytest.raises(SystemExit) as exited:
        Command().run_from_argv(["manage.py", "import_records", "gifts", str(path)])
    assert exited.value.code == 1
    assert "未导入任何数据" in capsys.readouterr().err
    assert not Donation.objects.exists()


def test_verbose_lists_each_row(two_gifts):
    out, _err, error = run("gifts", str(two_gifts), "--dry-run", "--verbosity", "2")
    assert error is None
    assert "第 2 行:新增 银行转账 100.00 元 → XT100" in out
    assert "第 3 行:新增 现金 50.00 元 → XT100" in out
