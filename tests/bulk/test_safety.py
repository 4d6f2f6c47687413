"""Formula-injection neutralising (``bulk.safety.neutralise``) and the cell conversions that rely on it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook

from bulk.exports.writers import csv_cell, xlsx_cell
from bulk.safety import is_unsafe, neutralise

DANGEROUS = [
    '=HYPERLINK("http://x","y")',
    "+1",
    "-1+1",
    "@SUM(A1:A2)",
    "\t=1",
    "\r=1",
    "\tplain after a tab",
    "\rplain after a carriage return",
    " =1+1",  # a trimming importer would uncover the formula
    "\n=1",
    "\r\n@SUM(A1)",
    "\u3000=1",  # ideographic space
    "\xa0+1",  # no-break space
    "\u200b=1",  # zero-width space
    "\ufeff-1+1",  # a stray byte-order mark
    " \u200b =1",  # mixed blanks
    "＝1+1",  # full-width forms, typed by Chinese input methods
    "＋1",
    "－1",
    "＠SUM(A1)",
    "=",
    "-",
]
LOCAL_TIME = datetime(2026, 3, 2, 9, 5, 7)  # noqa: DTZ001 - resources hand the writers naive local times
HARMLESS = ["张三", "爱心人士", "100元", "a=b", "1+1", "'=1", "", " 张三", "\n第二行", "HYPERLINK", "#REF", "{}"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_dangerous_text_is_quoted(value):
    assert neutralise(value) == "'" + value
    assert is_unsafe(value)


@pytest.mark.parametrize("value", HARMLESS)
def test_harmless_text_is_unchanged(value):
    assert neutralise(value) == value
    assert not is_unsafe(value)


@pytest.mark.parametrize("value", DANGEROUS + HARMLESS)
def test_neutralising_twice_changes_nothing_more(value):
    once = neutralise(value)
    assert neutralise(once) == once


@pytest.mark.parametrize(
    "value",
    [Decimal("-12.50"), Decimal("0.00"), -5, 0, 3.5, date(2026, 1, 2), LOCAL_TIME, None, True],
)
def test_non_text_passes_through_as_the_same_object(value):
    assert neutralise(value) is value


def test_a_negative_amount_stays_a_number_in_both_formats():
    assert csv_cell(Decimal("-12.50")) == "-12.50"
    assert csv_cell(-3) == "-3"
    sheet = Workbook(write_only=True).create_sheet("t")
    cell = xlsx_cell(sheet, Decimal("-12.50"))
    assert cell.value == Decimal("-12.50") and cell.number_format == "0.00"


def test_csv_cells_format_natives_and_quote_text():
    assert csv_cell(None) == ""
    assert csv_cell(Decimal("100.00")) == "100.00"
    assert csv_cell(Decimal("1E+2")) == "100"  # a normalised quantity is never written in exponent form
    assert csv_cell(LOCAL_TIME) == "2026-03-02 09:05:07"
    assert csv_cell(date(2026, 3, 2)) == "2026-03-02"
    assert csv_cell("=1+1") == "'=1+1"


def test_xlsx_text_loses_control_characters_before_it_is_checked():
    sheet = Workbook(write_only=True).create_sheet("t")
    # openpyxl refuses \x01; once it is removed the formula start must still be caught
    assert xlsx_cell(sheet, "\x01=1+1") == "'=1+1"
    assert xlsx_cell(sheet, "a\x02b") == "ab"
    assert xlsx_cell(sheet, "多行\n文本") == "多行\n文本"
