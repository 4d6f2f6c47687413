"""Daily reconciliation with Stripe (与 Stripe 对账): our records against Stripe's event log, both ways.

Rules:
- Only with Stripe configured: the sandbox (测试支付) has no remote record to reconcile against.
- Stripe keeps events for 30 days. An earlier start date is accepted with a warning, and the check for local
  payments unknown to Stripe starts where Stripe's record starts (earlier gifts would all look unknown).
- Every listed event without a ``WebhookEvent`` row goes, oldest first, through the same ``event_process`` as a
  webhook delivery, so a run changes nothing twice and a webhook racing it is harmless. An event that fails is
  reported and not stored (its transaction rolls back): the next run tries it again.
- Then four kinds of mismatch are reported: (a) events we had missed, with their outcome (a missed event that
  is still deferred or failed remains a mismatch); (b) checkout sessions and invoices Stripe says were paid whose
  gift is not received here; (c) online, non-sandbox gifts received here whose session or invoice Stripe never
  reported paid; (d) received amounts (or currencies) that differ from Stripe's ``amount_total``/``amount_paid``.
- Last, the ledger's Stripe 待结算 balance is compared with Stripe's Balance API (available + pending) per currency
  and the difference is reported. It is not counted as a mismatch for the exit status: a payout in transit has
  left Stripe's balance days before its payout.paid posts, and another integration on the same account moves the
  balance too, so a difference is normal on some days. Finance reads it; a lasting one needs a look.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import stripe
from django.utils import timezone

from donations.gateways import events as ev
from donations.gateways import sandbox_enabled
from donations.gateways.stripe_gateway import balance, events_since
from donations.models import Channel, Donation, MonthlyPlan, WebhookEvent, WebhookEventStatus
from donations.selectors import stripe_clearing_balances
from donations.validators import is_uuid

from .webhooks import DUPLICATE, event_process

log = logging.getLogger(__name__)

STRIPE_EVENT_RETENTION = timedelta(days=30)
ERROR = "error"
SESSION, INVOICE = "checkout.session", "invoice"
PAID_SESSION_EVENTS = ("checkout.session.completed", "checkout.session.async_payment_succeeded")
SETTLED_OUTCOMES = (WebhookEventStatus.PROCESSED, WebhookEventStatus.IGNORED, DUPLICATE)


class ReconcileError(ValueError):
    """Reconciliation could not run; the message is in Chinese for staff."""


@dataclass(frozen=True)
class CaughtUpEvent:
    """(a) An event Stripe has that we had not processed, and what processing it now did."""

    event_id: str
    type: str
    outcome: str  # processed / deferred / ignored / duplicate / error
    note: str = ""

    @property
    def settled(self) -> bool:
        return self.outcome in SETTLED_OUTCOMES


@dataclass(frozen=True)
class StripePayment:
    """A checkout session or invoice that Stripe's events say was paid."""

    kind: str  # SESSION or INVOICE
    stripe_id: str
    amount: Decimal
    currency: str
    donation_ref: str  # our gift's public id from the metadata ("" on a foreign session)
    subscription_id: str = ""
    renewal: bool = False  # a later month's invoice: its metadata names the plan's first gift, not this one's


@dataclass(frozen=True)
class PaymentMismatch:
    """(b) paid at Stripe but not received here (``donation`` None: no such gift), or (d) amounts differ."""

    payment: StripePayment
    donation: Donation | None


@dataclass(frozen=True)
class ClearingCheck:
    """The ledger's Stripe 待结算 balance against Stripe's own balance (available + pending), one currency."""

    currency: str
    ledger: Decimal
    stripe: Decimal

    @property
    def difference(self) -> Decimal:
        return self.ledger - self.stripe


@dataclass
class ReconcileReport:
    since: date
    events_listed: int = 0
    caught_up: list[CaughtUpEvent] = field(default_factory=list)
    not_received: list[PaymentMismatch] = field(default_factory=list)
    unknown_to_stripe: list[Donation] = field(default_factory=list)
    amount_mismatches: list[PaymentMismatch] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    clearing: list[ClearingCheck] = field(default_factory=list)

    @property
    def clearing_differences(self) -> list[ClearingCheck]:
        return [check for check in self.clearing if check.difference]

    @property
    def unsettled(self) -> list[CaughtUpEvent]:
        return [event for event in self.caught_up if not event.settled]

    @property
    def remaining(self) -> int:
        """Mismatches still open after this run (what makes the command exit non-zero)."""
        open_lists = (self.unsettled, self.not_received, self.unknown_to_stripe, self.amount_mismatches)
        return sum(len(items) for items in open_lists)


def stripe_reconcile(*, since: date) -> ReconcileReport:
    """Process the Stripe events we missed since ``since`` (local midnight) and report what still disagrees."""
    if sandbox_enabled():
        raise ReconcileError("未配置 Stripe(STRIPE_SECRET_KEY 为空,当前为测试支付模式),无可对账的 Stripe 记录。")
    start, now = timezone.make_aware(datetime.combine(since, time.min)), timezone.now()
    if start > now:
        raise ReconcileError(f"起始日期 {since} 晚于今天。")
    report = ReconcileReport(since=since)
    retained_from = max(start, now - STRIPE_EVENT_RETENTION)
    if start < retained_from:
        report.warnings.append(
            f"Stripe 只保留最近 30 天的事件:{since} 至 {timezone.localdate(retained_from)} 之间的事件已无法核对,"
            f"“本地已到账、Stripe 无付款记录”一项只检查 {timezone.localdate(retained_from)} 以后到账的捐赠。"
        )
    events = _stripe_events(start)
    report.events_listed = len(events)
    report.caught_up = [_catch_up(event) for event in _unprocessed(events)]
    payments = _paid(events)
    _check_payments(report, payments)
    report.unknown_to_stripe = _unknown_to_stripe(payments, received_from=retained_from)
    report.clearing = _clearing_checks()
    return report


def _clearing_checks() -> list[ClearingCheck]:
    try:
        remote = balance()
    except stripe.StripeError as error:
        raise ReconcileError(f"无法从 Stripe 读取余额:{error.user_message or error}") from error
    local = stripe_clearing_balances()
    zero = Decimal("0.00")
    return [
        ClearingCheck(currency, local.get(currency, zero), remote.get(currency, zero))
        for currency in sorted(set(local) | set(remote) or {"CNY"})
    ]


def _stripe_events(start: datetime) -> list[dict]:
    try:
        return list(events_since(start))
    except stripe.StripeError as error:
        raise ReconcileError(f"无法从 Stripe 读取事件:{error.user_message or error}") from error


def _unprocessed(events: list[dict]) -> list[dict]:
    ids = [event["id"] for event in events]
    known: set[str] = set()
    for chunk in range(0, len(ids), 500):  # 30 days of events can exceed a query's parameter limit
        stored = WebhookEvent.objects.filter(event_id__in=ids[chunk:chunk + 500])
        known.update(stored.values_list("event_id", flat=True))
    return [event for event in events if event["id"] not in known]


def _catch_up(event: dict) -> CaughtUpEvent:
    try:
        outcome = event_process(event)
    except Exception as error:  # one bad event must not stop the rest; it was not stored, so the next run retries
        log.exception("reconcile: event %s failed", event.get("id"))
        return CaughtUpEvent(event.get("id", ""), event.get("type", ""), ERROR, note=str(error)[:200])
    note = WebhookEvent.objects.filter(event_id=event["id"]).values_list("note", flat=True).first() or ""
    return CaughtUpEvent(event["id"], event.get("type", ""), outcome, note=note)


def _paid(events: list[dict]) -> dict[tuple[str, str], StripePayment]:
    """Paid sessions and invoices by (kind, id). A zero-amount invoice (a free month) took no money."""
    payments: dict[tuple[str, str], StripePayment] = {}
    for event in events:
        obj = (event.get("data") or {}).get("object") or {}
        if event.get("type") in PAID_SESSION_EVENTS and obj.get("id"):
            s = ev.read_session(obj)
            if s.paid and s.amount:
                payments[SESSION, s.session_id] = StripePayment(SESSION, s.session_id, s.amount, s.currency,
                                                                s.donation_id, s.subscription_id)
        elif event.get("type") == "invoice.paid" and obj.get("id"):
            inv = ev.read_invoice(obj)
            if inv.amount:
                payments[INVOICE, inv.invoice_id] = StripePayment(INVOICE, inv.invoice_id, inv.amount, inv.currency,
                                                                  inv.donation_id, inv.subscription_id,
                                                                  renewal=not inv.first_payment)
    return payments


def _check_payments(report: ReconcileReport, payments: dict[tuple[str, str], StripePayment]) -> None:
    for payment in payments.values():
        donation = _local_gift(payment)
        if donation is None and not _is_ours(payment):
            continue  # another integration's payment on the same Stripe account
        if donation is None or not donation.is_received:
            report.not_received.append(PaymentMismatch(payment, donation))
        elif (donation.amount, donation.currency) != (payment.amount, payment.currency):
            report.amount_mismatches.append(PaymentMismatch(payment, donation))


def _local_gift(payment: StripePayment) -> Donation | None:
    field_name = "stripe_checkout_session_id" if payment.kind == SESSION else "stripe_invoice_id"
    gifts = Donation.objects.select_related("project")
    donation = gifts.filter(**{field_name: payment.stripe_id}).first()
    if donation is None and not payment.renewal and is_uuid(payment.donation_ref):
        donation = gifts.filter(public_id=payment.donation_ref).first()
    return donation


def _is_ours(payment: StripePayment) -> bool:
    """Our Checkout sessions carry our gift's public id; our subscriptions' invoices, a plan we know."""
    if payment.donation_ref:
        return True
    subscription = payment.subscription_id
    return bool(subscription) and MonthlyPlan.objects.filter(stripe_subscription_id=subscription).exists()


def _unknown_to_stripe(payments: dict[tuple[str, str], StripePayment], *, received_from: datetime) -> list[Donation]:
    sessions = {stripe_id for kind, stripe_id in payments if kind == SESSION}
    invoices = {stripe_id for kind, stripe_id in payments if kind == INVOICE}
    received = Donation.objects.filter(channel=Channel.ONLINE, is_sandbox=False, received_at__gte=received_from)
    return [
        donation
        for donation in received.select_related("project").order_by("received_at", "pk")
        if donation.stripe_checkout_session_id not in sessions and donation.stripe_invoice_id not in invoices
    ]

