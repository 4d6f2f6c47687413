"""Personal data at rest (projects.sensitive): the 居民身份证号 check digit, encryption with key rotation, keyed
hashes and the masks staff see."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError

from projects import sensitive

# GB 11643 sample numbers, checked by hand: 1·7+1·9+0·10+1·5+0·8+5·4+1·2+9·1+4·6+9·3+1·7+2·9+3·10+1·5+0+0+2·2 = 167,
# 167 mod 11 = 2 → "X"; 37030320000101001 sums to 131, 131 mod 11 = 10 → "2".
VALID = ["11010519491231002X", "11010519491231002x", "110105 19491231 002X", "370303200001010012"]


@pytest.mark.parametrize("number", VALID)
def test_valid_numbers_pass(number):
    assert sensitive.id_number_errors(number) == ""
    sensitive.validate_id_number(number)


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("110105194912310021", "校验位"),  # the same number with a wrong check digit
        ("370303200001010014", "校验位"),
        ("11010519491331002" + "9", "校验位"),
        (sensitive.id_number_with_check("11010519491331002"), "出生日期"),  # month 13, check digit right
        (sensitive.id_number_with_check("11010519490230002"), "出生日期"),  # 30 February
        (sensitive.id_number_with_check("11010520491231002"), "出生日期"),  # born in 2049
        (sensitive.id_number_with_check("11010518991231002"), "出生日期"),  # before 1900
        ("11010519491231002", "18 位"),  # 17 digits
        ("11010519491231002XX", "18 位"),
        ("1101051949123100X2", "18 位"),
        ("", "18 位"),
    ],
)
def test_invalid_numbers_are_refused_with_the_reason(number, message):
    assert message in sensitive.id_number_errors(number)
    with pytest.raises(ValidationError):
        sensitive.validate_id_number(number)


def test_check_digit_helper_agrees_with_the_hand_computed_sample():
    assert sensitive.id_number_with_check("11010519491231002") == "11010519491231002X"


def test_encrypt_decrypt_roundtrip_and_no_plain_value_in_the_ciphertext():
    for value in ("11010519491231002X", "13912345678", "6228480402564890018", "中文备注"):
        token = sensitive.encrypt(value)
        assert value not in token
        assert value[-6:] not in token
        assert sensitive.decrypt(token) == value
    assert sensitive.encrypt("") == "" and sensitive.decrypt("") == ""


def test_encrypting_twice_gives_different_ciphertexts():
    """Fernet uses a random IV: equal plain values are not recognisable from their ciphertexts."""
    assert sensitive.encrypt("13912345678") != sensitive.encrypt("13912345678")


def test_keyed_hash_is_stable_normalised_and_key_dependent(settings):
    first = sensitive.keyed_hash("id_number", "11010519491231002X")
    assert first == sensitive.keyed_hash("id_number", "110105 19491231 002x")
    assert first != sensitive.keyed_hash("phone", "11010519491231002X")  # kinds never collide
    assert len(first) == 64 and "11010519491231002X" not in first
    settings.PERSONAL_DATA_KEY = "another-key"
    assert sensitive.keyed_hash("id_number", "11010519491231002X") != first
    assert sensitive.keyed_hash("id_number", "") == ""


def test_an_old_key_still_decrypts_after_rotation(settings):
    settings.PERSONAL_DATA_KEY = "key-2025"
    token = sensitive.encrypt("13912345678")
    settings.PERSONAL_DATA_KEY = "key-2026"
    settings.PERSONAL_DATA_OLD_KEYS = []
    with pytest.raises(ImproperlyConfigured):
        sensitive.decrypt(token)
    settings.PERSONAL_DATA_OLD_KEYS = ["key-2025"]
    assert sensitive.decrypt(token) == "13912345678"
    # New values are written with the new key: they decrypt once the old key is dropped.
    fresh = sensitive.encrypt("13800000000")
    settings.PERSONAL_DATA_OLD_KEYS = []
    assert sensitive.decrypt(fresh) == "13800000000"


def test_no_key_means_no_encryption(settings):
    settings.PERSONAL_DATA_KEY = ""
    with pytest.raises(ImproperlyConfigured):
        sensitive.encrypt("13912345678")
    with pytest.raises(ImproperlyConfigured):
        sensitive.keyed_hash("phone", "13912345678")


@pytest.mark.parametrize(
    ("kind", "value", "masked"),
    [
        ("id_number", "11010519491231002x", "1101**********002X"),
        ("id_number", "370303200001010012", "3703**********0012"),
        ("phone", "139 1234 5678", "139****5678"),
        ("guardian_phone", "13800001111", "138****1111"),
        ("bank_account", "6228480402564890018", "****0018"),
        ("phone", "", ""),
    ],
)
def test_masks(kind, value, masked):
    assert sensitive.mask(kind, value) == masked


def test_mobile_and_bank_account_validators():
    sensitive.validate_mobile("13912345678")
    sensitive.validate_mobile("")
    sensitive.validate_bank_account("6228480402564890018")
    for bad in ("1391234567", "23912345678", "1391234567a"):
        with pytest.raises(ValidationError):
            sensitive.validate_mobile(bad)
    for bad in ("1234567", "6228-4804-abcd"):
        with pytest.raises(ValidationError):
            sensitive.validate_bank_account(bad)
