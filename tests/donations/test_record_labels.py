"""A gift's verification page shows what its ledger entry says, every key and value named in the reader's language
(ledger.labels); the receipt PDF names the channel in Chinese whatever language the page was in."""

from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup
from django.utils import translation

from donations.selectors import receipt_data
from donations.tokens import receipt_token
from ledger.services import tree_head_publish
from tests.factories import ProjectFactory
from tests.projects.conftest import give

pytestmark = pytest.mark.django_db


@pytest.fixture
def gift(db, finance):
    donation = give(ProjectFactory(code="XT100", name="血透100"), "500.00", finance_user=finance)
    tree_head_publish()
    return donation


def record_facts(client, url: str) -> dict[str, str]:
    soup = BeautifulSoup(client.get(url).content.decode(), "html.parser")
    facts = soup.find(attrs={"data-testid": "public-record"})
    return {div.find("dt").get_text(strip=True): div.find("dd").get_text(strip=True) for div in facts.find_all("div")}


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("", {"类型": "捐赠", "项目": "血透100", "渠道": "银行转账"}),
        ("/en", {"Type": "Donation", "Fund": "血透100", "Channel": "Bank transfer"}),
    ],
    ids=["zh-Hans", "en"],
)
def test_the_verify_page_names_the_entry_s_keys_and_values(client, gift, prefix, expected):
    facts = record_facts(client, f"{prefix}/donations/verify/{receipt_token(gift)}/")

    assert expected.items() <= facts.items()
    details = json.loads(gift.transaction.record)["details"]
    assert not {"fund", "channel", "bank", "donor", "donor_commitment"} & {*facts, *facts.values()}
    if "donor_commitment" in details:  # issue 18 part 4: the record holds a commitment, not the name
        label = "捐赠人名称承诺" if not prefix else "Donor name commitment"
        assert facts[label] == details["donor_commitment"]


def test_the_receipt_names_the_channel_in_chinese_even_from_the_english_site(gift):
    with translation.override("en"):
        data = receipt_data(gift, verify_url="https://example.org/v", organisation="某市慈善总会")

    assert data.channel_label == "银行转账"
