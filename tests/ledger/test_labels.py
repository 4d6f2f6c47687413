"""ledger.labels: every key and value a public record can hold has a Chinese label and an English one, in one
place; the values agree with what staff see in the admin; a medical record is shown without payee and 镇街."""

from __future__ import annotations

import pytest
from django.utils import translation

from donations.models import Channel
from donations.models.donations import ValuationBasis
from ledger.labels import DETAILS, data_dictionary, detail_rows, district_of, value_label
from projects.models import BeneficiaryCategory, Payee, PaymentMethod

CHOICES = {"category": BeneficiaryCategory, "payee": Payee, "method": PaymentMethod, "valuation": ValuationBasis}


@pytest.mark.parametrize("key", CHOICES)
def test_every_choice_a_record_can_hold_reads_as_the_admin_names_it(key):
    with translation.override("zh-hans"):
        chinese = {choice.value: str(value_label(key, choice.value)) for choice in CHOICES[key]}
    with translation.override("en"):
        english = {choice.value: str(value_label(key, choice.value)) for choice in CHOICES[key]}

    assert chinese == {choice.value: choice.label for choice in CHOICES[key]}
    assert all(label.isascii() and label != value for value, label in english.items())


def test_every_channel_reads_in_both_languages():
    for language in ("zh-hans", "en"):
        with translation.override(language):
            assert {c.value: str(value_label("channel", c.value)) for c in Channel} == {
                c.value: str(c.label) for c in Channel
            }


def test_every_key_has_a_chinese_and_an_english_label_and_meaning():
    dictionary = data_dictionary()["details"]

    assert "donor_commitment" in dictionary and dictionary["donor_commitment"]["label"] == {
        "zh-hans": "捐赠人名称承诺",
        "en": "Donor name commitment",
    }
    for key, entry in dictionary.items():
        for text in (entry["label"], *entry["values"].values()):
            assert text["en"].isascii(), key
        for text in (entry["label"], entry["meaning"], *entry["values"].values()):
            assert text["zh-hans"] != text["en"] and not text["zh-hans"].isascii(), (key, text)


@pytest.mark.parametrize(
    ("region", "district"),
    [
        ("张店区车站街道", "张店区"),
        ("市中区大观园街道", "市中区"),
        ("沂源县南麻街道", "沂源县"),
        ("邹平市黛溪街道", "邹平市"),
        ("博山区", "博山区"),
        ("", ""),
        ("某地", ""),
    ],
)
def test_the_district_of_a_region(region, district):
    assert district_of(region) == district


def test_a_medical_record_is_listed_without_payee_and_street():
    record = {"fund": "AXFM", "category": "dibao", "region": "张店区车站街道", "payee": "school", "method": "bank"}

    with translation.override("zh-hans"):
        plain = [(r.key, str(r.value)) for r in detail_rows(record)]
        medical = [(r.key, str(r.value)) for r in detail_rows(record, medical_funds={"AXFM"})]
        unknown = detail_rows({**record, "category": "重病患者", "demo": True})

    assert plain == [
        ("category", "低保"),
        ("region", "张店区车站街道"),
        ("method", "银行转账"),
        ("payee", "学校(代付)"),
    ]
    assert medical == [("category", "低保"), ("region", "张店区"), ("method", "银行转账")]
    assert [r.key for r in unknown] == ["category", "region", "method", "demo"]  # 重病患者 (old Chinese value) too
    assert unknown[-1].value is None and str(unknown[1].value) == "张店区"


def test_fund_is_not_listed_and_unknown_keys_are_not_shown_raw():
    assert detail_rows({"fund": "XT100", "some_new_key": "x"}) == []
    assert set(DETAILS) >= {"fund", "donor", "channel", "sandbox", "payee", "region", "tag", "purpose", "reason"}
