"""/transparency/ names every key and value of a public record in the reader's language (ledger.labels), shows a
medical record without its payee and its 镇街 even when the record (immutable) has them, and publishes a data
dictionary; the open data keeps the machine keys, and an old record still verifies.

The records are posted here as the code before issue 18 wrote them (raw keys, a hospital payee, a street-level
region), through the ledger's own posting service."""

from __future__ import annotations

import json
import re
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup

from ledger.chart import BANK, STRIPE_CLEARING, chart_ensure
from ledger.models import TransactionKind
from ledger.services import LegSpec, PostingRequest, transactions_post_bulk, tree_head_publish
from ledger.services.verification import ledger_verify
from projects.models import Category
from projects.services import project_fund_accounts
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
OLD_MEDICAL = {
    "fund": "XT100",
    "beneficiary": "张*",
    "tag": "b_4f2a9c0d1e",
    "category": "seriously_ill",
    "region": "张店区车站街道",
    "purpose": "透析费用",
    "method": "bank",
    "payee": "hospital",
}
SCHOOL_GRANT = {
    "fund": "GEZX",
    "beneficiary": "李*",
    "tag": "b_77aa01",
    "category": "orphan",
    "region": "广安区浓洄街道",
    "purpose": "助学金",
    "method": "cash",
    "payee": "school",
}
SANDBOX_GIFT = {"fund": "XT100", "donor": "匿名", "channel": "online", "sandbox": True}
# What a Chinese reader saw before: any run of Latin letters but the pseudonym itself is a machine key or value.
MACHINE_WORD = re.compile(r"[A-Za-z_]{2,}")
# Keys and values in their machine spelling (the English labels are capitalised words of their own, and
# "category" and "method" are English words inside them).
RAW = re.compile(r"\b(seriously_ill|payee|tag|purpose|online|sandbox|hospital|orphan|school|bank|cash|in_kind)\b")


def post(kind, fund_account, details, n, *, debit=True):
    account = STRIPE_CLEARING if details.get("channel") == "online" else BANK
    legs = [LegSpec(fund_account, "D", Decimal("100.00")), LegSpec(account, "C", Decimal("100.00"))]
    if not debit:
        legs = [LegSpec(account, "D", Decimal("100.00")), LegSpec(fund_account, "C", Decimal("100.00"))]
    return PostingRequest(
        kind=kind,
        occurred_at=datetime(2026, 3, n, 10, tzinfo=SHANGHAI),
        legs=legs,
        source=f"test:labels:{n}",
        public_record=details,
    )


@pytest.fixture
def records(db):
    chart_ensure()
    for code, name, category in (("XT100", "血透100", Category.MEDICAL), ("GEZX", "孤儿助学", Category.EDUCATION)):
        project_fund_accounts(project=ProjectFactory(code=code, name=name, category=category))
    transactions_post_bulk(
        [
            post(TransactionKind.DISBURSEMENT, "5101.XT100", OLD_MEDICAL, 1),
            post(TransactionKind.DISBURSEMENT, "5101.GEZX", SCHOOL_GRANT, 2),
            post(TransactionKind.DONATION, "4101.XT100", SANDBOX_GIFT, 3, debit=False),
        ]
    )
    tree_head_publish()


def row_texts(client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    table = soup.find(id="entries-heading").find_parent("section").find("table")
    return [row.find("td", class_="details").get_text(" ", strip=True) for row in table.find("tbody").find_all("tr")]


def test_no_raw_key_or_value_reaches_the_chinese_reader(client, records):
    donation, school, medical = row_texts(client, "/transparency/")

    text = " ".join((donation, school, medical)).replace("b_4f2a9c0d1e", "").replace("b_77aa01", "")
    assert MACHINE_WORD.findall(text) == []
    assert "受助类别 重病患者" in medical and "支付方式 银行转账" in medical
    assert "用途 透析费用" in medical and "受助人编号 b_4f2a9c0d1e" in medical
    assert "受助类别 孤儿" in school and "收款方 学校(代付)" in school and "支付方式 现金" in school
    assert "渠道 在线支付" in donation and "测试支付" in donation and "捐赠人 匿名" in donation


def test_the_english_reader_gets_english_labels(client, records):
    donation, school, medical = row_texts(client, "/en/transparency/")

    assert RAW.findall(" ".join((donation, school, medical))) == []
    assert "Beneficiary category Seriously ill" in medical and "Payment method Bank transfer" in medical
    assert "Beneficiary code b_4f2a9c0d1e" in medical and "Purpose 透析费用" in medical
    assert "Paid to School (paid on the beneficiary's behalf)" in school and "Payment method Cash" in school
    assert "Channel Online payment" in donation and "Test payment" in donation and "Donor Anonymous" in donation


def test_a_medical_record_is_shown_without_payee_or_street(client, records):
    _donation, school, medical = row_texts(client, "/transparency/")

    assert "地区 张店区" in medical
    assert "车站街道" not in medical and "收款方" not in medical and "医院" not in medical
    assert "地区 广安区浓洄街道" in school  # not medical aid: the 镇街 and the payee stay


def test_the_open_data_keeps_the_machine_keys_with_a_dictionary_and_the_old_record_verifies(client, records):
    lines = b"".join(client.get("/api/ledger/v1/open-data/ledger.jsonl").streaming_content).decode().splitlines()
    details = [json.loads(line)["details"] for line in lines]

    assert details == [OLD_MEDICAL, SCHOOL_GRANT, SANDBOX_GIFT]  # the record keeps what was posted
    csv = b"".join(client.get("/api/ledger/v1/open-data/ledger.csv").streaming_content).decode()
    assert '""payee"": ""hospital""' in csv and '""category"": ""seriously_ill""' in csv
    entries = client.get("/api/ledger/v1/get-entries?start=0&end=0").json()["entries"]
    assert entries[0]["record"]["details"] == OLD_MEDICAL
    assert ledger_verify().ok
    dictionary = client.get("/api/ledger/v1/open-data/dictionary.json").json()["details"]
    assert dictionary["payee"]["values"]["hospital"] == {
        "zh-hans": "医院(代付)",
        "en": "Hospital (paid on the beneficiary's behalf)",
    }
    assert dictionary["category"]["label"] == {"zh-hans": "受助类别", "en": "Beneficiary category"}
    assert set(dictionary) >= {key for d in details for key in d}


@pytest.mark.parametrize(
    ("prefix", "title", "label"),
    [("", "公开账本数据字典", "受助类别"), ("/en", "Data dictionary of the public ledger", "Beneficiary category")],
    ids=["zh-Hans", "en"],
)
def test_the_data_dictionary_page_is_linked_from_the_ledger(client, records, prefix, title, label):
    ledger = BeautifulSoup(client.get(f"{prefix}/transparency/").content.decode(), "html.parser")
    link = ledger.find("a", href=f"{prefix}/transparency/dictionary/")
    assert link is not None

    page = BeautifulSoup(client.get(link["href"]).content.decode(), "html.parser")
    assert page.find("h1").get_text(strip=True) == title
    rows = {row.find("code").get_text(): row.get_text(" ", strip=True) for row in page.select("tbody tr")}
    assert label in rows["category"] and "seriously_ill" in rows["category"]
    assert {"payee", "method", "channel", "sandbox", "tag", "purpose", "donor_commitment"} <= rows.keys()
    assert page.find("a", href="/api/ledger/v1/open-data/dictionary.json") is not None
