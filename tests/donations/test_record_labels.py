"""A gift's verification page shows what its ledger entry says, every key and value named in the reader's language
(ledger.labels); the receipt PDF names the channel in Chinese whatever language the page was in."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.utils import translation

from donations.models import Donation, NameReview
from donations.selectors import receipt_data
from donations.tokens import receipt_token
from ledger.chart import BANK
from ledger.models import TransactionKind
from ledger.services import LegSpec, PostingRequest, transactions_post_bulk, tree_head_publish
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


def test_an_old_record_s_hidden_donor_name_shows_as_aixin_renshi(client, gift):
    """Records written before name commitments hold the name; once staff hide it, the verify page says 爱心人士."""
    old = transactions_post_bulk(
        [
            PostingRequest(
                kind=TransactionKind.DONATION,
                occurred_at=gift.received_at,
                legs=[LegSpec(BANK, "D", Decimal("500.00")), LegSpec("4101.XT100", "C", Decimal("500.00"))],
                source="test:old-record",
                public_record={"fund": "XT100", "donor": "张先生", "channel": "bank"},
            )
        ]
    )[0]
    Donation.objects.filter(pk=gift.pk).update(transaction=old, name_review=NameReview.HIDDEN)

    facts = record_facts(client, f"/donations/verify/{receipt_token(gift)}/")

    assert facts["捐赠人"] == "爱心人士"
    assert "张先生" not in facts.values()
