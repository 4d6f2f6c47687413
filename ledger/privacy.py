"""Privacy by default for ledger records: masking, keyed pseudonyms, and a guard on public details.

Public records never carry a beneficiary's full name, ID number, phone, address, bank account or
diagnosis (个人信息保护法; 慈善法 Art. 63/82). Callers mask and pseudonymise before posting; the guard
refuses details that still look personal.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

FORBIDDEN_KEYS = re.compile(
    r"(phone|mobile|tel|id_?number|id_?card|identity|passport|bank|account_?no|card_?no|address|addr|email|"
    r"diagnosis|disease|illness|school|full_?name|real_?name)",
    re.IGNORECASE,
)
PERSONAL_PATTERNS = [
    ("身份证号", re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")),
    ("手机号", re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")),
    ("银行卡号", re.compile(r"(?<!\d)\d{16,19}(?!\d)")),
    ("电子邮箱", re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")),
]


class PersonalDataError(ValueError):
    pass


def mask_name(name: str) -> str:
    """张三丰 → 张*丰; 张三 → 张*; 欧阳娜娜 → 欧**娜. A single character is kept (nothing to mask)."""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def pseudonym(kind: str, value: str) -> str:
    """A stable keyed pseudonym (HMAC-SHA-256): the same person gets the same tag, no one can reverse it.

    64 bits in hex groups of four (b_1735-1283-1290-5441): an ungrouped tag can be all decimal digits, or hold
    an 11-digit run, and ``check_public_details`` would then take it for a bank card or a phone number.
    """
    if not settings.LEDGER_PSEUDONYM_KEY:
        raise ImproperlyConfigured("LEDGER_PSEUDONYM_KEY is not set: pseudonyms need a secret key.")
    key = settings.LEDGER_PSEUDONYM_KEY.encode("utf-8")
    digest = hmac.new(key, f"{kind}:{value.strip()}".encode(), hashlib.sha256).hexdigest()
    return f"{kind[:1]}_" + "-".join(digest[i : i + 4] for i in range(0, 16, 4))


def check_public_details(details: object, path: str = "details") -> None:
    """Refuse floats and anything that looks like personal data, with a message naming where."""
    if isinstance(details, dict):
        for key, value in details.items():
            if not isinstance(key, str):
                raise PersonalDataError(f"{path}: 键必须是字符串")
            if FORBIDDEN_KEYS.search(key):
                raise PersonalDataError(f"公开记录不能包含个人信息字段「{path}.{key}」")
            _check_text(key, f"{path} 的键")
            check_public_details(value, f"{path}.{key}")
    elif isinstance(details, list):
        for i, value in enumerate(details):
            check_public_details(value, f"{path}[{i}]")
    elif isinstance(details, float):
        raise PersonalDataError(f"{path}: 金额等数字请用字符串,不能用浮点数")
    elif isinstance(details, str):
        _check_text(details, path)
    elif isinstance(details, int) and not isinstance(details, bool):
        _check_text(str(details), path)  # a phone or ID number written as a JSON number is still one
    elif details is not None and not isinstance(details, bool):
        raise PersonalDataError(f"{path}: 不支持的类型 {type(details).__name__}")


def _check_text(text: str, path: str) -> None:
    for label, pattern in PERSONAL_PATTERNS:
        # The e-mail pattern backtracks over every run of word characters (~0.1 ms for a 64-character hash):
        # a text without "@" cannot match it.
        if (label != "电子邮箱" or "@" in text) and pattern.search(text):
            raise PersonalDataError(f"公开记录「{path}」疑似包含{label},请脱敏后再记账")
