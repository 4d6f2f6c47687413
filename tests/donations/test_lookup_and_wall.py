"""What the public can see of a gift: the donor look-up (serial + phone or email, rate-limited, no oracle), the
donor wall on the project page (public names and ledger amounts only) and signed receipt links."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core import signing
from django.urls import reverse
from wagtail.models import Page, Site

from cms.models import HomePage, ProjectIndexPage, ProjectPage
from donations.models import Donation, Donor
from donations.services import donation_record_payment, donation_record_refund
from donations.tokens import receipt_token
from tests.donations.events import pending_gift

pytestmark = pytest.mark.django_db

RECEIVED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
LOOKUP = "/donations/lookup/"
PHONE, EMAIL = "13800001234", "Wang.Xiao@Example.com"


def received(project, *, amount: str = "88.80", donor: Donor | None = None, **fields) -> Donation:
    gift = pending_gift(project, amount=amount, donor=donor, **fields)
    return donation_record_payment(donation=gift, amount=Decimal(amount), currency="CNY", received_at=RECEIVED)


@pytest.fixture
def donor() -> Donor:
    return Donor.objects.create(name="王小明", phone=PHONE, email=EMAIL)


@pytest.fixture
def gift(project, donor) -> Donation:
    return received(project, donor=donor, display_name="小王")


def look_up(client, serial: str, contact: str, **extra):
    return client.post(LOOKUP, {"serial": serial, "contact": contact}, **extra)


# -- look-up --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("contact", ["1234", " 1234 ", "wang.xiao@example.com", "WANG.XIAO@EXAMPLE.COM"])
def test_lookup_by_serial_and_phone_or_email_opens_the_receipt(client, gift, contact):
    response = look_up(client, gift.receipt_serial.lower(), contact)
    assert response.status_code == 302
    assert response["Location"] == reverse("donations:receipt", args=[receipt_token(gift)])
    assert gift.receipt_serial in client.get(response["Location"]).content.decode()


def _normalised(response, *values: str) -> str:
    """The page with its per-request CSRF token and the echoed form values blanked."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    for value in values:
        html = html.replace(value, "VALUE")
    return html


@pytest.mark.parametrize("contact", ["0000", "someone@example.com", PHONE])
def test_wrong_contact_and_unknown_serial_get_the_same_answer(client, gift, contact):
    wrong_contact = look_up(client, gift.receipt_serial, contact)
    unknown_serial = look_up(client, "JZ2026-999999", contact)
    assert wrong_contact.status_code == unknown_serial.status_code == 200
    assert _normalised(wrong_contact, gift.receipt_serial) == _normalised(unknown_serial, "JZ2026-999999")
    assert 'role="alert"' in wrong_contact.content.decode()


def test_gift_without_contact_details_cannot_be_looked_up(client, project):
    anonymous = received(project)
    assert look_up(client, anonymous.receipt_serial, "").status_code == 200
    assert look_up(client, anonymous.receipt_serial, "0000").status_code == 200


def test_lookup_is_rate_limited_per_client_address(client, gift, settings):
    settings.DONATION_LOOKUP_ATTEMPTS = 3
    for _ in range(3):
        assert look_up(client, gift.receipt_serial, "0000").status_code == 200
    assert look_up(client, gift.receipt_serial, "1234").status_code == 429
    assert look_up(client, gift.receipt_serial, "1234", REMOTE_ADDR="10.0.0.2").status_code == 302


# -- receipt links --------------------------------------------------------------------------------------------


def test_receipt_link_carries_a_signed_token_not_the_row_id(client, gift):
    url = reverse("donations:receipt", args=[receipt_token(gift)])
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert signing.loads(token, salt="donations.receipt") == str(gift.public_id)
    assert str(gift.pk) not in url.split("/")
    assert client.get(url).status_code == 200
    assert client.get(f"/donations/receipt/{gift.pk}/").status_code == 404


def test_tampered_or_unsigned_tokens_are_not_found(client, gift):
    token = receipt_token(gift)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.get(f"/donations/receipt/{tampered}/").status_code == 404
    unsalted = signing.dumps(str(gift.public_id), compress=False)
    assert client.get(f"/donations/receipt/{unsalted}/").status_code == 404
    assert client.get(f"/donations/receipt/{gift.public_id}/").status_code == 404


def test_pending_gift_has_no_receipt(client, project):
    pending = pending_gift(project)
    assert client.get(reverse("donations:receipt", args=[receipt_token(pending)])).status_code == 404


# -- donor wall -----------------------------------------------------------------------------------------------


@pytest.fixture
def project_page(project) -> ProjectPage:
    home = Page.get_first_root_node().add_child(instance=HomePage(title="首页", slug="wall-home"))
    Site.objects.update_or_create(is_default_site=True, defaults={"root_page": home, "hostname": "localhost"})
    index = home.add_child(instance=ProjectIndexPage(title="项目", slug="projects"))
    return index.add_child(instance=ProjectPage(title=project.name, slug="xt100", project=project, summary="简介"))


def wall(client) -> list[tuple[str, str]]:
    html = client.get("/projects/xt100/").content.decode()
    section = re.search(r'<section class="donor-wall".*?</section>', html, re.S)
    assert section, "the project page shows the donor wall"
    entries = re.findall(
        r'class="donor-wall__name"[^>]*>(.*?)</span>\s*<span class="donor-wall__amount"[^>]*>([^<]*)<',
        section.group(0), re.S,
    )
    return [(re.sub(r"<[^>]+>", "", name).strip(), amount.strip()) for name, amount in entries]


def test_wall_shows_public_names_and_amounts_only(client, project, project_page, donor):
    received(project, donor=donor, display_name="小王", message="加油宝贝")
    secret = Donor.objects.create(name="张秘密", show_name_publicly=True, phone="13900005678", email="z@example.org")
    received(project, amount="123.45", donor=secret, is_anonymous=True, message="悄悄话")
    pending_gift(project, display_name="还没付款")

    assert sorted(wall(client)) == [("匿名", "¥123.45"), ("小王", "¥88.80")]

    html = client.get("/projects/xt100/").content.decode()
    for private in (PHONE, EMAIL, EMAIL.lower(), "王小明", "加油宝贝", "张秘密", "13900005678",
                    "z@example.org", "悄悄话", "还没付款"):
        assert private not in html, private


def test_wall_shows_what_was_kept_after_a_refund(client, project, project_page):
    gift = received(project, amount="200.00", display_name="李先生")
    assert wall(client) == [("李先生", "¥200.00")]
    donation_record_refund(donation=gift, refunded_total=Decimal("50.00"), key="test:refund:1", at=RECEIVED)
    assert wall(client) == [("李先生", "¥150.00")]
    donation_record_refund(donation=gift, refunded_total=Decimal("200.00"), key="test:refund:2", at=RECEIVED)
    assert wall(client) == []
