"""Stripe-format events for tests, and a way to deliver them signed through the real webhook endpoint."""

from __future__ import annotations

import itertools
import json
import time
import uuid
from decimal import Decimal

from django.conf import settings
from django.test import Client

from donations.gateways import sandbox
from donations.models import Channel, Donation, MonthlyPlan

_ids = itertools.count(1)
WEBHOOK_URL = "/donations/webhooks/stripe/"


def event(type_: str, obj: dict, *, event_id: str | None = None, created: int | None = None) -> dict:
    return {
        "id": event_id or f"evt_test_{next(_ids):06d}",
        "object": "event",
        "type": type_,
        "created": created or int(time.time()),
        "livemode": False,
        "data": {"object": obj},
    }


def session_completed(donation, *, amount_minor: int | None = None, paid: bool = True, pi: str = "pi_test_1",
                      type_: str = "checkout.session.completed", **extra) -> dict:
    obj = {
        "id": donation.stripe_checkout_session_id or "cs_test_1",
        "object": "checkout.session",
        "mode": "subscription" if donation.plan_id else "payment",
        "payment_status": "paid" if paid else "unpaid",
        "amount_total": amount_minor if amount_minor is not None else int(donation.requested_amount * 100),
        "currency": "cny",
        "client_reference_id": str(donation.public_id),
        "metadata": {"donation": str(donation.public_id)},
        "payment_intent": None if donation.plan_id else pi,
        **extra,
    }
    return event(type_, obj)


def charge_refunded(*, pi: str, refunded_minor: int, amount_minor: int, charge: str = "ch_test_1") -> dict:
    return event("charge.refunded", {
        "id": charge, "object": "charge", "payment_intent": pi, "amount": amount_minor,
        "amount_refunded": refunded_minor, "currency": "cny",
    })


def invoice_paid(*, subscription: str, invoice: str, amount_minor: int, first: bool, donation_id: str = "",
                 pi: str = "") -> dict:
    return event("invoice.paid", {
        "id": invoice, "object": "invoice", "billing_reason": "subscription_create" if first else "subscription_cycle",
        "amount_paid": amount_minor, "currency": "cny",
        "parent": {"subscription_details": {"subscription": subscription, "metadata": {"donation": donation_id}}},
        "payments": {"data": [{"payment": {"payment_intent": pi}}]} if pi else {"data": []},
    })


def deliver(event_: dict, *, client: Client | None = None, secret: str | None = None, timestamp: int | None = None):
    """POST the event to the webhook endpoint, signed the way Stripe signs it."""
    payload = json.dumps(event_).encode()
    signature = sandbox.sign(payload, secret or settings.SANDBOX_WEBHOOK_SECRET, timestamp)
    return (client or Client()).post(WEBHOOK_URL, payload, content_type="application/json",
                                       HTTP_STRIPE_SIGNATURE=signature)


def yuan(value: str) -> Decimal:
    return Decimal(value)


# --- more builders and helpers (money-rule tests) ---------------------------------------------------------------


def session_event(donation, type_: str, *, session_id: str | None = None, **extra) -> dict:
    """A bare checkout.session event (expired, async_payment_failed) about ``donation``'s session."""
    obj = {
        "id": session_id or donation.stripe_checkout_session_id or "cs_test_1",
        "object": "checkout.session",
        "payment_status": "unpaid",
        "client_reference_id": str(donation.public_id),
        "metadata": {"donation": str(donation.public_id)},
        **extra,
    }
    return event(type_, obj)


def dispute_created(*, pi: str, charge: str = "ch_test_1", dispute: str = "dp_test_1",
                    reason: str = "fraudulent") -> dict:
    return event("charge.dispute.created", {
        "id": dispute, "object": "dispute", "charge": charge, "payment_intent": pi, "amount": 100,
        "currency": "cny", "reason": reason, "status": "needs_response",
    })


def subscription_deleted(*, subscription: str) -> dict:
    return event("customer.subscription.deleted", {"id": subscription, "object": "subscription",
                                                   "status": "canceled"})


def signed(event_: dict, *, secret: str | None = None, timestamp: int | None = None) -> tuple[bytes, str]:
    """The raw body and its ``Stripe-Signature`` header, for tests that tamper with one of them."""
    payload = json.dumps(event_).encode()
    return payload, sandbox.sign(payload, secret or settings.SANDBOX_WEBHOOK_SECRET, timestamp)


def post_raw(payload: bytes, signature: str | None, *, client: Client | None = None):
    headers = {"HTTP_STRIPE_SIGNATURE": signature} if signature is not None else {}
    return (client or Client()).post(WEBHOOK_URL, payload, content_type="application/json", **headers)


_sessions = itertools.count(1)


def pending_gift(project, *, amount: str = "100.00", monthly: bool = False, donor=None, session_id: str = "",
                 **fields):
    """A pending online gift as checkout leaves it: idempotency key and session id stored (monthly: with a
    pending plan)."""
    plan = MonthlyPlan.objects.create(project=project, donor=donor, amount=Decimal(amount)) if monthly else None
    return Donation.objects.create(
        project=project,
        donor=donor,
        plan=plan,
        channel=Channel.ONLINE,
        requested_amount=Decimal(amount),
        idempotency_key=uuid.uuid4(),
        stripe_checkout_session_id=session_id or f"cs_test_gift_{next(_sessions):04d}",
        **fields,
    )
