"""Validators for donor identity fields, with Chinese messages for staff and donors."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError

# GB 32100-2015 统一社会信用代码: 18 characters from this alphabet (no I, O, S, V, Z); the last is a check character.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    total = sum(CREDIT_CODE_ALPHABET.index(ch) * w for ch, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    """统一社会信用代码: 18 characters, valid alphabet, correct check character."""
    code = value.strip().upper()
    if len(code) != 18 or any(ch not in CREDIT_CODE_ALPHABET for ch in code):
        raise ValidationError("统一社会信用代码应为 18 位数字或大写字母(不含 I、O、S、V、Z)。", code="credit_code")
    if credit_code_check_char(code[:17]) != code[17]:
        raise ValidationError("统一社会信用代码校验位不正确,请核对。", code="credit_code_check")


def validate_mobile(value: str) -> None:
    digits = value.strip().replace(" ", "").replace("-", "")
    if digits.startswith("+86"):
        digits = digits[3:]
    if not (len(digits) == 11 and digits.isdigit() and digits[0] == "1"):
        raise ValidationError("请输入 11 位手机号码。", code="mobile")


def is_uuid(value: str) -> bool:
    """Is ``value`` a UUID (a gift's public id)? Gateway metadata is not trusted to be one."""
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
