"""Amounts in Chinese financial capital numerals (中文大写金额), as printed on 捐赠回执 and 票据.

The rules are those of 《支付结算办法》's 《正确填写票据和结算凭证的基本规定》 and 《会计基础工作规范》 Art. 52:

- capitals 零壹贰叁肆伍陆柒捌玖, units 拾佰仟万亿, then 元角分; 拾 is always written with its digit (壹拾, never 拾);
- a zero, or a run of zeros, between written digits is one 零 (¥1,409.50 → 壹仟肆佰零玖元伍角整,
  ¥1,004,000.00 → 壹佰万零肆仟元整); trailing zeros of the integer part are not written (¥1,680 → 壹仟陆佰捌拾元整);
- 整 follows 元 or 角 when there are no 分, never 分 (¥10.50 → 壹拾元伍角整, ¥1,234.56 → …伍角陆分);
- when 角 is zero and 分 is not, 零 follows 元 (¥1,000.05 → 壹仟元零伍分);
- where the rules allow either form (元位 zero before a non-zero 角: ¥1,680.32), the shorter one is used:
  壹仟陆佰捌拾元叁角贰分, and ¥107,000.53 → 壹拾万零柒仟元伍角叁分;
- below one yuan no 零元 is written (¥0.50 → 伍角整, ¥0.05 → 伍分); zero itself is 零元整.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("", "拾", "佰", "仟")
GROUPS = ("", "万", "亿")
MAXIMUM = Decimal("999999999999.99")
CENT = Decimal("0.01")


def amount_in_capitals(amount: Decimal | int, *, prefix: str = "人民币") -> str:
    """人民币壹仟贰佰叁拾肆元伍角陆分 for Decimal("1234.56"). Raises ValueError for a negative amount, one with
    more than two decimal places, NaN or infinity, or one above 999,999,999,999.99; TypeError for a float."""
    cents = _cents(amount)
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    if cents == 0:
        return f"{prefix}零元整"
    words = f"{_integer_words(yuan)}元" if yuan else ""
    if jiao:
        words += f"{DIGITS[jiao]}角"
    elif fen and yuan:
        words += "零"
    words += f"{DIGITS[fen]}分" if fen else "整"
    return prefix + words


def _cents(amount: Decimal | int) -> int:
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        raise TypeError(f"amount must be a Decimal (never a float), not {type(amount).__name__}")
    amount = Decimal(amount)
    if not amount.is_finite():
        raise ValueError(f"amount is not a number: {amount}")
    if amount < 0:
        raise ValueError(f"amount is negative: {amount}")
    if amount > MAXIMUM:
        raise ValueError(f"amount is above {MAXIMUM}: {amount}")
    try:
        exact = amount.quantize(CENT)
    except InvalidOperation as error:  # pragma: no cover - bounded above, cannot overflow
        raise ValueError(f"amount cannot be written in cents: {amount}") from error
    if exact != amount:
        raise ValueError(f"amount has more than two decimal places: {amount}")
    return int(exact * 100)


def _integer_words(number: int) -> str:
    """壹佰万零肆仟 for 1004000: digits from the most significant, one 零 for each run of zeros that is followed
    by a non-zero digit, and a group's 万/亿 only when the group has a non-zero digit."""
    digits = f"{number:012d}"
    words, zero_pending = [], False
    for group_index in range(3):
        group = digits[group_index * 4 : group_index * 4 + 4]
        for place, char in zip(range(3, -1, -1), group, strict=True):
            digit = int(char)
            if digit == 0:
                zero_pending = zero_pending or bool(words)
                continue
            if zero_pending:
                words.append("零")
                zero_pending = False
            words.append(DIGITS[digit] + PLACES[place])
        if int(group):
            words.append(GROUPS[2 - group_index])
    return "".join(words)
