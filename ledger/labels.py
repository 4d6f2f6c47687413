"""How a public record reads to a person: the one place that names every key and value of a record.

The record itself keeps its machine keys and values (``{"channel": "bank"}``): they are hashed into the Merkle log,
and the open data (``ledger.exports``, the JSON API) publishes them exactly. Pages that show a record — the public
ledger (/transparency/), a gift's verification page, the receipts, a project's 公示 — read its keys and values
through this module instead: Chinese at /, English under /en/ (msgctxt "public record" in charity/locale). The data
dictionary (``data_dictionary``, served as ``open-data/dictionary.json``) is built from the same table.

Pages may show less than a record says (``displayed_details``): records are immutable, but a record of medical aid
written before the rule below shows neither its payee type nor a region finer than the 区县.

Medical aid: a record is medical when its beneficiary category is 重病患者 (``seriously_ill``), its payee is a
hospital, or its fund is a medical project (the caller names those funds: the ledger knows no projects). A
category, a hospital and a street-level region together say more about a sick person than a donor needs.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from ledger.chart import STANDARD_ACCOUNTS
from ledger.models import TransactionKind


@dataclass(frozen=True)
class DetailKey:
    label: Promise
    meaning: Promise
    values: dict[str, Promise] = field(default_factory=dict)
    flag: bool = False  # true/absent: shown as a tag (测试支付, 演示数据), not as "key value"
    listed: bool = True  # false: the page shows it elsewhere (the fund is the 项目 column)


CATEGORY_VALUES = {
    "dibao": pgettext_lazy("public record", "Minimum living allowance"),
    "tekun": pgettext_lazy("public record", "Extreme poverty support"),
    "orphan": pgettext_lazy("public record", "Orphan"),
    "unsupported_child": pgettext_lazy("public record", "Child without de facto care"),
    "disabled": pgettext_lazy("public record", "Person with a disability"),
    "seriously_ill": pgettext_lazy("public record", "Seriously ill"),
    "low_income": pgettext_lazy("public record", "Low-income household"),
    "child_in_difficulty": pgettext_lazy("public record", "Child in difficulty"),
    "other": pgettext_lazy("public record", "Other"),
    # Summary grants (the demo, imports of old books) wrote the Chinese category itself.
    "低保": pgettext_lazy("public record", "Minimum living allowance"),
    "特困": pgettext_lazy("public record", "Extreme poverty support"),
    "孤儿": pgettext_lazy("public record", "Orphan"),
    "事实无人抚养儿童": pgettext_lazy("public record", "Child without de facto care"),
    "残疾人": pgettext_lazy("public record", "Person with a disability"),
    "重病患者": pgettext_lazy("public record", "Seriously ill"),
    "低收入家庭": pgettext_lazy("public record", "Low-income household"),
    "困境儿童": pgettext_lazy("public record", "Child in difficulty"),
    "临时救助": pgettext_lazy("public record", "Temporary assistance"),
    "其他": pgettext_lazy("public record", "Other"),
}

DETAILS: dict[str, DetailKey] = {
    "fund": DetailKey(
        pgettext_lazy("public record", "Fund"),
        pgettext_lazy(
            "public record", "The project (fund) code the money belongs to; general is the unrestricted general fund."
        ),
        {"general": pgettext_lazy("public record", "General fund")},
        listed=False,
    ),
    "donor": DetailKey(
        pgettext_lazy("public record", "Donor"),
        pgettext_lazy(
            "public record",
            "The name the donor chose to show, or 匿名 (anonymous). Never a phone number or an e-mail address.",
        ),
        {"匿名": pgettext_lazy("public record", "Anonymous")},
    ),
    "donor_commitment": DetailKey(
        pgettext_lazy("public record", "Donor name commitment"),
        pgettext_lazy(
            "public record",
            "A salted commitment to the donor's public name instead of the name itself; the name can be checked "
            "against it while the salt is kept, and forgotten by erasing the salt.",
        ),
    ),
    "channel": DetailKey(
        pgettext_lazy("public record", "Channel"),
        pgettext_lazy("public record", "How the gift was received."),
        {
            "online": pgettext_lazy("public record", "Online payment"),
            "bank": pgettext_lazy("public record", "Bank transfer"),
            "cash": pgettext_lazy("public record", "Cash"),
            "in_kind": pgettext_lazy("public record", "In-kind gift"),
            "card": pgettext_lazy("public record", "Card"),
            "alipay": pgettext_lazy("public record", "Alipay"),
            "wechat_pay": pgettext_lazy("public record", "WeChat Pay"),
        },
    ),
    "processor": DetailKey(
        pgettext_lazy("public record", "Payment processor"),
        pgettext_lazy("public record", "Who took the fee or paid the money out to the bank, for a fee or a payout."),
        {"stripe": pgettext_lazy("public record", "Stripe payments")},
    ),
    "items": DetailKey(
        pgettext_lazy("public record", "Goods donated"), pgettext_lazy("public record", "What an in-kind gift was.")
    ),
    "quantity": DetailKey(
        pgettext_lazy("public record", "Quantity"),
        pgettext_lazy("public record", "How much of the goods, with the unit."),
    ),
    "valuation": DetailKey(
        pgettext_lazy("public record", "Valuation basis"),
        pgettext_lazy("public record", "What the value of an in-kind gift is based on."),
        {
            "invoice": pgettext_lazy("public record", "Invoice"),
            "customs": pgettext_lazy("public record", "Customs declaration"),
            "agreement": pgettext_lazy("public record", "Donation agreement"),
            "market": pgettext_lazy("public record", "Market price"),
        },
    ),
    "sandbox": DetailKey(
        pgettext_lazy("public record", "Test payment"),
        pgettext_lazy("public record", "true: a test payment through the sandbox; no real money moved."),
        flag=True,
    ),
    "demo": DetailKey(
        pgettext_lazy("public record", "Demo data"),
        pgettext_lazy("public record", "true: demonstration data, not a real gift or grant."),
        flag=True,
    ),
    "beneficiaries": DetailKey(
        pgettext_lazy("public record", "Number of beneficiaries"),
        pgettext_lazy("public record", "How many people a summary grant reached."),
    ),
    "beneficiary": DetailKey(
        pgettext_lazy("public record", "Beneficiary"),
        pgettext_lazy(
            "public record",
            "The beneficiary's masked name: 张*三 with a publication consent in force, else the surname alone, 张*.",
        ),
    ),
    "tag": DetailKey(
        pgettext_lazy("public record", "Beneficiary code"),
        pgettext_lazy(
            "public record",
            "A keyed pseudonym, the same in every record of one person, so that people can be counted without names.",
        ),
    ),
    "category": DetailKey(
        pgettext_lazy("public record", "Beneficiary category"),
        pgettext_lazy("public record", "The beneficiary's category of need."),
        CATEGORY_VALUES,
    ),
    "region": DetailKey(
        pgettext_lazy("public record", "Region"),
        pgettext_lazy(
            "public record",
            "Where the beneficiary lives: the 区县, and the 镇街 except for medical aid. Never a village or address.",
        ),
    ),
    "purpose": DetailKey(
        pgettext_lazy("public record", "Purpose"),
        pgettext_lazy("public record", "What the grant paid for, as the project officer wrote it."),
    ),
    "method": DetailKey(
        pgettext_lazy("public record", "Payment method"),
        pgettext_lazy("public record", "How a grant was paid."),
        {
            "bank": pgettext_lazy("public record", "Bank transfer"),
            "cash": pgettext_lazy("public record", "Cash"),
            "in_kind": pgettext_lazy("public record", "Goods given out"),
        },
    ),
    "payee": DetailKey(
        pgettext_lazy("public record", "Paid to"),
        pgettext_lazy("public record", "Who received the payment. Left out of records of medical aid."),
        {
            "beneficiary": pgettext_lazy("public record", "The beneficiary"),
            "guardian": pgettext_lazy("public record", "Guardian"),
            "hospital": pgettext_lazy("public record", "Hospital (paid on the beneficiary's behalf)"),
            "school": pgettext_lazy("public record", "School (paid on the beneficiary's behalf)"),
            "supplier": pgettext_lazy("public record", "Supplier (paid on the beneficiary's behalf)"),
        },
    ),
    "reason": DetailKey(
        pgettext_lazy("public record", "Reason"),
        pgettext_lazy("public record", "Why a transaction was posted, e.g. a reversal."),
        {"冲正": pgettext_lazy("public record", "Reversal")},
    ),
    "to_fund": DetailKey(
        pgettext_lazy("public record", "Transferred to"),
        pgettext_lazy(
            "public record",
            "Where a closed fund's leftover went: the receiving fund's code, or unrestricted (the organisation's "
            "unrestricted net assets).",
        ),
        {"unrestricted": pgettext_lazy("public record", "Unrestricted funds")},
    ),
    "basis": DetailKey(
        pgettext_lazy("public record", "Basis"),
        pgettext_lazy(
            "public record",
            "Why it was posted: the clause of the fundraising plan a closed fund's leftover was handled under, or "
            "what a restriction release or a year-end closing covers.",
        ),
    ),
    "period": DetailKey(
        pgettext_lazy("public record", "Accounting period"),
        pgettext_lazy(
            "public record",
            "The month (YYYY-MM) a restriction release covers, or the year a year-end closing closes.",
        ),
    ),
    "happened_at": DetailKey(
        pgettext_lazy("public record", "Actually happened at"),
        pgettext_lazy(
            "public record",
            "When a payment processor's event really happened (ISO-8601 UTC), for an event that arrived after its "
            "month was closed and is therefore dated at the start of the first open period.",
        ),
    ),
}

RECORD_FIELDS = {
    "v": pgettext_lazy("public record", "Record format version (1)."),
    "leaf_index": pgettext_lazy("public record", "The record's position in the Merkle log, from 0."),
    "id": pgettext_lazy("public record", "The transaction's UUID."),
    "kind": pgettext_lazy("public record", "The type of transaction (see kinds)."),
    "occurred_at": pgettext_lazy("public record", "When the money moved, ISO-8601 UTC to the second."),
    "recorded_at": pgettext_lazy("public record", "When the entry was posted, ISO-8601 UTC to the second."),
    "legs": pgettext_lazy("public record", "The double-entry legs; debits equal credits per currency."),
    "legs[].account": pgettext_lazy(
        "public record", "The account code (see accounts; 4101.<fund> and 5101.<fund> belong to a fund)."
    ),
    "legs[].side": pgettext_lazy("public record", "D (debit) or C (credit)."),
    "legs[].amount": pgettext_lazy("public record", "A positive amount, a string with two decimals."),
    "legs[].currency": pgettext_lazy("public record", "ISO 4217 currency code."),
    "details": pgettext_lazy("public record", "What the public may know about the transaction (see details)."),
    "reverses": pgettext_lazy("public record", "The leaf index of the transaction this one reverses, or null."),
}
SIDES = {"D": pgettext_lazy("public record", "Debit"), "C": pgettext_lazy("public record", "Credit")}
FUND_ACCOUNTS = {
    "4101.<fund>": pgettext_lazy("public record", "Donation income of a fund"),
    "5101.<fund>": pgettext_lazy("public record", "Programme cost of a fund"),
}

LANGUAGES = ("zh-hans", "en")
MEDICAL_CATEGORIES = frozenset({"seriously_ill", "重病患者"})
MEDICAL_PAYEES = frozenset({"hospital"})
_DISTRICT = re.compile(r"^.+?[区县旗]|^.+?市")


@dataclass(frozen=True)
class DetailRow:
    key: str
    label: object
    value: object  # the value's label where it has one, else the value as recorded; None for a flag


def key_label(key: str) -> object:
    spec = DETAILS.get(key)
    return spec.label if spec else key


def value_label(key: str, value: object) -> object:
    """The value as a person reads it: its label where the dictionary has one, else the value as recorded."""
    spec = DETAILS.get(key)
    if spec is None or isinstance(value, dict | list | bool) or value is None:
        return value
    return spec.values.get(value, value)


def district_of(region: str) -> str:
    """The 区县 part of a region written as 区县 + 镇街 ("张店区车站街道" → "张店区"); "" when none is recognisable."""
    match = _DISTRICT.match(region or "")
    return match.group(0) if match else ""


def is_medical(details: dict, medical_funds: Collection[str] = ()) -> bool:
    return (
        details.get("category") in MEDICAL_CATEGORIES
        or details.get("payee") in MEDICAL_PAYEES
        or details.get("fund") in medical_funds
    )


def displayed_details(details: dict, medical_funds: Collection[str] = ()) -> dict:
    """The record's details as a page may show them: for medical aid, no payee and the region cut to its 区县."""
    if not is_medical(details, medical_funds):
        return dict(details)
    shown = {key: value for key, value in details.items() if key != "payee"}
    if "region" in shown:
        district = district_of(str(shown["region"]))
        if district:
            shown["region"] = district
        else:
            del shown["region"]
    return shown


def detail_rows(details: dict, medical_funds: Collection[str] = ()) -> list[DetailRow]:
    """The rows a page lists, in the dictionary's order: labelled keys and values, flags (value None) last.
    Keys the dictionary does not know, nested values and flags that are not true are not listed."""
    shown = displayed_details(details, medical_funds)
    rows, flags = [], []
    for key, spec in DETAILS.items():
        value = shown.get(key)
        if key not in shown or not spec.listed or isinstance(value, dict | list):
            continue
        if spec.flag:
            if value is True:
                flags.append(DetailRow(key, spec.label, None))
            continue
        rows.append(DetailRow(key, spec.label, value_label(key, value)))
    return rows + flags


def dictionary_tables() -> dict[str, dict]:
    """The record's fields, kinds, sides and accounts with their labels (the details are ``DETAILS``)."""
    return {
        "record_fields": RECORD_FIELDS,
        "kinds": {kind.value: kind.label for kind in TransactionKind},
        "sides": SIDES,
        "accounts": {**{account.code: account.name for account in STANDARD_ACCOUNTS}, **FUND_ACCOUNTS},
    }


def data_dictionary() -> dict:
    """Every key and value a public record can hold, with its label and meaning in both site languages."""

    def both(text) -> dict[str, str]:
        out = {}
        for language in LANGUAGES:
            with translation.override(language):
                out[language] = str(text)
        return out

    tables = dictionary_tables()
    return {
        "version": 1,
        "languages": list(LANGUAGES),
        "record": {name: both(meaning) for name, meaning in tables["record_fields"].items()},
        "kinds": {value: both(label) for value, label in tables["kinds"].items()},
        "sides": {value: both(label) for value, label in tables["sides"].items()},
        "accounts": {code: both(label) for code, label in tables["accounts"].items()},
        "details": {
            key: {
                "label": both(spec.label),
                "meaning": both(spec.meaning),
                "values": {value: both(label) for value, label in spec.values.items()},
            }
            for key, spec in DETAILS.items()
        },
    }
