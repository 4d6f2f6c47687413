"""Privacy by default: no public page, export or ledger record carries personal data.

Scans everything the public can fetch for things that look like a mobile number, an ID number, a bank
card, or an e-mail address other than the organisation's own published contact.
"""

import re

import pytest
from wagtail.models import Page

from cms.models import OrganisationSettings
from ledger.privacy import PERSONAL_PATTERNS

pytestmark = pytest.mark.django_db

OPEN_DATA = ["/api/ledger/v1/open-data/ledger.jsonl", "/api/ledger/v1/open-data/ledger.csv"]


def _public_urls():
    urls = ["/", "/en/", "/transparency/", "/en/transparency/", "/api/ledger/v1/get-entries?start=0&end=999"]
    urls += [page.url for page in Page.objects.live().public().specific() if page.url]
    return urls


# Hashes, signatures and ids are public by design and may contain long runs of digits by chance.
CRYPTO_TOKENS = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\b[0-9a-f]{64}\b|[A-Za-z0-9+/%]{40,}={0,2}"
)


def _body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8")
    return response.content.decode("utf-8")


def test_no_personal_data_on_public_pages_exports_or_records(client, demo_site):
    org_email = OrganisationSettings.objects.get().email
    urls = _public_urls() + OPEN_DATA
    assert len(urls) >= 12
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        text = CRYPTO_TOKENS.sub("", _body(response).replace(org_email, ""))
        for label, pattern in PERSONAL_PATTERNS:
            match = pattern.search(text)
            assert match is None, f"{url}: looks like a {label}: {match.group(0)!r}"


def test_the_scan_would_catch_a_leak(client, demo_site):
    """The patterns are not toothless: a phone number and an ID number in a page are found."""
    leaky = "联系人电话 13812345678,身份证 370303199001011234"
    found = {label for label, pattern in PERSONAL_PATTERNS if pattern.search(CRYPTO_TOKENS.sub("", leaky))}
    assert {"手机号", "身份证号"} <= found
