"""Monthly giving (月捐): a plan is one Stripe subscription; each paid invoice becomes its own gift."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction

from donations.models import Channel, Donation, MonthlyPlan, PlanStatus

log = logging.getLogger(__name__)


def plan_activate(*, plan: MonthlyPlan, subscription_id: str) -> MonthlyPlan:
    """Bind the plan to its Stripe subscription (idempotent). A plan already cancelled stays cancelled."""
    with transaction.atomic():
        plan = MonthlyPlan.objects.select_for_update().get(pk=plan.pk)
        if not plan.stripe_subscription_id:
            plan.stripe_subscription_id = subscription_id
        if plan.status == PlanStatus.PENDING:
            plan.status = PlanStatus.ACTIVE
        plan.save(update_fields=["stripe_subscription_id", "status"])
    return plan


def plan_cancel(*, plan: MonthlyPlan, at: datetime) -> MonthlyPlan:
    with transaction.atomic():
        plan = MonthlyPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status != PlanStatus.CANCELLED:
            plan.status, plan.cancelled_at = PlanStatus.CANCELLED, at
            plan.save(update_fields=["status", "cancelled_at"])
    return plan


def plan_gift_create(*, plan: MonthlyPlan, invoice_id: str) -> Donation:
    """The gift for one month's invoice, pending until recorded as paid (invoice id unique: created once)."""
    donation, created = Donation.objects.get_or_create(
        stripe_invoice_id=invoice_id,
        defaults={
            "plan": plan,
            "project": plan.project,
            "donor": plan.donor,
            "channel": Channel.ONLINE,
            "requested_amount": plan.amount,
            "currency": plan.currency,
            "display_name": plan.display_name,
            "is_anonymous": plan.is_anonymous,
            "message": plan.message,
            "is_sandbox": plan.is_sandbox,
        },
    )
    if created:
        log.info("monthly plan %s: gift %s for invoice %s", plan.public_id, donation.public_id, invoice_id)
    return donation
