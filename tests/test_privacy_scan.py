"""Privacy by default: no public page, export or ledger record carries personal data.

Scans everything the public can fetch for things that look like a mobile number, an ID number, a bank
card, or an e-mail address other than the organisation's own published contact; and, after a donor has
given through the sandbox checkout, for that donor's own phone, email, message and the name they chose not
to show, wherever the gift is shown: project pages and their donor wall, the receipt, the ledger check and
the open data.
"""

import re
from dataclasses import dataclass

import pytest
from wagtail.models import Page

from cms.models import OrganisationSettings
from donations.models import Donation, DonationStatus
from ledger.privacy import PERSONAL_PATTERNS
from projects.models import Project, Status

pytestmark = pytest.mark.django_db

OPEN_DATA = ["/api/ledger/v1/open-data/ledger.jsonl", "/api/ledger/v1/open-data/ledger.csv"]
DONOR_PHONE = "13912345678"
DONOR_EMAIL = "donor-secret@example.com"
DONOR_MESSAGE = "请替我保密:这是给孩子们的一点心意"
HIDDEN_NAME = "王不公开"


@dataclass(frozen=True)
class SandboxGift:
    token: str
    serial: str
    project_code: str


@pytest.fixture
def sandbox_gift(client, demo_site, django_capture_on_commit_callbacks) -> SandboxGift:
    """An anonymous gift with every private detail filled in, paid through the sandbox checkout: the same
    signed events and webhook handler as Stripe's deliveries, run here as the on-commit task would."""
    project = Project.objects.filter(status=Status.FUNDRAISING).values_list("code", flat=True).first()
    form = {
        "amount_choice": "other",
        "custom_amount": "77.70",
        "frequency": "once",
        "is_anonymous": "on",
        "display_name": HIDDEN_NAME,
        "message": DONOR_MESSAGE,
        "phone": DONOR_PHONE,
        "email": DONOR_EMAIL,
    }
    checkout = client.post(f"/donations/give/{project}/", form)
    assert checkout.status_code == 302, checkout.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        paid = client.post(checkout["Location"], {"action": "pay", "method": "alipay"})
    token = re.fullmatch(r"/donations/thanks/([^/]+)/", paid["Location"]).group(1)

    session = checkout["Location"].rstrip("/").rsplit("/", 1)[-1]
    donation = Donation.objects.select_related("donor").get(stripe_checkout_session_id=session)
    assert donation.status == DonationStatus.SUCCEEDED and donation.receipt_serial
    # The private details are on file, so the scan below has something it could leak.
    assert (donation.donor.phone, donation.donor.email, donation.message) == (DONOR_PHONE, DONOR_EMAIL, DONOR_MESSAGE)
    return SandboxGift(token=token, serial=donation.receipt_serial, project_code=project)


def _public_urls():
    urls = ["/", "/en/", "/transparency/", "/en/transparency/", "/api/ledger/v1/get-entries?start=0&end=999"]
    urls += [page.url for page in Page.objects.live().public().specific() if page.url]
    return urls


def _gift_urls(gift: SandboxGift):
    """What a donor (or anyone they share a link with) can open about the gift, in both languages."""
    pages = [f"thanks/{gift.token}/", f"receipt/{gift.token}/", f"verify/{gift.token}/", f"give/{gift.project_code}/"]
    return [f"{prefix}/donations/{page}" for prefix in ("", "/en") for page in pages]


# Hashes, signatures and ids are public by design and may contain long runs of digits by chance.
CRYPTO_TOKENS = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\b[0-9a-f]{64}\b|[A-Za-z0-9+/%]{40,}={0,2}"
)


def _body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8")
    return response.content.decode("utf-8")


def test_no_personal_data_on_public_pages_exports_or_records(client, sandbox_gift):
    org_email = OrganisationSettings.objects.get().email
    urls = _public_urls() + _gift_urls(sandbox_gift) + OPEN_DATA
    assert len(urls) >= 20
    seen_gift = set()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = _body(response)
        for secret in (DONOR_PHONE, DONOR_EMAIL, DONOR_MESSAGE, HIDDEN_NAME):
            assert secret not in body, f"{url}: shows the donor's private {secret!r}"
        text = CRYPTO_TOKENS.sub("", body.replace(org_email, ""))
        for label, pattern in PERSONAL_PATTERNS:
            match = pattern.search(text)
            assert match is None, f"{url}: looks like a {label}: {match.group(0)!r}"
        if "77.70" in body:
            seen_gift.add(url)
    # The scan looked where the gift is shown: its receipt, its project's donor wall and the open data.
    assert {f"/donations/receipt/{sandbox_gift.token}/", *OPEN_DATA} <= seen_gift, seen_gift
    assert any(url.startswith("/projects/") for url in seen_gift), seen_gift


def test_the_scan_would_catch_a_leak(client, demo_site):
    """The patterns are not toothless: a phone number, an ID number and an email in a page are found."""
    leaky = f"联系人电话 13812345678,身份证 370303199001011234,{DONOR_EMAIL}"
    found = {label for label, pattern in PERSONAL_PATTERNS if pattern.search(CRYPTO_TOKENS.sub("", leaky))}
    assert {"手机号", "身份证号", "电子邮箱"} <= found
