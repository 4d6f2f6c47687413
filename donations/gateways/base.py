"""Dataclasses at the gateway boundary: what we ask a gateway for, and what it gives back."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


class GatewayError(RuntimeError):
    """The payment gateway could not be reached or refused the request; the message is for donors."""


@dataclass(frozen=True)
class CheckoutRequest:
    donation_id: str  # our public id, sent as client_reference_id and metadata
    idempotency_key: str  # persisted before the call: a retry returns the same session
    amount: Decimal
    currency: str
    monthly: bool
    fund_code: str
    description: str  # what the donor sees on the Checkout page
    success_url: str
    cancel_url: str
    customer_email: str = ""


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str
