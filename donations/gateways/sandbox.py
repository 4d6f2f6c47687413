"""The local sandbox gateway (测试支付): a stand-in for Stripe Checkout when no Stripe keys are configured.

The donor completes or cancels on a local page marked 测试支付; the sandbox then builds the events Stripe
would send, in Stripe's format, signs them with the local webhook secret exactly as Stripe signs (HMAC-SHA256
over ``"{timestamp}.{payload}"``), and delivers them to the same webhook handler. So ``make run`` exercises the
real webhook code offline.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import uuid
from decimal import Decimal

from django.urls import reverse

from .base import CheckoutRequest, CheckoutSession
from .stripe_gateway import to_minor

SESSION_PREFIX = "cs_sandbox_"


def create_checkout(request: CheckoutRequest) -> CheckoutSession:
    # Derived from the idempotency key, so asking twice gives the same session (as Stripe's Idempotency-Key does).
    session_id = SESSION_PREFIX + uuid.uuid5(uuid.NAMESPACE_URL, request.idempotency_key).hex
    return CheckoutSession(id=session_id, url=reverse("donations:sandbox-checkout", args=[session_id]))


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` header value for ``payload``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def event(type_: str, obj: dict) -> dict:
    return {
        "id": "evt_sandbox_" + secrets.token_hex(12),
        "object": "event",
        "type": type_,
        "created": int(time.time()),
        "livemode": False,
        "api_version": "sandbox",
        "data": {"object": obj},
    }


def completion_events(
    *, session_id: str, donation_id: str, fund_code: str, amount: Decimal, monthly: bool, method: str
) -> list[dict]:
    """What Stripe sends when a donor pays: the completed session, and for monthly giving the first invoice."""
    metadata = {"donation": donation_id, "fund": fund_code or "general"}
    minor = to_minor(amount)
    token = secrets.token_hex(8)
    session = {
        "id": session_id,
        "object": "checkout.session",
        "mode": "subscription" if monthly else "payment",
        "payment_status": "paid",
        "status": "complete",
        "amount_total": minor,
        "currency": "cny",
        "client_reference_id": donation_id,
        "metadata": metadata,
        "payment_method_types": [method],
        "payment_intent": None if monthly else f"pi_sandbox_{token}",
        "subscription": f"sub_sandbox_{token}" if monthly else None,
        "invoice": f"in_sandbox_{token}" if monthly else None,
    }
    events = [event("checkout.session.completed", session)]
    if monthly:
        events.append(invoice_paid_event(session["subscription"], donation_id, fund_code, amount, first=True,
                                         invoice_id=session["invoice"]))
    return events


def invoice_paid_event(
    subscription_id: str, donation_id: str, fund_code: str, amount: Decimal, *, first: bool, invoice_id: str = ""
) -> dict:
    token = secrets.token_hex(8)
    invoice = {
        "id": invoice_id or f"in_sandbox_{token}",
        "object": "invoice",
        "billing_reason": "subscription_create" if first else "subscription_cycle",
        "amount_paid": to_minor(amount),
        "currency": "cny",
        "status": "paid",
        "parent": {
            "type": "subscription_details",
            "subscription_details": {
                "subscription": subscription_id,
                "metadata": {"donation": donation_id, "fund": fund_code or "general"},
            },
        },
        "payments": {"data": [{"payment": {"type": "payment_intent", "payment_intent": f"pi_sandbox_{token}"}}]},
    }
    return event("invoice.paid", invoice)


def expired_event(*, session_id: str, donation_id: str) -> dict:
    return event(
        "checkout.session.expired",
        {"id": session_id, "object": "checkout.session", "status": "expired", "payment_status": "unpaid",
         "client_reference_id": donation_id, "metadata": {"donation": donation_id}},
    )


def refund_event(*, payment_intent_id: str, refunded_total: Decimal, amount: Decimal) -> dict:
    return event(
        "charge.refunded",
        {"id": "ch_" + payment_intent_id.removeprefix("pi_"), "object": "charge", "payment_intent": payment_intent_id,
         "amount": to_minor(amount), "amount_refunded": to_minor(refunded_total), "currency": "cny",
         "refunded": refunded_total >= amount},
    )


def encode(event_: dict) -> bytes:
    return json.dumps(event_, ensure_ascii=False, separators=(",", ":")).encode()
