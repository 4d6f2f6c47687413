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
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
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
        invoice = invoice_paid_event(session["subscription"], donation_id, fund_code, amount, first=True,
                                     invoice_id=session["invoice"])
        events += [invoice, charge_settled_event(payment_intent_id=payment_intent_of(invoice), amount=amount,
                                                 method="card")]
    else:
        events.append(charge_settled_event(payment_intent_id=session["payment_intent"], amount=amount, method=method))
    return events


def fee_minor(amount: Decimal, method: str) -> int:
    """The simulated Stripe fee in 分: ``SANDBOX_FEE_RATES[method]`` of the amount, rounded half up."""
    rate = Decimal(str(settings.SANDBOX_FEE_RATES.get(method, 0)))
    return int((to_minor(amount) * rate).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def charge_settled_event(*, payment_intent_id: str, amount: Decimal, method: str) -> dict:
    """charge.succeeded with its balance transaction expanded (the sandbox has no API to ask for it)."""
    minor, fee = to_minor(amount), fee_minor(amount, method)
    token = payment_intent_id.removeprefix("pi_")
    balance_transaction = {
        "id": f"txn_{token}", "object": "balance_transaction", "type": "charge", "amount": minor, "fee": fee,
        "net": minor - fee, "currency": "cny", "status": "pending",
    }
    return event("charge.succeeded", {
        "id": f"ch_{token}", "object": "charge", "payment_intent": payment_intent_id, "amount": minor,
        "currency": "cny", "paid": True, "status": "succeeded", "payment_method_details": {"type": method},
        "balance_transaction": balance_transaction,
    })


def payment_intent_of(invoice_event: dict) -> str:
    return invoice_event["data"]["object"]["payments"]["data"][0]["payment"]["payment_intent"]


def payout_event(type_: str, *, payout_id: str, amount: Decimal) -> dict:
    """payout.paid / payout.failed for the sandbox's daily payout of its balance."""
    return event(type_, {
        "id": payout_id, "object": "payout", "amount": to_minor(amount), "currency": "cny",
        "arrival_date": int(time.time()), "status": "paid" if type_ == "payout.paid" else "failed",
        "method": "standard", "type": "bank_account",
    })


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
