"""The Stripe gateway against a local Stripe-compatible server: the exact Checkout request the donate form
produces, idempotent retries, errors shown to the donor, and the paged event listing."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from donations.gateways import CheckoutRequest, GatewayError
from donations.gateways.stripe_gateway import create_checkout, events_since, from_minor, to_minor
from donations.models import Donation, DonationStatus
from donations.services import DonationError, DonationFormData, donation_checkout_start
from donations.tokens import donation_for_token
from tests.donations import events as ev
from tests.donations.fake_stripe import SECRET_KEY, FakeStripe, card_error, configure, server_error

CHECKOUT = "/v1/checkout/sessions"


@pytest.fixture
def stripe_server(settings, monkeypatch):
    # The SDK sleeps 0.5–5 s between network retries; the retries themselves are what we test, not the waiting.
    monkeypatch.setattr("stripe._http_client.HTTPClient._sleep_time_seconds", lambda self, num_retries: 0)
    with FakeStripe() as server:
        configure(settings, server)
        yield server


def _give(client, project, **overrides):
    data = {"amount_choice": "other", "custom_amount": "88.80", "frequency": "once", "display_name": "小王",
            "message": "加油", "phone": "13800001234", "email": "wang@example.com", **overrides}
    return client.post(f"/donations/give/{project.code}/", data)


def _assert_return_urls(form: dict, donation: Donation) -> dict:
    """The absolute thanks page (a signed, time-stamped token for this gift) and its cancelled variant; returns
    the rest of the form."""
    rest = dict(form)
    success_url, cancel_url = rest.pop("success_url"), rest.pop("cancel_url")
    prefix = "http://testserver/donations/thanks/"
    assert success_url.startswith(prefix) and success_url.endswith("/")
    assert donation_for_token(success_url.removeprefix(prefix).rstrip("/")) == donation
    assert cancel_url == success_url + "?cancelled=1"
    return rest


@pytest.mark.django_db
def test_one_time_gift_sends_the_exact_checkout_request(client, project, stripe_server):
    response = _give(client, project)

    donation = Donation.objects.get()
    (request,) = stripe_server.requests
    assert response.status_code == 302
    assert response["Location"] == "https://checkout.stripe.com/c/pay/cs_test_000001"
    assert donation.stripe_checkout_session_id == "cs_test_000001"
    assert donation.status == DonationStatus.PENDING and not donation.is_sandbox
    assert (request.method, request.path) == ("POST", CHECKOUT)
    assert request.headers["authorization"] == f"Bearer {SECRET_KEY}"
    assert request.headers["idempotency-key"] == str(donation.idempotency_key)
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    public_id = str(donation.public_id)
    assert _assert_return_urls(request.form, donation) == {
        "mode": "payment",
        "submit_type": "donate",
        "locale": "zh",
        "line_items[0][price_data][currency]": "cny",
        "line_items[0][price_data][unit_amount]": "8880",
        "line_items[0][price_data][product_data][name]": "捐赠:血透100",
        "line_items[0][quantity]": "1",
        "payment_method_types[0]": "card",
        "payment_method_types[1]": "alipay",
        "payment_method_types[2]": "wechat_pay",
        "payment_method_options[wechat_pay][client]": "web",
        "client_reference_id": public_id,
        "metadata[donation]": public_id,
        "metadata[fund]": "XT100",
        "payment_intent_data[metadata][donation]": public_id,
        "payment_intent_data[metadata][fund]": "XT100",
        "payment_intent_data[description]": "捐赠:血透100",
        "customer_email": "wang@example.com",
    }


@pytest.mark.django_db
def test_monthly_gift_is_a_card_only_subscription(client, project, stripe_server):
    response = _give(client, project, frequency="monthly", custom_amount="30", email="")

    donation = Donation.objects.get()
    (request,) = stripe_server.requests
    public_id = str(donation.public_id)
    assert response["Location"] == "https://checkout.stripe.com/c/pay/cs_test_000001"
    assert donation.plan is not None and not donation.plan.is_sandbox
    assert request.headers["idempotency-key"] == str(donation.idempotency_key)
    assert _assert_return_urls(request.form, donation) == {
        "mode": "subscription",
        "locale": "zh",
        "line_items[0][price_data][currency]": "cny",
        "line_items[0][price_data][unit_amount]": "3000",
        "line_items[0][price_data][product_data][name]": "捐赠:血透100(月捐)",
        "line_items[0][price_data][recurring][interval]": "month",
        "line_items[0][quantity]": "1",
        "payment_method_types[0]": "card",
        "client_reference_id": public_id,
        "metadata[donation]": public_id,
        "metadata[fund]": "XT100",
        "subscription_data[metadata][donation]": public_id,
        "subscription_data[metadata][fund]": "XT100",
    }


@pytest.mark.django_db
def test_unrestricted_gift_names_the_general_fund(client, stripe_server):
    response = client.post("/donations/give/", {"amount_choice": "100", "frequency": "once"})

    (request,) = stripe_server.requests
    assert response.status_code == 302
    assert request.form["metadata[fund]"] == "general"
    assert request.form["line_items[0][price_data][unit_amount]"] == "10000"
    assert "customer_email" not in request.form


@pytest.mark.django_db
def test_network_retry_reuses_the_donations_idempotency_key(client, project, stripe_server):
    stripe_server.fail_next(server_error())

    response = _give(client, project)

    donation = Donation.objects.get()
    first, second = stripe_server.requests_to("POST", CHECKOUT)
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"] == str(donation.idempotency_key)
    assert first.form == second.form
    assert response["Location"] == "https://checkout.stripe.com/c/pay/cs_test_000001"
    assert donation.stripe_checkout_session_id == "cs_test_000001"


@pytest.mark.django_db
def test_asking_again_for_the_same_donation_returns_the_same_session(client, project, stripe_server):
    _give(client, project)
    donation = Donation.objects.get()
    first_form = stripe_server.requests[0].form
    success_url, cancel_url = first_form["success_url"], first_form["cancel_url"]
    again = CheckoutRequest(
        donation_id=str(donation.public_id), idempotency_key=str(donation.idempotency_key),
        amount=donation.requested_amount, currency=donation.currency, monthly=False, fund_code="XT100",
        description="捐赠:血透100", success_url=success_url, cancel_url=cancel_url, customer_email="wang@example.com",
    )

    session = create_checkout(again)

    first, second = stripe_server.requests_to("POST", CHECKOUT)
    assert second.headers["idempotency-key"] == first.headers["idempotency-key"]
    assert session.id == donation.stripe_checkout_session_id


@pytest.mark.django_db
def test_stripe_down_leaves_the_gift_pending_after_three_tries_under_one_key(project, stripe_server):
    stripe_server.fail_next(server_error(), times=3)
    data = DonationFormData(project=project, amount=Decimal("88.80"), monthly=False, is_anonymous=True)

    with pytest.raises(DonationError, match="支付通道暂时不可用,请稍后再试。"):
        donation_checkout_start(data=data, return_urls=lambda d: ("https://example.org/ok", "https://example.org/no"))

    donation = Donation.objects.get()
    attempts = stripe_server.requests_to("POST", CHECKOUT)
    assert donation.status == DonationStatus.PENDING and donation.stripe_checkout_session_id is None
    assert len(attempts) == 3  # the first try and the client's two network retries
    assert {a.headers["idempotency-key"] for a in attempts} == {str(donation.idempotency_key)}


def test_a_card_error_is_not_retried(stripe_server):
    stripe_server.fail_next(card_error())
    request = CheckoutRequest(
        donation_id="d", idempotency_key="k", amount=Decimal("10"), currency="CNY", monthly=False, fund_code="",
        description="捐赠", success_url="https://example.org/ok", cancel_url="https://example.org/no",
    )

    with pytest.raises(GatewayError, match="支付通道暂时不可用"):
        create_checkout(request)

    assert len(stripe_server.requests) == 1


@pytest.mark.django_db
def test_stripe_down_shows_a_chinese_error_on_the_form(client, project, stripe_server):
    stripe_server.fail_next(server_error(), times=3)

    response = _give(client, project)

    assert response.status_code == 200
    assert "支付通道暂时不可用,请稍后再试。" in response.content.decode()
    assert Donation.objects.get().status == DonationStatus.PENDING


@pytest.mark.django_db
def test_a_card_error_shows_on_the_form(client, project, stripe_server):
    stripe_server.fail_next(card_error())

    response = _give(client, project)

    assert response.status_code == 200
    assert "支付通道暂时不可用" in response.content.decode()


def test_events_since_pages_through_every_event_oldest_first(stripe_server):
    start = int(datetime(2026, 3, 1, tzinfo=UTC).timestamp())
    old = ev.event("charge.refunded", {"id": "ch_old"}, event_id="evt_old", created=start - 1)
    recent = [ev.event("invoice.paid", {"id": f"in_{n}"}, event_id=f"evt_{n:03d}", created=start + n)
              for n in range(250)]
    stripe_server.add_events(old, *reversed(recent))

    listed = list(events_since(datetime(2026, 3, 1, tzinfo=UTC)))

    pages = stripe_server.requests_to("GET", "/v1/events")
    assert [e["id"] for e in listed] == [f"evt_{n:03d}" for n in range(250)]
    assert listed[0] == recent[0]  # plain dicts, as Stripe sent them
    assert [p.query.get("starting_after") for p in pages] == [None, "evt_150", "evt_050"]
    assert {p.query["created[gte]"] for p in pages} == {str(start)}
    assert {p.query["limit"] for p in pages} == {"100"}


@pytest.mark.parametrize(("amount", "minor"), [("88.80", 8880), ("0.01", 1), ("50000", 5000000), ("100.5", 10050)])
def test_minor_units_round_trip(amount, minor):
    assert to_minor(Decimal(amount)) == minor
    assert from_minor(minor) == Decimal(amount).quantize(Decimal("0.01"))


def test_a_fraction_of_a_fen_is_refused():
    with pytest.raises(ValueError, match="不能精确到分"):
        to_minor(Decimal("88.805"))
