"""The Stripe gateway: Checkout Sessions through the official SDK, and the one place money meets minor units.

``STRIPE_API_BASE`` points the SDK at a Stripe-compatible server (tests use a local one).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal

import stripe
from django.conf import settings

from .base import CheckoutRequest, CheckoutSession, GatewayError

# CNY and the other currencies we accept have two decimal places in Stripe's minor units (分).
MINOR_PER_MAJOR = 100


def to_minor(amount: Decimal) -> int:
    """¥100.50 → 10050. Refuses fractions of a 分 rather than rounding money away."""
    minor = amount * MINOR_PER_MAJOR
    if minor != minor.to_integral_value():
        raise ValueError(f"金额 {amount} 不能精确到分")
    return int(minor)


def from_minor(minor: int) -> Decimal:
    """10050 → Decimal('100.50'); Stripe's integers become our Decimals here and nowhere else."""
    return (Decimal(int(minor)) / MINOR_PER_MAJOR).quantize(Decimal("0.01"))


def client() -> stripe.StripeClient:
    base = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY, base_addresses=base, max_network_retries=2)


def checkout_params(request: CheckoutRequest) -> dict:
    metadata = {"donation": request.donation_id, "fund": request.fund_code or "general"}
    price_data = {
        "currency": request.currency.lower(),
        "unit_amount": to_minor(request.amount),
        "product_data": {"name": request.description},
    }
    params = {
        "mode": "subscription" if request.monthly else "payment",
        "line_items": [{"price_data": price_data, "quantity": 1}],
        "success_url": request.success_url,
        "cancel_url": request.cancel_url,
        "client_reference_id": request.donation_id,
        "metadata": metadata,
        "locale": "zh",
    }
    if request.monthly:
        # Recurring payments are taken by card only: Alipay and WeChat Pay are one-off here.
        price_data["recurring"] = {"interval": "month"}
        params["payment_method_types"] = ["card"]
        params["subscription_data"] = {"metadata": metadata}
    else:
        methods = list(settings.STRIPE_PAYMENT_METHOD_TYPES)
        params["payment_method_types"] = methods
        params["submit_type"] = "donate"
        params["payment_intent_data"] = {"metadata": metadata, "description": request.description}
        if "wechat_pay" in methods:
            params["payment_method_options"] = {"wechat_pay": {"client": "web"}}
    if request.customer_email:
        params["customer_email"] = request.customer_email
    return params


def create_checkout(request: CheckoutRequest) -> CheckoutSession:
    try:
        session = client().v1.checkout.sessions.create(
            params=checkout_params(request), options={"idempotency_key": request.idempotency_key}
        )
    except stripe.StripeError as error:
        raise GatewayError("支付通道暂时不可用,请稍后再试。") from error
    return CheckoutSession(id=session.id, url=session.url)


def events_since(since: datetime) -> Iterator[dict]:
    """Every event Stripe still keeps (30 days) created at or after ``since``, oldest first, as plain dicts."""
    page = client().v1.events.list(params={"created": {"gte": int(since.timestamp())}, "limit": 100})
    events = [json.loads(json.dumps(event.to_dict())) for event in page.auto_paging_iter()]
    return iter(sorted(events, key=lambda e: (e.get("created", 0), e["id"])))


def charge_balance_transaction(charge_id: str) -> dict:
    """The charge's balance transaction (fee, net, settlement currency), asked of Stripe with the charge
    expanded: a webhook's copy of a charge never carries it expanded, and its fee is Stripe's to say."""
    charge = client().v1.charges.retrieve(charge_id, params={"expand": ["balance_transaction"]})
    bt = json.loads(json.dumps(charge.to_dict())).get("balance_transaction")
    if not isinstance(bt, dict):
        raise GatewayError(f"Stripe 未返回 {charge_id} 的结算记录")
    return bt


def refund(refund_id: str) -> dict:
    """The refund as Stripe holds it, its balance transactions expanded (the fee Stripe charged or returned)."""
    params = {"expand": ["balance_transaction", "failure_balance_transaction"]}
    return json.loads(json.dumps(client().v1.refunds.retrieve(refund_id, params=params).to_dict()))


def dispute(dispute_id: str) -> dict:
    """The dispute as Stripe holds it now, with its balance transactions (the amount taken back and the fee)."""
    return json.loads(json.dumps(client().v1.disputes.retrieve(dispute_id).to_dict()))


def balance() -> dict[str, Decimal]:
    """Stripe's balance (available + pending) per currency, upper-case ISO codes."""
    answer = json.loads(json.dumps(client().v1.balance.retrieve().to_dict()))
    totals: dict[str, Decimal] = {}
    for entry in [*(answer.get("available") or []), *(answer.get("pending") or [])]:
        currency = str(entry.get("currency") or "").upper()
        totals[currency] = totals.get(currency, Decimal("0.00")) + from_minor(entry.get("amount") or 0)
    return totals
