"""Stripe-format events, read into typed dataclasses at the gateway boundary.

Only here (with ``stripe_gateway.from_minor``) do Stripe's JSON shapes and integer minor units appear; the
services see Decimals and our own names. Fields moved between Stripe API versions (an invoice's subscription
and payment intent, say) are read from both places.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from .stripe_gateway import from_minor


@dataclass(frozen=True)
class SessionOutcome:
    """checkout.session.completed / async_payment_succeeded / async_payment_failed / expired."""

    session_id: str
    donation_id: str
    paid: bool
    amount: Decimal | None
    currency: str
    payment_intent_id: str
    subscription_id: str
    invoice_id: str


@dataclass(frozen=True)
class InvoicePaid:
    invoice_id: str
    subscription_id: str
    donation_id: str  # the initial donation, from the subscription's metadata
    first_payment: bool
    amount: Decimal
    currency: str
    payment_intent_id: str
    charge_id: str


@dataclass(frozen=True)
class ChargeRefunded:
    charge_id: str
    payment_intent_id: str
    refunded_total: Decimal  # cumulative: Stripe's amount_refunded
    currency: str


@dataclass(frozen=True)
class DisputeCreated:
    dispute_id: str
    charge_id: str
    payment_intent_id: str
    reason: str


@dataclass(frozen=True)
class SubscriptionEnded:
    subscription_id: str


@dataclass(frozen=True)
class ChargeSettled:
    """charge.succeeded / charge.updated: the charge and its balance transaction (expanded or just its id)."""

    charge_id: str
    payment_intent_id: str
    balance_transaction_id: str
    balance_transaction: dict | None  # expanded (the sandbox's events, the API's answer), else None


@dataclass(frozen=True)
class BalanceFee:
    """Stripe's fee on one balance transaction, in the balance's (settlement) currency."""

    balance_transaction_id: str
    fee: Decimal
    currency: str


@dataclass(frozen=True)
class DisputeClosed:
    """charge.dispute.closed: ``lost`` takes the disputed amount back, and Stripe's dispute fee on top."""

    dispute_id: str
    charge_id: str
    payment_intent_id: str
    status: str  # lost / won / warning_closed
    amount: Decimal
    currency: str
    fees: tuple[BalanceFee, ...]  # the dispute's balance transactions' fees


@dataclass(frozen=True)
class RefundSettled:
    """refund.created / refund.updated / charge.refund.updated: a refund and its balance transactions (expanded or
    ids): the refund's own and, when it failed, the one that put the money back."""

    refund_id: str
    charge_id: str
    payment_intent_id: str
    balance_transaction_ids: tuple[str, ...]
    balance_transactions: tuple[dict, ...]  # the expanded ones (the sandbox's events, the API's answer)


@dataclass(frozen=True)
class Payout:
    """payout.paid / payout.failed: money leaving Stripe's balance for our bank account (or coming back)."""

    payout_id: str
    amount: Decimal
    currency: str
    arrival: datetime | None


def event_time(event: dict) -> datetime:
    return datetime.fromtimestamp(int(event.get("created") or 0), tz=UTC)


def read_session(obj: dict) -> SessionOutcome:
    amount = obj.get("amount_total")
    return SessionOutcome(
        session_id=obj["id"],
        donation_id=(obj.get("metadata") or {}).get("donation") or obj.get("client_reference_id") or "",
        paid=obj.get("payment_status") in ("paid", "no_payment_required"),
        amount=from_minor(amount) if amount is not None else None,
        currency=(obj.get("currency") or "cny").upper(),
        payment_intent_id=_id(obj.get("payment_intent")),
        subscription_id=_id(obj.get("subscription")),
        invoice_id=_id(obj.get("invoice")),
    )


def read_invoice(obj: dict) -> InvoicePaid:
    parent = (obj.get("parent") or {}).get("subscription_details") or {}
    legacy = obj.get("subscription_details") or {}
    metadata = parent.get("metadata") or legacy.get("metadata") or {}
    payment_intent, charge = _invoice_payment(obj)
    return InvoicePaid(
        invoice_id=obj["id"],
        subscription_id=_id(parent.get("subscription") or obj.get("subscription")),
        donation_id=metadata.get("donation", ""),
        first_payment=obj.get("billing_reason") == "subscription_create",
        amount=from_minor(obj.get("amount_paid") or 0),
        currency=(obj.get("currency") or "cny").upper(),
        payment_intent_id=payment_intent,
        charge_id=charge,
    )


def read_charge(obj: dict) -> ChargeRefunded:
    return ChargeRefunded(
        charge_id=obj["id"],
        payment_intent_id=_id(obj.get("payment_intent")),
        refunded_total=from_minor(obj.get("amount_refunded") or 0),
        currency=(obj.get("currency") or "cny").upper(),
    )


def read_dispute(obj: dict) -> DisputeCreated:
    return DisputeCreated(
        dispute_id=obj["id"],
        charge_id=_id(obj.get("charge")),
        payment_intent_id=_id(obj.get("payment_intent")),
        reason=str(obj.get("reason") or "")[:100],
    )


def read_subscription(obj: dict) -> SubscriptionEnded:
    return SubscriptionEnded(subscription_id=obj["id"])


def read_charge_settled(obj: dict) -> ChargeSettled:
    bt = obj.get("balance_transaction")
    return ChargeSettled(
        charge_id=obj["id"],
        payment_intent_id=_id(obj.get("payment_intent")),
        balance_transaction_id=_id(bt),
        balance_transaction=bt if isinstance(bt, dict) else None,
    )


def read_balance_fee(bt: dict) -> BalanceFee:
    return BalanceFee(
        balance_transaction_id=str(bt["id"]),
        fee=from_minor(bt.get("fee") or 0),
        currency=(bt.get("currency") or "cny").upper(),
    )


def read_dispute_closed(obj: dict) -> DisputeClosed:
    return DisputeClosed(
        dispute_id=obj["id"],
        charge_id=_id(obj.get("charge")),
        payment_intent_id=_id(obj.get("payment_intent")),
        status=str(obj.get("status") or ""),
        amount=from_minor(obj.get("amount") or 0),
        currency=(obj.get("currency") or "cny").upper(),
        fees=tuple(read_balance_fee(bt) for bt in obj.get("balance_transactions") or [] if isinstance(bt, dict)),
    )


def read_refund(obj: dict) -> RefundSettled:
    bts = [obj.get("balance_transaction"), obj.get("failure_balance_transaction")]
    return RefundSettled(
        refund_id=str(obj["id"]),
        charge_id=_id(obj.get("charge")),
        payment_intent_id=_id(obj.get("payment_intent")),
        balance_transaction_ids=tuple(_id(bt) for bt in bts if _id(bt)),
        balance_transactions=tuple(bt for bt in bts if isinstance(bt, dict)),
    )


def read_payout(obj: dict) -> Payout:
    arrival = obj.get("arrival_date")
    return Payout(
        payout_id=obj["id"],
        amount=from_minor(obj.get("amount") or 0),
        currency=(obj.get("currency") or "cny").upper(),
        arrival=datetime.fromtimestamp(int(arrival), tz=UTC) if arrival else None,
    )


def _invoice_payment(obj: dict) -> tuple[str, str]:
    payment_intent, charge = _id(obj.get("payment_intent")), _id(obj.get("charge"))
    for entry in (obj.get("payments") or {}).get("data") or []:
        payment = entry.get("payment") or {}
        payment_intent = payment_intent or _id(payment.get("payment_intent"))
        charge = charge or _id(payment.get("charge"))
    return payment_intent, charge


def _id(value) -> str:
    """Stripe sends an id, or the expanded object holding one."""
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return str(value or "")
