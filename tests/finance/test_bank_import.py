"""银行对账单导入: the happy path, and every refusal changes nothing and says why in Chinese."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from finance.models import BankLine, BankStatement
from finance.services.bank import LineDraft, statement_import
from ledger.chart import BANK, chart_ensure
from ledger.models import Account, Transaction
from tests.finance.bank_data import Row, run, write_statement

pytestmark = pytest.mark.django_db

D1, D2, D3 = date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 5)


@pytest.fixture
def chart(db):
    return chart_ensure()


def counts():
    return BankStatement.objects.count(), BankLine.objects.count(), Transaction.objects.count()


def three_rows():
    return [
        Row(D1, income="1000.00", summary="捐款", name="张三", account="6222020200112233445", reference="BK001"),
        Row(D2, expense="300.00", summary="支付房租", name="某物业公司", reference="BK002"),
        Row(D3, income="50.00", summary="利息", reference="BK003"),
    ]


def test_import_happy_path_stores_counterparty_encrypted_and_masked(chart, tmp_path, finance):
    path = write_statement(tmp_path, three_rows(), opening="10000.00")
    preview = run(path, user=finance, dry_run=True)
    assert not preview.has_errors, preview.error_messages()
    assert counts() == (0, 0, 0)
    result = run(path, user=finance)
    assert result.imported, result.error_messages()
    statement = BankStatement.objects.get()
    assert statement.account.code == BANK
    assert (statement.period_start, statement.period_end) == (D1, D3)
    assert statement.opening_balance == Decimal("10000.00")
    assert statement.closing_balance == Decimal("10750.00")
    assert statement.line_count == 3
    first = BankLine.objects.get(reference="BK001")
    assert first.income == Decimal("1000.00") and first.expense == 0
    assert first.counterparty_name_masked == "张*"
    assert first.counterparty_account_masked == "****3445"
    assert "张三" not in first.counterparty_name_encrypted
    assert "6222020200112233445" not in first.counterparty_account_encrypted
    assert first.counterparty_name_hash and first.counterparty_account_hash
    # nothing personal anywhere in the ledger
    assert not Transaction.objects.filter(record__contains="张三").exists()


def test_xlsx_import(chart, tmp_path, finance):
    from openpyxl import Workbook

    from tests.finance.bank_data import HEADERS, rows_with_balances

    book = Workbook()
    for row in [HEADERS, *rows_with_balances(three_rows())]:
        book.active.append(row)
    path = tmp_path / "对账单.xlsx"
    book.save(path)
    result = run(path, user=finance)
    assert result.imported, result.error_messages()
    assert BankLine.objects.count() == 3


def refused(tmp_path, rows, *, opening="0.00", user=None) -> list[str]:
    before = counts()
    result = run(write_statement(tmp_path, rows, opening=opening), user=user)
    assert not result.imported
    assert counts() == before
    return result.error_messages()


def test_running_balance_that_does_not_add_up_names_the_row(chart, tmp_path):
    rows = three_rows()
    rows[2].balance = "700.00"  # should be 750.00
    messages = refused(tmp_path, rows)
    assert any(m.startswith("第 4 行「余额」:余额不衔接") and "第 3 行" in m for m in messages), messages


def test_both_or_neither_income_and_expense(chart, tmp_path):
    rows = [Row(D1, income="10.00", expense="5.00", balance="5.00"), Row(D2, balance="5.00")]
    messages = refused(tmp_path, rows)
    assert any("第 2 行" in m and "只能填一个" in m for m in messages), messages
    assert any("第 3 行" in m and "都为空" in m for m in messages), messages


def test_negative_amount_refused(chart, tmp_path):
    messages = refused(tmp_path, [Row(D1, income="-10.00")])
    assert any("不能为负数" in m for m in messages), messages


def test_reused_bank_line_refused(chart, tmp_path):
    assert run(write_statement(tmp_path, three_rows(), name="a.csv")).imported
    later = [Row(date(2026, 11, 20), income="5.00", reference="BK002")]
    messages = refused(tmp_path, later, opening="750.00")
    assert any("流水号 BK002 已在" in m and "不能重复导入" in m for m in messages), messages


def test_repeated_reference_within_file_refused(chart, tmp_path):
    rows = [Row(D1, income="1.00", reference="X1"), Row(D2, income="1.00", reference="X1")]
    messages = refused(tmp_path, rows)
    assert any("重复" in m and "X1" in m for m in messages), messages


def test_overlapping_statement_refused(chart, tmp_path):
    assert run(write_statement(tmp_path, three_rows(), name="a.csv")).imported
    messages = refused(tmp_path, [Row(D2, income="5.00", reference="NEW1")], opening="750.00")
    assert any("重叠" in m for m in messages), messages


def test_opening_balance_must_continue_previous_statement(chart, tmp_path):
    assert run(write_statement(tmp_path, three_rows(), name="a.csv")).imported
    messages = refused(tmp_path, [Row(date(2026, 11, 20), income="5.00", reference="NEW1")], opening="999.00")
    assert any("期初余额不衔接" in m and "750.00" in m for m in messages), messages
    ok = run(write_statement(tmp_path, [Row(date(2026, 11, 20), income="5.00", reference="NEW1")], opening="750.00"))
    assert ok.imported, ok.error_messages()


def test_dates_out_of_order_and_future_refused(chart, tmp_path):
    messages = refused(tmp_path, [Row(D3, income="1.00"), Row(D1, income="1.00"), Row(date(2099, 1, 1), income="1")])
    assert any("早于上一行" in m for m in messages), messages
    assert any("不能晚于今天" in m for m in messages), messages


def test_account_must_be_a_bank_account(chart, tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("交易日期,收入金额,余额,流水号,银行科目\n2026-11-02,1.00,1.00,A1,5201\n", encoding="utf-8")
    result = run(path)
    assert not result.imported
    assert any("不是银行存款科目" in m for m in result.error_messages())


def test_sub_account_statement(chart, tmp_path):
    from ledger.services.accounts import subaccount_create

    sub = subaccount_create(parent=Account.objects.get(code=BANK), suffix="01", name="工商银行")
    path = tmp_path / "s.csv"
    path.write_text("交易日期,收入金额,余额,流水号,银行科目\n2026-11-02,1.00,1.00,A1,1002.01\n", encoding="utf-8")
    result = run(path)
    assert result.imported, result.error_messages()
    assert BankStatement.objects.get().account == sub


def test_service_refuses_as_a_whole(chart):
    account = Account.objects.get(code=BANK)
    drafts = [
        LineDraft(2, D1, Decimal("5"), None, Decimal("5"), "R1"),
        LineDraft(3, D2, Decimal("5"), None, Decimal("11"), "R2"),
    ]
    with pytest.raises(Exception, match="余额不衔接"):
        statement_import(account=account, drafts=drafts)
    assert counts()[:2] == (0, 0)
