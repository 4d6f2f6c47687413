"""Personal data at rest: encryption, keyed hashes, masks and the 居民身份证号 checksum.

Rules:
- ID numbers, phones and bank accounts are stored encrypted (Fernet: AES-128-CBC + HMAC-SHA-256) with a key
  derived from ``PERSONAL_DATA_KEY``; keys listed in ``PERSONAL_DATA_OLD_KEYS`` still decrypt after a rotation.
- Beside each ciphertext sits a keyed hash (HMAC-SHA-256 with a second derived key) of the normalised value:
  equal values have equal hashes, so duplicates are refused by a unique index and staff can search by a full
  value, but nobody holding only the database can test guesses against it without the key.
- Staff see masks (3701**********123X, 138****1234, ****5678); the full value needs a permission and is logged.
- The permission is per field (``REVEAL_SCOPES``): 身份证号, 电话 (the person's and the guardian's), 银行账号 and
  详细住址 (the village, which is stored plain but never shown without it). One rule for the admin page, the
  reveal service and the exports: ``may_reveal(user, field)``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import date

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
ID_PATTERN = re.compile(r"^\d{17}[\dX]$")
MOBILE_PATTERN = re.compile(r"^1[3-9]\d{9}$")
BANK_ACCOUNT_PATTERN = re.compile(r"^\d{8,30}$")

# What one reveal permission (``projects.reveal_beneficiary_<scope>``) lets a user see in full, with the label
# staff read. charity.groups grants them per group (财务: the bank account only).
REVEAL_SCOPES = {
    "id_number": "身份证号",
    "phone": "联系电话",
    "bank_account": "银行账号",
    "address": "详细住址",
}
# Each revealable field of a beneficiary → the scope whose permission reveals it.
FIELD_SCOPES = {
    "id_number": "id_number",
    "phone": "phone",
    "guardian_phone": "phone",
    "bank_account": "bank_account",
    "village": "address",
}


def reveal_permission(scope: str) -> str:
    """``projects.reveal_beneficiary_<scope>``, declared on ``Beneficiary.Meta.permissions``."""
    if scope not in REVEAL_SCOPES:
        raise ValueError(scope)
    return f"projects.reveal_beneficiary_{scope}"


def reveal_scopes(user) -> frozenset[str]:
    """The scopes this user may reveal (none for ``None``, as a management command passes)."""
    if user is None:
        return frozenset()
    return frozenset(scope for scope in REVEAL_SCOPES if user.has_perm(reveal_permission(scope)))


def may_reveal(user, field: str) -> bool:
    """Whether ``user`` may see ``field`` (a key of ``FIELD_SCOPES``) of a beneficiary in full."""
    return user is not None and user.has_perm(reveal_permission(FIELD_SCOPES[field]))


def _derived(secret: str, purpose: str) -> bytes:
    return hmac.new(secret.encode("utf-8"), f"charity:{purpose}".encode(), hashlib.sha256).digest()


def _secret() -> str:
    if not settings.PERSONAL_DATA_KEY:
        raise ImproperlyConfigured("PERSONAL_DATA_KEY is not set: personal data cannot be encrypted.")
    return settings.PERSONAL_DATA_KEY


def _fernet() -> MultiFernet:
    secrets = [_secret(), *settings.PERSONAL_DATA_OLD_KEYS]
    return MultiFernet([Fernet(base64.urlsafe_b64encode(_derived(s, "encrypt"))) for s in secrets])


def encrypt(value: str) -> str:
    """The ciphertext of a value (empty stays empty, so optional fields need no flag)."""
    return _fernet().encrypt(value.encode("utf-8")).decode("ascii") if value else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as error:
        raise ImproperlyConfigured("个人信息无法解密:PERSONAL_DATA_KEY 与加密时的密钥不一致。") from error


def keyed_hash(kind: str, value: str) -> str:
    """HMAC-SHA-256 of a normalised value, per kind (an ID number and a phone never collide); empty → empty."""
    value = normalise(kind, value)
    if not value:
        return ""
    return hmac.new(_derived(_secret(), "hash"), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def normalise(kind: str, value: str) -> str:
    """Spaces and dashes out; the ID number's check character upper-case."""
    value = re.sub(r"[\s-]", "", value or "")
    return value.upper() if kind == "id_number" else value


def mask(kind: str, value: str) -> str:
    """What staff see without the reveal permission."""
    value = normalise(kind, value)
    if not value:
        return ""
    if kind == "id_number":
        return value[:4] + "*" * (len(value) - 8) + value[-4:]
    if kind in ("phone", "guardian_phone") and len(value) >= 8:
        return f"{value[:3]}****{value[-4:]}"
    return "****" + value[-4:]


def id_number_errors(value: str) -> str:
    """The Chinese error for a bad 18-digit 居民身份证号 (GB 11643 check digit and birth date), or ''."""
    value = normalise("id_number", value)
    if not ID_PATTERN.match(value):
        return "身份证号应为 18 位,前 17 位为数字,最后一位为数字或 X。"
    total = sum(int(d) * w for d, w in zip(value[:17], ID_WEIGHTS, strict=True))
    if ID_CHECK_CHARS[total % 11] != value[17]:
        return "身份证号校验位不正确,请核对。"
    try:
        born = birth_date_from_id(value)
    except ValueError:
        return "身份证号中的出生日期无效。"
    if born > date.today() or born.year < 1900:  # noqa: DTZ011 - a calendar date, not an instant
        return "身份证号中的出生日期无效。"
    return ""


def validate_id_number(value: str) -> None:
    if error := id_number_errors(value):
        raise ValidationError(error)


def validate_mobile(value: str) -> None:
    if value and not MOBILE_PATTERN.match(normalise("phone", value)):
        raise ValidationError("手机号应为 11 位数字,以 1 开头。")


def validate_bank_account(value: str) -> None:
    if value and not BANK_ACCOUNT_PATTERN.match(normalise("bank_account", value)):
        raise ValidationError("银行账号应为 8–30 位数字。")


def birth_date_from_id(value: str) -> date:
    value = normalise("id_number", value)
    return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def id_number_with_check(first17: str) -> str:
    """Complete 17 digits with their check character (factories, demo data, tests)."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return first17 + ID_CHECK_CHARS[total % 11]
