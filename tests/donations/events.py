"""Stripe-format events for tests, and a way to deliver them signed through the real webhook endpoint."""

from __future__ import annotations

import itertools
import json
import time
from decimal import Decimal

from django.conf import settings
from django.test import Client

from donations.gateways import sandbox

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
