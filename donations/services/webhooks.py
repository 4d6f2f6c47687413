"""Payment webhooks: verify, store once, then apply.

Rules:
- The raw body is verified with ``stripe.Webhook.construct_event`` (300 s tolerance) before anything is read;
  a bad, missing or stale signature records nothing.
- Each event id is stored under a unique constraint in the same database transaction as its effects, so a
  duplicate delivery — also a concurrent one — changes nothing, and a failed one can be delivered again.
- Events may arrive out of order. An event about something we have not seen yet (a refund before the payment
  completed, a renewal before the subscription is known) is stored as deferred, waiting for that object's id,
  and replayed as soon as the object arrives.
- Unknown event types are acknowledged (200) and logged. An event our rules refuse (a refund of a reversed gift)
  is kept as ignored, with the reason, for finance to see; retrying it could not help.
- A signed body that is not an event is a 400; any other failure is a 500, so the gateway delivers it again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

import stripe
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from donations.gateways import events as ev
from donations.gateways import webhook_secret
from donations.models import Donation, DonationStatus, MonthlyPlan, WebhookEvent, WebhookEventStatus
from donations.validators import is_uuid

from .payments import (
    DonationError,
    donation_flag_dispute,
    donation_mark_unpaid,
    donation_record_ids,
    donation_record_payment,
    donation_record_refund,
)
from .plans import plan_activate, plan_cancel, plan_gift_create
from .processor import (
    charge_fee_record,
    dispute_closed_read,
    dispute_lost_record,
    payout_record_failed,
    payout_record_paid,
    refund_fee_record,
)

log = logging.getLogger(__name__)
SIGNATURE_TOLERANCE_SECONDS = 300


class WebhookSignatureError(ValueError):
    """The request is not a genuine, fresh event from our payment gateway."""


class WebhookPayloadError(ValueError):
    """A genuinely signed body that is not an event we can read (no id, type or data object)."""


@dataclass(frozen=True)
class Outcome:
    status: str
    waits_for: str = ""
    note: str = ""


DUPLICATE = "duplicate"


def webhook_receive(*, payload: bytes, signature: str) -> str:
    """Verify the raw body's signature, then process the event. Returns what happened to it."""
    secret = webhook_secret()
    if not secret or not signature:
        raise WebhookSignatureError("missing signature or webhook secret")
    try:
        stripe.Webhook.construct_event(payload, signature, secret, tolerance=SIGNATURE_TOLERANCE_SECONDS)
    except stripe.SignatureVerificationError as error:
        raise WebhookSignatureError(str(error)) from error
    except (ValueError, AttributeError, TypeError) as error:  # verified, but not a JSON object
        raise WebhookPayloadError("the body is not a Stripe event") from error
    try:
        event = json.loads(payload)
    except ValueError as error:
        raise WebhookPayloadError("the body is not JSON") from error
    if not (isinstance(event, dict) and isinstance(event.get("id"), str) and isinstance(event.get("type"), str)
            and isinstance((event.get("data") or {}).get("object"), dict)):
        raise WebhookPayloadError("the body is not a Stripe event")
    return event_process(event)


def event_process(event: dict) -> str:
    """Store the event once and apply it, atomically. Returns processed / deferred / ignored / duplicate."""
    with transaction.atomic():
        record, created = WebhookEvent.objects.get_or_create(
            event_id=event["id"],
            defaults={"type": event.get("type", ""), "payload": event, "status": WebhookEventStatus.PROCESSED,
                      "processed_at": timezone.now()},
        )
        if not created:
            return DUPLICATE
        outcome = _apply(event)
        _save_outcome(record, outcome)
    return outcome.status


def _apply(event: dict) -> Outcome:
    handler = HANDLERS.get(event.get("type", ""))
    if handler is None:
        log.info("webhook: event type %s (%s) is not handled", event.get("type"), event.get("id"))
        return Outcome(WebhookEventStatus.IGNORED, note="未处理的事件类型")
    try:
        with transaction.atomic():
            return handler(event, event["data"]["object"])
    except DonationError as error:
        # Our rules refuse it (a refund of a reversed gift, say): retrying cannot help, so it is kept, marked
        # ignored with the reason, for finance to see under 支付事件 — not answered with a 500 for ever.
        log.error("webhook: event %s (%s) refused: %s", event.get("id"), event.get("type"), error)
        return Outcome(WebhookEventStatus.IGNORED, note=f"被业务规则拒绝:{error}")


def _save_outcome(record: WebhookEvent, outcome: Outcome) -> None:
    if outcome == Outcome(WebhookEventStatus.PROCESSED) and record.processed_at is not None:
        return  # stored as processed already: one statement less while the ledger is locked
    record.status, record.waits_for, record.note = outcome.status, outcome.waits_for, outcome.note[:255]
    record.processed_at = timezone.now() if outcome.status != WebhookEventStatus.DEFERRED else None
    record.save(update_fields=["status", "waits_for", "note", "processed_at"])


def _replay_waiting(*keys: str) -> None:
    """Apply deferred events that were waiting for any of ``keys``, oldest first."""
    keys = [k for k in keys if k]
    if not keys:
        return
    waiting = WebhookEvent.objects.select_for_update().filter(status=WebhookEventStatus.DEFERRED, waits_for__in=keys)
    for record in list(waiting.order_by("received_at", "pk")):
        # Taken off the waiting list before it is applied: its own handler replays the same keys (a renewal
        # waits for its subscription, then replays events waiting for that subscription), and a nested replay
        # may already have applied it.
        taken = WebhookEvent.objects.filter(pk=record.pk, status=WebhookEventStatus.DEFERRED)
        if not taken.update(status=WebhookEventStatus.PROCESSED):
            continue
        _save_outcome(record, _apply(record.payload))


def _donation(*, public_id: str = "", **ids: str) -> Donation | None:
    query = Q(pk__in=[])
    if public_id and is_uuid(public_id):
        query |= Q(public_id=public_id)
    for field, value in ids.items():
        if value:
            query |= Q(**{field: value})
    return Donation.objects.filter(query).select_related("plan").first()



# --- handlers ------------------------------------------------------------------------------------


def on_session_paid(event: dict, obj: dict) -> Outcome:
    s = ev.read_session(obj)
    donation = _donation(public_id=s.donation_id, stripe_checkout_session_id=s.session_id)
    if donation is None:
        return Outcome(WebhookEventStatus.IGNORED, note="不是本系统发起的 Checkout")
    if not s.paid:
        # Paid later by an asynchronous method: async_payment_succeeded / _failed will follow.
        donation_record_ids(donation=donation, session_id=s.session_id, payment_intent_id=s.payment_intent_id)
        return Outcome(WebhookEventStatus.PROCESSED, note="等待异步支付结果")
    if s.subscription_id and donation.plan_id:
        plan_activate(plan=donation.plan, subscription_id=s.subscription_id)
    donation = donation_record_payment(
        donation=donation,
        amount=s.amount,
        currency=s.currency,
        received_at=ev.event_time(event),
        payment_intent_id=s.payment_intent_id,
        invoice_id=s.invoice_id,
        session_id=s.session_id,
    )
    _replay_waiting(s.payment_intent_id, s.subscription_id, s.invoice_id, donation.stripe_charge_id)
    return Outcome(WebhookEventStatus.PROCESSED)


def on_session_unpaid(status: str) -> Callable[[dict, dict], Outcome]:
    def handler(event: dict, obj: dict) -> Outcome:
        s = ev.read_session(obj)
        donation = _donation(public_id=s.donation_id, stripe_checkout_session_id=s.session_id)
        if donation is None:
            return Outcome(WebhookEventStatus.IGNORED, note="不是本系统发起的 Checkout")
        donation_mark_unpaid(donation=donation, status=status)
        return Outcome(WebhookEventStatus.PROCESSED)

    return handler


def on_invoice_paid(event: dict, obj: dict) -> Outcome:
    inv = ev.read_invoice(obj)
    donation = _donation(stripe_invoice_id=inv.invoice_id)
    if donation is None and inv.first_payment:
        donation = _donation(public_id=inv.donation_id)
    if donation is None:
        plan = MonthlyPlan.objects.filter(stripe_subscription_id=inv.subscription_id).first() if (
            inv.subscription_id) else None
        if plan is None:
            return Outcome(WebhookEventStatus.DEFERRED, waits_for=inv.subscription_id, note="月捐计划尚未建立")
        donation = plan_gift_create(plan=plan, invoice_id=inv.invoice_id)
    if donation.plan_id and inv.subscription_id:
        plan_activate(plan=donation.plan, subscription_id=inv.subscription_id)
    donation_record_payment(
        donation=donation,
        amount=inv.amount,
        currency=inv.currency,
        received_at=ev.event_time(event),
        payment_intent_id=inv.payment_intent_id,
        charge_id=inv.charge_id,
        invoice_id=inv.invoice_id,
    )
    _replay_waiting(inv.subscription_id, inv.payment_intent_id, inv.charge_id, inv.invoice_id)
    return Outcome(WebhookEventStatus.PROCESSED)


def on_charge_refunded(event: dict, obj: dict) -> Outcome:
    c = ev.read_charge(obj)
    donation = _donation(stripe_payment_intent_id=c.payment_intent_id, stripe_charge_id=c.charge_id)
    if donation is None or donation.status == DonationStatus.PENDING:
        return Outcome(WebhookEventStatus.DEFERRED, waits_for=c.payment_intent_id or c.charge_id, note="付款尚未确认")
    if donation.status in (DonationStatus.FAILED, DonationStatus.EXPIRED):
        return Outcome(WebhookEventStatus.IGNORED, note="捐赠未到账,无需退款记账")
    donation_record_ids(donation=donation, charge_id=c.charge_id)
    key = f"stripe:{c.charge_id}:refunded:{c.refunded_total}"
    donation_record_refund(donation=donation, refunded_total=c.refunded_total, key=key, at=ev.event_time(event))
    return Outcome(WebhookEventStatus.PROCESSED)


def on_dispute_created(event: dict, obj: dict) -> Outcome:
    d = ev.read_dispute(obj)
    donation = _donation(stripe_payment_intent_id=d.payment_intent_id, stripe_charge_id=d.charge_id)
    if donation is None:
        return Outcome(WebhookEventStatus.DEFERRED, waits_for=d.payment_intent_id or d.charge_id, note="付款尚未确认")
    donation_flag_dispute(donation=donation, dispute_id=d.dispute_id, reason=d.reason, at=ev.event_time(event))
    return Outcome(WebhookEventStatus.PROCESSED, note="已标记争议,请财务跟进")


def on_subscription_deleted(event: dict, obj: dict) -> Outcome:
    sub = ev.read_subscription(obj)
    plan = MonthlyPlan.objects.filter(stripe_subscription_id=sub.subscription_id).first()
    if plan is None:
        return Outcome(WebhookEventStatus.DEFERRED, waits_for=sub.subscription_id, note="月捐计划尚未建立")
    plan_cancel(plan=plan, at=ev.event_time(event))
    return Outcome(WebhookEventStatus.PROCESSED)


def on_charge_settled(event: dict, obj: dict) -> Outcome:
    """charge.succeeded / charge.updated: the fee, once its balance transaction exists."""
    c = ev.read_charge_settled(obj)
    if not c.balance_transaction_id:
        return Outcome(WebhookEventStatus.IGNORED, note="扣款尚无结算记录,手续费待 charge.updated")
    donation = _donation(stripe_payment_intent_id=c.payment_intent_id, stripe_charge_id=c.charge_id)
    if donation is None or donation.status == DonationStatus.PENDING:
        return Outcome(WebhookEventStatus.DEFERRED, waits_for=c.payment_intent_id or c.charge_id,
                       note="付款尚未确认,手续费待记账")
    if not donation.is_received:
        return Outcome(WebhookEventStatus.IGNORED, note="捐赠未到账,未记手续费,请财务核查")
    donation_record_ids(donation=donation, charge_id=c.charge_id)
    note = charge_fee_record(donation=donation, charge=c, at=ev.event_time(event))
    return Outcome(WebhookEventStatus.PROCESSED, note=note)


def on_dispute_closed(event: dict, obj: dict) -> Outcome:
    d = dispute_closed_read(obj)
    if d.status != "lost":
        return Outcome(WebhookEventStatus.PROCESSED, note=f"争议已结束({d.status}),无需记账")
    donation = _donation(stripe_payment_intent_id=d.payment_intent_id, stripe_charge_id=d.charge_id)
    if donation is None or donation.status == DonationStatus.PENDING:
        return Outcome(WebhookEventStatus.DEFERRED, waits_for=d.payment_intent_id or d.charge_id, note="付款尚未确认")
    note = dispute_lost_record(donation=donation, dispute=d, at=ev.event_time(event))
    return Outcome(WebhookEventStatus.PROCESSED, note=note)


def on_refund_settled(event: dict, obj: dict) -> Outcome:
    """refund.created / refund.updated / charge.refund.updated: the refund's fee, once per balance transaction."""
    r = ev.read_refund(obj)
    donation = _donation(stripe_payment_intent_id=r.payment_intent_id, stripe_charge_id=r.charge_id)
    if donation is None:
        return Outcome(WebhookEventStatus.IGNORED,
                       note=f"退款 {r.refund_id} 对应的扣款 {r.charge_id or r.payment_intent_id or '(未知)'} "
                            "不是本系统的捐赠,退款手续费未记账,请财务核查")
    if not donation.is_received:
        return Outcome(WebhookEventStatus.DEFERRED, waits_for=r.payment_intent_id or r.charge_id,
                       note="付款尚未确认,退款手续费待记账")
    if not r.balance_transaction_ids:
        return Outcome(WebhookEventStatus.PROCESSED, note="退款尚无结算记录,手续费待 refund.updated")
    note = refund_fee_record(donation=donation, refund=r, at=ev.event_time(event))
    return Outcome(WebhookEventStatus.PROCESSED, note=note)


def on_payout_paid(event: dict, obj: dict) -> Outcome:
    note = payout_record_paid(payout=ev.read_payout(obj), at=ev.event_time(event))
    return Outcome(WebhookEventStatus.PROCESSED, note=note)


def on_payout_failed(event: dict, obj: dict) -> Outcome:
    note = payout_record_failed(payout=ev.read_payout(obj), at=ev.event_time(event))
    return Outcome(WebhookEventStatus.PROCESSED, note=note)


HANDLERS: dict[str, Callable[[dict, dict], Outcome]] = {
    "checkout.session.completed": on_session_paid,
    "checkout.session.async_payment_succeeded": on_session_paid,
    "checkout.session.async_payment_failed": on_session_unpaid(DonationStatus.FAILED),
    "checkout.session.expired": on_session_unpaid(DonationStatus.EXPIRED),
    "invoice.paid": on_invoice_paid,
    "charge.refunded": on_charge_refunded,
    "charge.dispute.created": on_dispute_created,
    "charge.dispute.closed": on_dispute_closed,
    "customer.subscription.deleted": on_subscription_deleted,
    "charge.succeeded": on_charge_settled,
    "charge.updated": on_charge_settled,
    "refund.created": on_refund_settled,
    "refund.updated": on_refund_settled,
    "charge.refund.updated": on_refund_settled,
    "payout.paid": on_payout_paid,
    "payout.failed": on_payout_failed,
}
