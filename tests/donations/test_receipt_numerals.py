"""amount_in_capitals against worked examples from 《支付结算办法》's filling rules, the receipt's own examples, and a
reader of capital amounts written here from the rules (every amount must read back as itself)."""

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from donations.receipts import amount_in_capitals

EXAMPLES = [
    ("100", "人民币壹佰元整"),
    ("1234.56", "人民币壹仟贰佰叁拾肆元伍角陆分"),
    ("1000.05", "人民币壹仟元零伍分"),
    ("100000", "人民币壹拾万元整"),
    ("10.50", "人民币壹拾元伍角整"),
    ("1004000.00", "人民币壹佰万零肆仟元整"),
    ("0.5", "人民币伍角整"),
    ("0", "人民币零元整"),
    ("0.00", "人民币零元整"),
    # The rules' own worked examples.
    ("1409.50", "人民币壹仟肆佰零玖元伍角整"),
    ("6007.14", "人民币陆仟零柒元壹角肆分"),
    ("16409.02", "人民币壹万陆仟肆佰零玖元零贰分"),
    ("325.04", "人民币叁佰贰拾伍元零肆分"),
    # Where the rules allow 零 or none, the shorter form.
    ("1680.32", "人民币壹仟陆佰捌拾元叁角贰分"),
    ("107000.53", "人民币壹拾万零柒仟元伍角叁分"),
    # 拾 always with its digit; zeros across 万 and 亿.
    ("10", "人民币壹拾元整"),
    ("15", "人民币壹拾伍元整"),
    ("110000", "人民币壹拾壹万元整"),
    ("10010", "人民币壹万零壹拾元整"),
    ("30000500", "人民币叁仟万零伍佰元整"),
    ("100000001", "人民币壹亿零壹元整"),
    ("100010000", "人民币壹亿零壹万元整"),
    ("1200000000", "人民币壹拾贰亿元整"),
    ("0.05", "人民币伍分"),
    ("0.55", "人民币伍角伍分"),
    ("1.01", "人民币壹元零壹分"),
    ("999999999999.99", "人民币玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
]


@pytest.mark.parametrize(("amount", "expected"), EXAMPLES)
def test_examples(amount, expected):
    assert amount_in_capitals(Decimal(amount)) == expected


def test_whole_integers_and_other_prefixes():
    assert amount_in_capitals(200) == "人民币贰佰元整"
    assert amount_in_capitals(Decimal("88.80"), prefix="港币") == "港币捌拾捌元捌角整"
    assert amount_in_capitals(Decimal("1.230")) == "人民币壹元贰角叁分"  # a trailing zero is not a third decimal


@pytest.mark.parametrize(
    "amount", ["-0.01", "-100", "1.005", "0.001", "NaN", "sNaN", "Infinity", "-Infinity", "1000000000000", "1E+12"]
)
def test_rejects(amount):
    with pytest.raises(ValueError, match="amount"):
        amount_in_capitals(Decimal(amount))


@pytest.mark.parametrize("amount", [1.5, "100", None, True])
def test_rejects_non_decimals(amount):
    with pytest.raises(TypeError):
        amount_in_capitals(amount)


DIGIT = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
PLACE = {"拾": 10, "佰": 100, "仟": 1000}


def read_capitals(text: str) -> Decimal:
    """Reads 人民币…元…角…分/整 back into a Decimal, strictly: each digit is followed by its unit."""
    assert text.startswith("人民币")
    match = re.fullmatch(r"人民币(?:(.+)元)?(零)?(?:(.)角)?(?:(.)分)?(整)?", text)
    assert match, text
    integer, _, jiao, fen, _ = match.groups()
    total = 0
    if integer:
        for group, unit in ((r"(.*?)亿", 10**8), (r"(.*?)万", 10**4)):
            found = re.match(group, integer)
            if found:
                total += _read_group(found.group(1)) * unit
                integer = integer[found.end():]
        total += _read_group(integer)
    cents = total * 100 + (DIGIT[jiao] * 10 if jiao else 0) + (DIGIT[fen] if fen else 0)
    return Decimal(cents) / 100


def _read_group(text: str) -> int:
    text, value = text.removeprefix("零"), 0
    for digit, place in re.findall(r"([壹贰叁肆伍陆柒捌玖])([拾佰仟]?)", text.replace("零", "")):
        value += DIGIT[digit] * PLACE.get(place, 1)
    return value


amounts = st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2, allow_nan=False)


@given(amounts)
def test_reads_back_as_itself(amount):
    assert read_capitals(amount_in_capitals(amount)) == amount


@given(amounts)
def test_form_rules(amount):
    text = amount_in_capitals(amount)
    cents = int(amount * 100)
    if cents == 0:
        assert text == "人民币零元整"
        return
    assert "零零" not in text
    assert not re.search(r"零[元万亿角整]", text), "a 零 is always followed by a digit"
    assert not re.search(r"(^|[^壹贰叁肆伍陆柒捌玖])拾", text.removeprefix("人民币")), "拾 is written with its digit"
    assert text.endswith("整") == (cents % 10 == 0), "整 exactly when there are no 分"
    if cents % 100 and cents >= 100 and cents % 100 < 10:
        assert "元零" in text, "零 after 元 when 角 is zero and 分 is not"
