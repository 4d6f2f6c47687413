"""The cell parsers: what staff type (or Excel stores) becomes the right Python value, and everything else a
Chinese ``ValueError``. No database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from bulk.widgets import (
    AmountWidget,
    ChoiceWidget,
    CodeWidget,
    Column,
    DateTimeWidget,
    DateWidget,
    TextWidget,
    ValidatorWidget,
    YesNoWidget,
)
from donations.validators import validate_credit_code

SHANGHAI = ZoneInfo("Asia/Shanghai")


def refused(widget, value) -> str:
    with pytest.raises(ValueError, match=r".") as error:
        widget.clean(value)
    return str(error.value)


# --- amounts ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("100", "100.00"),
        ("100.5", "100.50"),
        ("1,000.00", "1000.00"),
        ("1,000", "1000.00"),
        ("¥100", "100.00"),
        ("¥100", "100.00"),
        ("100元", "100.00"),
        (" 88.8 ", "88.80"),
        (100, "100.00"),
        (100.1, "100.10"),  # the float Excel stores, read through its shortest repr, not 100.099999…
        (0.1 + 0.2, None),  # 0.30000000000000004: more than two decimals, refused rather than rounded
        (Decimal("12.34"), "12.34"),
        ("999999999999999.99", "999999999999999.99"),
    ],
)
def test_amounts(value, expected):
    widget = AmountWidget()
    if expected is None:
        assert refused(widget, value) == "最多 2 位小数,且不超过 15 位整数。"
    else:
        assert widget.clean(value) == Decimal(expected)
        assert str(widget.clean(value)) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "「abc」不是数字。"),
        ("一百", "「一百」不是数字。"),
        ("", "「」不是数字。"),
        ("-1", "必须大于 0。"),
        ("0", "必须大于 0。"),
        (-0.0, "必须大于 0。"),
        ("100.001", "最多 2 位小数,且不超过 15 位整数。"),
        ("1000000000000000", "最多 2 位小数,且不超过 15 位整数。"),
        ("1e999", "最多 2 位小数,且不超过 15 位整数。"),
        ("1E+999999999", "最多 2 位小数,且不超过 15 位整数。"),
        ("1e-999999999", "最多 2 位小数,且不超过 15 位整数。"),
        ("NaN", "「NaN」不是数字。"),
        ("sNaN", "「sNaN」不是数字。"),
        ("-Infinity", "「-Infinity」不是数字。"),
        (float("nan"), "应为数字。"),
        (float("inf"), "应为数字。"),
        (True, "应为数字。"),
        (date(2025, 1, 1), "应为数字。"),
        ("=SUM(A1:A3)", "「=SUM(A1:A3)」不是数字。"),
        ("1" * 40, "最多 2 位小数,且不超过 15 位整数。"),
    ],
)
def test_amounts_refused(value, message):
    assert refused(AmountWidget(), value) == message


def test_a_column_narrower_than_an_amount_says_so():
    widget = AmountWidget(digits=12)
    assert widget.clean("999999999999.99") == Decimal("999999999999.99")
    assert refused(widget, "1000000000000") == "最多 2 位小数,且不超过 12 位整数。"


def test_negative_amounts_when_allowed():
    assert AmountWidget(positive=False).clean("-12.5") == Decimal("-12.50")


# --- dates --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "2025-01-31",
        "2025/1/31",
        "2025.01.31",
        "20250131",
        "2025年1月31日",
        "2025-01-31 00:00:00",
        "2025-01-31T08:00",
        20250131.0,
        date(2025, 1, 31),
        datetime(2025, 1, 31, 23, 59),  # noqa: DTZ001 - an Excel cell is naive
    ],
)
def test_dates(value):
    assert DateWidget().clean(value) == date(2025, 1, 31)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2025-02-30", "「2025-02-30」不是有效日期。"),
        ("2024-02-30", "「2024-02-30」不是有效日期。"),
        ("2025-13-01", "「2025-13-01」不是有效日期。"),
        ("2025-00-10", "「2025-00-10」不是有效日期。"),
        ("20251301", "「20251301」不是有效日期。"),
        ("0000-01-01", "「0000-01-01」不是有效日期。"),
        ("31/01/2025", "「31/01/2025」不是日期,请写成 2025-01-31。"),
        ("昨天", "「昨天」不是日期,请写成 2025-01-31。"),
        ("", "「」不是日期,请写成 2025-01-31。"),
        (45678, "「45678」不是日期,请写成 2025-01-31。"),  # an Excel serial that lost its date format
        ("2025-01-31\n=cmd", "「2025-01-31 =cmd」不是日期,请写成 2025-01-31。"),
    ],
)
def test_dates_refused(value, message):
    assert refused(DateWidget(), value) == message


def test_the_leap_day_exists_in_leap_years_only():
    assert DateWidget().clean("2024-02-29") == date(2024, 2, 29)
    assert refused(DateWidget(), "2025-02-29") == "「2025-02-29」不是有效日期。"


def test_a_date_alone_is_noon_in_shanghai():
    moment = DateTimeWidget().clean("2025-01-31")
    assert moment == datetime(2025, 1, 31, 12, tzinfo=SHANGHAI)
    assert moment.astimezone(UTC) == datetime(2025, 1, 31, 4, tzinfo=UTC)


def test_a_date_and_time_in_shanghai():
    assert DateTimeWidget().clean("2025-01-31 14:05") == datetime(2025, 1, 31, 14, 5, tzinfo=SHANGHAI)
    assert DateTimeWidget().clean("2025-01-31T14:05:09") == datetime(2025, 1, 31, 14, 5, 9, tzinfo=SHANGHAI)
    naive = datetime(2025, 1, 31, 1, 30)  # noqa: DTZ001 - an Excel cell is naive
    assert DateTimeWidget().clean(naive) == datetime(2025, 1, 31, 1, 30, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2025-01-31 24:00", "「2025-01-31 24:00」的时间无效。"),
        ("2025-01-31 12:60", "「2025-01-31 12:60」的时间无效。"),
        ("2025-01-31 noon", "「2025-01-31 noon」的时间部分无法识别,请写成 2025-01-31 14:05。"),
    ],
)
def test_bad_times(value, message):
    assert refused(DateTimeWidget(), value) == message


def test_todays_date_before_noon_is_now_not_the_future():
    today = timezone.localdate()
    nine = datetime.combine(today, datetime.min.time(), tzinfo=SHANGHAI) + timedelta(hours=9)
    with mock.patch("django.utils.timezone.now", return_value=nine.astimezone(UTC)):
        assert DateTimeWidget().clean(today.isoformat()) == nine
        assert DateTimeWidget().clean(today) == nine
        tomorrow = today + timedelta(days=1)
        noon_tomorrow = datetime.combine(tomorrow, datetime.min.time(), tzinfo=SHANGHAI) + timedelta(hours=12)
        assert DateTimeWidget().clean(tomorrow.isoformat()) == noon_tomorrow
        later = f"{today.isoformat()} 10:00"  # a time given is kept (and refused as future by the service)
        assert DateTimeWidget().clean(later) == nine + timedelta(hours=1)


# --- text, codes, choices -----------------------------------------------------------------------------------


def test_text():
    widget = TextWidget(20)
    assert widget.clean("  张三  ") == "张三"
    assert widget.clean(6228480012345.0) == "6228480012345"  # an account number Excel stored as a number
    assert widget.clean(12.5) == "12.5"
    assert refused(widget, "张" * 21) == "太长(最多 20 个字符)。"
    assert refused(widget, date(2025, 1, 1)) == "应为文字,不是日期。"
    assert refused(widget, datetime(2025, 1, 1, tzinfo=UTC)) == "应为文字,不是日期。"


def test_codes():
    widget = CodeWidget(10, upper=True)
    assert widget.clean(" xt100 ") == "XT100"
    assert widget.clean("a-b_c/d.e") == "A-B_C/D.E"
    assert widget.clean(20250131.0) == "20250131"
    for value in ("XT 100", "-XT", "=1+1", "项目1", "XT\n1"):
        assert "含有不允许的字符(只能是字母、数字和 - _ / .)" in refused(widget, value)
    assert refused(widget, "X" * 11) == "太长(最多 10 个字符)。"


def test_choices_accept_labels_values_and_aliases():
    widget = ChoiceWidget([("bank", "银行转账"), ("cash", "现金")], {"转账": "bank"})
    assert widget.clean("银行转账") == "bank"
    assert widget.clean(" 银行 转账 ") == "bank"
    assert widget.clean("cash") == "cash"
    assert widget.clean("转账") == "bank"
    assert refused(widget, "支付宝") == "「支付宝」不是可选值,应为:银行转账、现金。"
    assert widget.render("bank") == "银行转账"


@pytest.mark.parametrize(("value", "expected"), [("是", True), ("否", False), ("Y", True), (1, True), (0.0, False)])
def test_yes_no(value, expected):
    assert YesNoWidget().clean(value) is expected


def test_yes_no_refused():
    assert refused(YesNoWidget(), "也许") == "「也许」应填「是」或「否」。"
    assert refused(YesNoWidget(), 2) == "「2」应填「是」或「否」。"


def test_a_validator_widget_speaks_the_validators_chinese():
    widget = ValidatorWidget(validate_credit_code, 18, upper=True)
    assert widget.clean("91350100m000100y43") == "91350100M000100Y43"
    assert refused(widget, "91350100M000100Y44") == "统一社会信用代码校验位不正确,请核对。"


# --- columns ------------------------------------------------------------------------------------------------


def test_a_required_column_refuses_blanks_and_an_optional_one_gives_none():
    required = Column("amount", "金额(元)", AmountWidget(), required=True)
    optional = Column("amount", "金额(元)", AmountWidget())
    for blank in (None, "", "   ", "\t"):
        with pytest.raises(ValueError, match="必填,不能为空。"):
            required.parse(blank)
        assert optional.parse(blank) is None
    assert required.parse("5") == Decimal("5.00")
