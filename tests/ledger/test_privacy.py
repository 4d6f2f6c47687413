"""Privacy by default in public records: masking, keyed pseudonyms, and the guard on public details."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from ledger.privacy import PersonalDataError, check_public_details, mask_name, pseudonym
from ledger.services import PostingError
from tests.ledger.ledger_data import gift, post, snapshot

ID_NUMBER = "110101199003074518"


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三丰", "张*丰"), ("张三", "张*"), ("欧阳娜娜", "欧**娜"), ("李", "李"), (" 王五 ", "王*"), ("", "")],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


def test_a_pseudonym_is_stable_keyed_and_reveals_nothing(settings):
    tag = pseudonym("beneficiary", ID_NUMBER)
    assert tag == pseudonym("beneficiary", f" {ID_NUMBER} ")
    assert tag.startswith("b_")
    assert ID_NUMBER not in tag and "4518" not in tag
    assert tag != pseudonym("beneficiary", "110101199003074526")
    assert tag != pseudonym("guardian", ID_NUMBER)
    settings.LEDGER_PSEUDONYM_KEY = "another-key"
    assert pseudonym("beneficiary", ID_NUMBER) != tag


def test_every_pseudonym_passes_the_guard_it_was_made_for():
    """A pseudonym is what callers are told to publish, so the guard must never take one for a card or a
    phone number (a 16-hex-digit tag is all decimal digits, or holds an 11-digit run, about 1 time in 1,600)."""
    refused = []
    for n in range(4000):
        tag = pseudonym("beneficiary", f"11010119900307{n:04d}")
        try:
            check_public_details({"beneficiary": tag})
        except PersonalDataError:
            refused.append(tag)
    assert refused == []


ALLOWED = {
    "fund": "XT100",
    "donor": "匿名",
    "beneficiary": "张*丰",
    "amount": "100.00",
    "count": 3,
    "demo": True,
    "note": None,
    "date": "2026-03-01",
    "region": ["甘肃", "定西"],
    "invoice": "XT100-2026-0001",
}


def test_ordinary_public_details_pass():
    check_public_details(ALLOWED)
    check_public_details({})


REFUSED = {
    "phone in text": ({"note": "请联系 13812345678"}, "疑似包含手机号"),
    "id number in text": ({"note": f"身份证{ID_NUMBER}"}, "疑似包含身份证号"),
    "id number ending in X": ({"note": "11010119900307451X"}, "疑似包含身份证号"),
    "bank card": ({"note": "卡号 6222021234567890123"}, "疑似包含银行卡号"),
    "email": ({"note": "zhang.san@example.com"}, "疑似包含电子邮箱"),
    "phone key": ({"phone": "***"}, "个人信息字段「details.phone」"),
    "mobile key": ({"Mobile": "***"}, "个人信息字段「details.Mobile」"),
    "id_number key": ({"id_number": "***"}, "个人信息字段「details.id_number」"),
    "idcard key": ({"idcard": "***"}, "个人信息字段「details.idcard」"),
    "address key": ({"home_address": "***"}, "个人信息字段「details.home_address」"),
    "bank key": ({"bank_account": "***"}, "个人信息字段「details.bank_account」"),
    "diagnosis key": ({"diagnosis": "***"}, "个人信息字段「details.diagnosis」"),
    "full name key": ({"full_name": "***"}, "个人信息字段「details.full_name」"),
    "nested in a list": ({"people": [{"name": "张*"}, {"real_name": "x"}]}, "「details.people[1].real_name」"),
    "phone deep in a list": ({"people": [["13912345678"]]}, "「details.people[0][0]」疑似包含手机号"),
    "phone as an integer": ({"ref": 13812345678}, "疑似包含手机号"),
    "id number as an integer": ({"ref": 110101199003074518}, "疑似包含身份证号"),
    "phone as a key": ({"13812345678": "捐赠人"}, "疑似包含手机号"),
    "float": ({"amount": 100.5}, "不能用浮点数"),
    "decimal": ({"amount": Decimal("100.50")}, "不支持的类型 Decimal"),
    "non-string key": ({1: "x"}, "键必须是字符串"),
}


@pytest.mark.parametrize(("details", "message"), REFUSED.values(), ids=REFUSED.keys())
def test_personal_data_is_refused_with_a_message_naming_where(details, message):
    with pytest.raises(PersonalDataError) as refused:
        check_public_details(details)
    assert message in str(refused.value)


@pytest.mark.django_db
def test_a_masked_and_pseudonymised_record_posts_and_carries_no_personal_data(books):
    tag = pseudonym("beneficiary", ID_NUMBER)
    details = {"fund": "XT100", "beneficiary": mask_name("张三丰"), "beneficiary_tag": tag}
    tx = post(gift(1), public_record=details)

    record = json.loads(tx.record)
    assert record["details"] == details
    assert "张三丰" not in tx.record and ID_NUMBER not in tx.record
    assert "张*丰" in tx.record


@pytest.mark.django_db
def test_a_record_with_personal_data_is_refused_by_the_posting_service(books):
    before = snapshot()
    with pytest.raises(PostingError, match="test:gift:1:公开记录「public_record.beneficiary」疑似包含身份证号"):
        post(gift(1), public_record={"beneficiary": f"张三丰 {ID_NUMBER}"})
    assert snapshot() == before
