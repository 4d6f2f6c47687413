"""A gift's money events: received, unpaid (failed/expired), refunded, disputed.

Rules:
- The amount recorded is what was received (for online gifts, what Stripe says was paid).
- The status change and its ledger posting commit together or not at all; the gift row is locked first.
- Every service is idempotent: applying the same fact twice changes nothing, and a late or repeated event
  never moves a gift backwards.
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from donations.models import Donation, DonationRefund, DonationStatus

from . import ledger_postings
from .receipts import receipt_serial_assign

log = logging.getLogger(__name__)


class DonationError(ValueError):
    """A gift could not be changed as asked; the message is in Chinese for staff."""


def _locked(donation: Donation) -> Donation:
    # of=("self",): PostgreSQL refuses FOR UPDATE on the nullable side of the outer joins to project and donor.
    return Donation.objects.select_for_update(of=("self",)).select_related("project", "donor").get(pk=donation.pk)


def donation_record_payment(
    *,
    donation: Donation,
    amount: Decimal,
    currency: str,
    received_at: datetime,
    payment_intent_id: str = "",
    charge_id: str = "",
    invoice_id: str = "",
    session_id: str = "",
) -> Donation:
    """pending → succeeded: record what was received, assign a receipt serial, post to the ledger.

    A gift already received keeps its amount; only missing gateway ids are filled in.

    Order matters for throughput: everything that needs no shared lock happens first; the ledger's writer lock
    and then the year's receipt counter are taken last, so every other gift waits only for the posting, the
    serial and the commit (docs/BENCHMARKS.md, "Webhook handling")."""
    with transaction.atomic(savepoint=False):
        donation = _locked(donation)
        filled = _fill_ids(donation, payment_intent_id, charge_id, invoice_id, session_id)
        if donation.status != DonationStatus.PENDING:
            if filled:
                donation.save(update_fields=[*filled, "updated_at"])
            return donation
        if amount <= 0:
            raise DonationError("到账金额必须大于 0。")
        if amount != donation.requested_amount:
            log.warning("donation %s: received %s %s, form said %s", donation.public_id, amount, currency,
                        donation.requested_amount)
        donation.set_status(DonationStatus.SUCCEEDED)
        donation.amount, donation.currency, donation.received_at = amount, currency, received_at
        donation.transaction = ledger_postings.gift_post(donation)
        receipt_serial_assign(donation)
        donation.save(update_fields=[*RECEIVED_FIELDS, *filled, "updated_at"])
        transaction.on_commit(lambda: _send_thanks(donation.pk))
    return donation


def donation_record_ids(
    *, donation: Donation, payment_intent_id: str = "", charge_id: str = "", invoice_id: str = "", session_id: str = ""
) -> Donation:
    """Remember gateway ids learnt from an event, never overwriting one already known (whatever the status)."""
    with transaction.atomic():
        donation = _locked(donation)
        filled = _fill_ids(donation, payment_intent_id, charge_id, invoice_id, session_id)
        if filled:
            donation.save(update_fields=[*filled, "updated_at"])
    return donation


def donation_mark_unpaid(*, donation: Donation, status: str) -> Donation:
    """pending → failed or expired. A gift that was already paid is left alone (events arrive out of order)."""
    with transaction.atomic():
        donation = _locked(donation)
        if donation.status == DonationStatus.PENDING:
            donation.set_status(status)
            donation.save(update_fields=["status", "updated_at"])
        elif donation.status != status:
            log.info("donation %s is %s: %s ignored", donation.public_id, donation.status, status)
    return donation


def donation_record_refund(*, donation: Donation, refunded_total: Decimal, key: str, at: datetime) -> Decimal:
    """Bring the gift's refunds up to Stripe's cumulative ``refunded_total``: posts only the difference, so a
    repeated or stale ``charge.refunded`` posts nothing. Returns the amount refunded by this call."""
    with transaction.atomic():
        donation = _locked(donation)
        if not donation.is_received:
            raise DonationError(f"捐赠 {donation} 尚未到账,不能退款。")
        already = donation.refunds.aggregate(total=Sum("amount"))["total"] or Decimal("0")
        delta = min(refunded_total, donation.amount) - already
        if delta <= 0 or DonationRefund.objects.filter(key=key).exists():
            return Decimal("0")
        posted = ledger_postings.refund_post(donation, key=key, amount=delta, at=at)
        DonationRefund.objects.create(
            donation=donation, key=key, amount=delta, currency=donation.currency, refunded_at=at, transaction=posted
        )
        full = already + delta >= donation.amount
        donation.set_status(DonationStatus.REFUNDED if full else DonationStatus.PARTIALLY_REFUNDED)
        donation.save(update_fields=["status", "updated_at"])
    return delta


def donation_flag_dispute(*, donation: Donation, dispute_id: str, reason: str, at: datetime) -> Donation:
    """A card dispute (拒付争议) flags the gift for finance staff; money moves only if the dispute is lost."""
    with transaction.atomic():
        donation = _locked(donation)
        if donation.dispute_id != dispute_id:
            donation.dispute_id, donation.dispute_reason, donation.disputed_at = dispute_id, reason, at
            donation.save(update_fields=["dispute_id", "dispute_reason", "disputed_at", "updated_at"])
            log.warning("donation %s disputed (%s): %s", donation.public_id, dispute_id, reason)
    return donation


RECEIVED_FIELDS = [
    "status", "amount", "currency", "received_at", "receipt_serial", "transaction",
    "name_committed", "name_salt", "name_review",  # set by the posting's name commitment
]


def _fill_ids(donation: Donation, payment_intent_id, charge_id, invoice_id, session_id) -> list[str]:
    """Set the gateway ids the gift does not know yet; returns the fields set."""
    filled = []
    for field, value in (
        ("stripe_payment_intent_id", payment_intent_id),
        ("stripe_charge_id", charge_id),
        ("stripe_invoice_id", invoice_id),
        ("stripe_checkout_session_id", session_id),
    ):
        if value and not getattr(donation, field):
            setattr(donation, field, value)
            filled.append(field)
    return filled


def _send_thanks(donation_pk: int) -> None:
    from donations.tasks import send_thanks

    send_thanks.enqueue(donation_pk)
