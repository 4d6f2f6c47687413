"""The webhook's money rules, through the real endpoint with signed Stripe-format events: signatures, duplicate
and out-of-order deliveries, refunds, monthly giving, unpaid sessions, disputes and atomicity."""

from __future__ import annotations

import types
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import stripe
from django.conf import settings
from django.test import Client
from django.utils import timezone

from donations.gateways import sandbox
from donations.models import Donation, DonationStatus, PlanStatus, ReceiptCounter, WebhookEvent, WebhookEventStatus
from donations.services import OfflineGift, donation_record_offline, donation_reverse, ledger_postings
from ledger.models import Leg, Transaction, TransactionKind
from ledger.selectors import fund_figures
from tests.donations.events import (
    charge_refunded,
    deliver,
    dispute_created,
    event,
    invoice_paid,
    pending_gift,
    post_raw,
    session_completed,
    session_event,
    signed,
    subscription_deleted,
)

pytestmark = pytest.mark.django_db

NOW = 1_780_000_000  # a fixed clock for signature freshness (2026-05-28 UTC)


@pytest.fixture
def gift(project) -> Donation:
    return pending_gift(project, amount="100.00")


@pytest.fixture
def frozen_clock(monkeypatch):
    """Freeze the clock the Stripe SDK checks a signature's age against, so 299 s and 301 s are exact."""
    monkeypatch.setattr(stripe._webhook, "time", types.SimpleNamespace(time=lambda: NOW))


def ok(response) -> str:
    assert response.status_code == 200, response.content
    return response.json()["status"]


def raised() -> Decimal:
    return fund_figures("XT100").raised


def assert_nothing_recorded(gift: Donation) -> None:
    gift.refresh_from_db()
    assert gift.status == DonationStatus.PENDING
    assert gift.transaction_id is None and gift.receipt_serial is None and gift.amount is None
    assert WebhookEvent.objects.count() == 0
    assert Transaction.objects.count() == 0


# -- signatures -----------------------------------------------------------------------------------------------


def test_valid_signature_is_processed(gift):
    assert ok(deliver(session_completed(gift))) == "processed"
    gift.refresh_from_db()
    assert gift.status == DonationStatus.SUCCEEDED
    assert WebhookEvent.objects.get().status == WebhookEventStatus.PROCESSED


def test_wrong_secret_is_refused_and_records_nothing(gift):
    response = deliver(session_completed(gift), secret="whsec_not_ours")
    assert response.status_code == 400
    assert_nothing_recorded(gift)


def test_tampered_body_is_refused(gift):
    payload, signature = signed(session_completed(gift))
    assert b'"amount_total": 10000' in payload
    response = post_raw(payload.replace(b'"amount_total": 10000', b'"amount_total": 1'), signature)
    assert response.status_code == 400
    assert_nothing_recorded(gift)


def test_missing_signature_header_is_refused(gift):
    payload, _signature = signed(session_completed(gift))
    assert post_raw(payload, None).status_code == 400
    assert post_raw(payload, "").status_code == 400
    assert_nothing_recorded(gift)


def test_signature_older_than_300_seconds_is_refused(gift, frozen_clock):
    assert deliver(session_completed(gift), timestamp=NOW - 301).status_code == 400
    assert_nothing_recorded(gift)


def test_signature_within_300_seconds_is_accepted(gift, frozen_clock):
    assert ok(deliver(session_completed(gift), timestamp=NOW - 299)) == "processed"


def test_an_empty_webhook_secret_verifies_nothing(gift, settings):
    settings.SANDBOX_WEBHOOK_SECRET = ""
    payload = session_completed(gift)
    assert deliver(payload, secret="").status_code == 400
    assert_nothing_recorded(gift)


def test_stripe_mode_refuses_the_sandbox_secret(gift, settings):
    sandbox_secret = settings.SANDBOX_WEBHOOK_SECRET
    settings.STRIPE_SECRET_KEY, settings.STRIPE_WEBHOOK_SECRET = "sk_test_x", "whsec_real"
    completed = session_completed(gift)
    assert deliver(completed, secret=sandbox_secret).status_code == 400
    assert_nothing_recorded(gift)
    assert ok(deliver(completed, secret="whsec_real")) == "processed"


# -- duplicates and atomicity ---------------------------------------------------------------------------------


def test_same_event_three_times_is_applied_once(gift):
    completed = session_completed(gift)
    statuses = [ok(deliver(completed)) for _ in range(3)]
    assert statuses == ["processed", "duplicate", "duplicate"]
    gift.refresh_from_db()
    assert gift.status == DonationStatus.SUCCEEDED
    assert Transaction.objects.count() == 1
    assert WebhookEvent.objects.count() == 1
    assert ReceiptCounter.objects.get().last == 1
    assert raised() == Decimal("100.00")


def test_ledger_failure_rolls_everything_back_and_redelivery_succeeds(gift, monkeypatch):
    def ledger_down(donation):
        raise RuntimeError("ledger unavailable")

    monkeypatch.setattr(ledger_postings, "gift_post", ledger_down)
    completed = session_completed(gift)
    response = deliver(completed, client=Client(raise_request_exception=False))
    assert response.status_code == 500
    assert_nothing_recorded(gift)
    assert not ReceiptCounter.objects.filter(last__gt=0).exists()  # no serial burnt by the failed attempt

    monkeypatch.undo()
    assert ok(deliver(completed)) == "processed"
    gift.refresh_from_db()
    assert gift.status == DonationStatus.SUCCEEDED
    assert gift.receipt_serial.endswith("-000001")
    assert raised() == Decimal("100.00")


# -- amounts --------------------------------------------------------------------------------------------------


def test_recorded_amount_is_what_stripe_says_was_paid(gift):
    ok(deliver(session_completed(gift, amount_minor=12345)))
    gift.refresh_from_db()
    assert gift.requested_amount == Decimal("100.00")
    assert gift.amount == Decimal("123.45")
    assert {leg.amount for leg in Leg.objects.filter(transaction=gift.transaction)} == {Decimal("123.45")}
    assert raised() == Decimal("123.45")


# -- refunds --------------------------------------------------------------------------------------------------


def test_refund_arriving_before_completion_is_applied_after_it(gift):
    refund = charge_refunded(pi="pi_test_1", refunded_minor=3000, amount_minor=10000)
    assert ok(deliver(refund)) == "deferred"
    waiting = WebhookEvent.objects.get(event_id=refund["id"])
    assert (waiting.status, waiting.waits_for) == (WebhookEventStatus.DEFERRED, "pi_test_1")
    assert Transaction.objects.count() == 0

    assert ok(deliver(session_completed(gift, pi="pi_test_1"))) == "processed"
    gift.refresh_from_db()
    assert gift.receipt_serial and gift.transaction_id is not None and gift.amount == Decimal("100.00")
    assert gift.status == DonationStatus.PARTIALLY_REFUNDED
    assert [r.amount for r in gift.refunds.all()] == [Decimal("30.00")]
    assert raised() == Decimal("70.00")
    assert WebhookEvent.objects.get(event_id=refund["id"]).status == WebhookEventStatus.PROCESSED


def test_partial_refunds_up_to_the_full_amount(gift):
    ok(deliver(session_completed(gift, pi="pi_test_1")))
    ok(deliver(charge_refunded(pi="pi_test_1", refunded_minor=2500, amount_minor=10000)))
    gift.refresh_from_db()
    assert gift.status == DonationStatus.PARTIALLY_REFUNDED
    assert raised() == Decimal("75.00")

    ok(deliver(charge_refunded(pi="pi_test_1", refunded_minor=10000, amount_minor=10000)))
    gift.refresh_from_db()
    assert gift.status == DonationStatus.REFUNDED
    assert sorted(r.amount for r in gift.refunds.all()) == [Decimal("25.00"), Decimal("75.00")]
    assert raised() == Decimal("0.00")
    assert Transaction.objects.filter(kind=TransactionKind.REFUND).count() == 2


def test_stale_refund_with_lower_cumulative_amount_posts_nothing(gift):
    ok(deliver(session_completed(gift, pi="pi_test_1")))
    ok(deliver(charge_refunded(pi="pi_test_1", refunded_minor=6000, amount_minor=10000)))
    assert raised() == Decimal("40.00")
    count = Transaction.objects.count()

    ok(deliver(charge_refunded(pi="pi_test_1", refunded_minor=3000, amount_minor=10000)))
    gift.refresh_from_db()
    assert Transaction.objects.count() == count
    assert gift.refunds.count() == 1
    assert gift.status == DonationStatus.PARTIALLY_REFUNDED
    assert raised() == Decimal("40.00")


def test_full_refund_and_its_repeat_under_a_new_event_id(gift):
    ok(deliver(session_completed(gift, pi="pi_test_1")))
    ok(deliver(charge_refunded(pi="pi_test_1", refunded_minor=10000, amount_minor=10000)))
    ok(deliver(charge_refunded(pi="pi_test_1", refunded_minor=10000, amount_minor=10000)))
    gift.refresh_from_db()
    assert gift.status == DonationStatus.REFUNDED
    assert gift.amount == Decimal("100.00")  # what was received stays on record
    assert gift.refunds.count() == 1
    assert Transaction.objects.filter(kind=TransactionKind.REFUND).count() == 1
    assert raised() == Decimal("0.00")


# -- monthly giving -------------------------------------------------------------------------------------------


@pytest.fixture
def monthly(project) -> Donation:
    return pending_gift(project, amount="30.00", monthly=True)


def first_payment(gift: Donation, *, subscription: str = "sub_1", invoice: str = "in_1") -> tuple[dict, dict]:
    completed = session_completed(gift, subscription=subscription, invoice=invoice)
    paid = invoice_paid(subscription=subscription, invoice=invoice, amount_minor=3000, first=True,
                        donation_id=str(gift.public_id), pi="pi_month_1")
    return completed, paid


def renewal(*, subscription: str = "sub_1", invoice: str = "in_2") -> dict:
    return invoice_paid(subscription=subscription, invoice=invoice, amount_minor=3000, first=False, pi="pi_month_2")


def test_monthly_first_payment_is_one_gift_and_renewals_are_their_own(monthly):
    completed, paid = first_payment(monthly)
    assert ok(deliver(completed)) == "processed"
    assert ok(deliver(paid)) == "processed"
    assert Donation.objects.count() == 1
    monthly.refresh_from_db()
    monthly.plan.refresh_from_db()
    assert monthly.status == DonationStatus.SUCCEEDED
    assert (monthly.plan.status, monthly.plan.stripe_subscription_id) == (PlanStatus.ACTIVE, "sub_1")
    assert Transaction.objects.count() == 1

    second = renewal()
    assert ok(deliver(second)) == "processed"
    month2 = Donation.objects.exclude(pk=monthly.pk).get()
    assert month2.plan_id == monthly.plan_id and month2.stripe_invoice_id == "in_2"
    assert month2.status == DonationStatus.SUCCEEDED and month2.amount == Decimal("30.00")
    assert month2.receipt_serial and month2.receipt_serial != monthly.receipt_serial
    assert month2.transaction_id not in (None, monthly.transaction_id)
    assert raised() == Decimal("60.00")

    assert ok(deliver(second)) == "duplicate"
    assert ok(deliver(renewal())) == "processed"  # the same invoice under a new event id
    assert Donation.objects.count() == 2
    assert Transaction.objects.count() == 2
    assert ReceiptCounter.objects.get().last == 2
    assert raised() == Decimal("60.00")


def test_first_invoice_before_checkout_completion_is_still_one_gift(monthly):
    completed, paid = first_payment(monthly)
    assert ok(deliver(paid)) == "processed"
    assert ok(deliver(completed)) == "processed"
    assert Donation.objects.count() == 1
    monthly.refresh_from_db()
    assert monthly.status == DonationStatus.SUCCEEDED and monthly.stripe_invoice_id == "in_1"
    assert Transaction.objects.count() == 1
    assert raised() == Decimal("30.00")


def test_renewal_for_an_unknown_subscription_waits_for_it(monthly):
    early = renewal(subscription="sub_9", invoice="in_9")
    assert ok(deliver(early)) == "deferred"
    assert Donation.objects.count() == 1 and Transaction.objects.count() == 0

    completed, _paid = first_payment(monthly, subscription="sub_9", invoice="in_8")
    ok(deliver(completed))
    assert WebhookEvent.objects.get(event_id=early["id"]).status == WebhookEventStatus.PROCESSED
    later = Donation.objects.get(stripe_invoice_id="in_9")
    assert later.plan_id == monthly.plan_id and later.status == DonationStatus.SUCCEEDED
    assert Transaction.objects.count() == 2
    assert raised() == Decimal("60.00")


def test_subscription_deleted_cancels_the_plan(monthly):
    completed, paid = first_payment(monthly)
    ok(deliver(completed))
    cancelled = subscription_deleted(subscription="sub_1")
    assert ok(deliver(cancelled)) == "processed"
    monthly.plan.refresh_from_db()
    assert monthly.plan.status == PlanStatus.CANCELLED
    assert monthly.plan.cancelled_at == datetime.fromtimestamp(cancelled["created"], tz=UTC)
    monthly.refresh_from_db()
    assert monthly.status == DonationStatus.SUCCEEDED  # the month already paid is kept


# -- unpaid, expired and asynchronous sessions ----------------------------------------------------------------


def test_expired_session_expires_the_gift_without_ledger(gift):
    assert ok(deliver(session_event(gift, "checkout.session.expired", status="expired"))) == "processed"
    gift.refresh_from_db()
    assert gift.status == DonationStatus.EXPIRED
    assert Transaction.objects.count() == 0


def test_expired_after_completion_leaves_the_gift_succeeded(gift):
    ok(deliver(session_completed(gift)))
    ok(deliver(session_event(gift, "checkout.session.expired", status="expired")))
    gift.refresh_from_db()
    assert gift.status == DonationStatus.SUCCEEDED
    assert Transaction.objects.count() == 1
    assert raised() == Decimal("100.00")


def test_async_payment_failed_fails_the_gift(gift):
    ok(deliver(session_completed(gift, paid=False)))
    ok(deliver(session_event(gift, "checkout.session.async_payment_failed")))
    gift.refresh_from_db()
    assert gift.status == DonationStatus.FAILED
    assert Transaction.objects.count() == 0


def test_unpaid_completion_then_async_success(gift):
    assert ok(deliver(session_completed(gift, paid=False, pi="pi_async"))) == "processed"
    gift.refresh_from_db()
    assert gift.status == DonationStatus.PENDING and gift.stripe_payment_intent_id == "pi_async"
    assert Transaction.objects.count() == 0

    ok(deliver(session_completed(gift, pi="pi_async", type_="checkout.session.async_payment_succeeded")))
    gift.refresh_from_db()
    assert gift.status == DonationStatus.SUCCEEDED
    assert Transaction.objects.count() == 1
    assert raised() == Decimal("100.00")


# -- disputes, unknown events, foreign sessions ---------------------------------------------------------------


def test_dispute_flags_the_gift_without_moving_money(gift):
    ok(deliver(session_completed(gift, pi="pi_test_1")))
    dispute = dispute_created(pi="pi_test_1")
    assert ok(deliver(dispute)) == "processed"
    gift.refresh_from_db()
    assert gift.dispute_id == "dp_test_1" and gift.dispute_reason == "fraudulent"
    assert gift.disputed_at == datetime.fromtimestamp(dispute["created"], tz=UTC)
    assert gift.status == DonationStatus.SUCCEEDED
    assert Transaction.objects.count() == 1
    assert raised() == Decimal("100.00")


def test_unknown_event_type_is_acknowledged_and_ignored(gift):
    unknown = event("customer.created", {"id": "cus_1", "object": "customer"})
    assert ok(deliver(unknown)) == "ignored"
    assert WebhookEvent.objects.get(event_id=unknown["id"]).status == WebhookEventStatus.IGNORED


def test_session_that_is_not_ours_is_ignored(gift):
    foreign = event("checkout.session.completed", {
        "id": "cs_someone_else", "object": "checkout.session", "mode": "payment", "payment_status": "paid",
        "amount_total": 5000, "currency": "cny", "client_reference_id": str(uuid.UUID(int=7)),
        "metadata": {}, "payment_intent": "pi_foreign",
    })
    assert ok(deliver(foreign)) == "ignored"
    assert WebhookEvent.objects.get().status == WebhookEventStatus.IGNORED
    gift.refresh_from_db()
    assert gift.status == DonationStatus.PENDING
    assert Transaction.objects.count() == 0


# -- malformed and refused events ------------------------------------------------------------------------------


def test_a_signed_body_that_is_not_an_event_is_a_400_and_records_nothing(gift):
    for body in (b"[1, 2]", b'{"id": "evt_x", "type": "checkout.session.completed"}', b"not json"):
        response = post_raw(body, sandbox.sign(body, settings.SANDBOX_WEBHOOK_SECRET))
        assert response.status_code == 400, body
    assert_nothing_recorded(gift)


def test_a_refund_our_rules_refuse_is_kept_as_ignored_not_retried_for_ever(project):
    offline = donation_record_offline(gift=OfflineGift(
        project=project, channel="cash", amount=Decimal("50.00"), received_at=timezone.now()))
    donation_reverse(donation=offline, reason="登记错误")
    Donation.objects.filter(pk=offline.pk).update(stripe_payment_intent_id="pi_reversed")
    before = Transaction.objects.count()
    refund = charge_refunded(pi="pi_reversed", refunded_minor=5000, amount_minor=5000)
    assert ok(deliver(refund)) == "ignored"
    record = WebhookEvent.objects.get(event_id=refund["id"])
    assert record.status == WebhookEventStatus.IGNORED and "不能退款" in record.note
    assert Transaction.objects.count() == before
