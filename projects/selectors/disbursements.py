"""Reads about disbursements: the public list (公示) and what a slice of a fund paid for (善款去向). What waits for
whom (the dashboard, the notifications) is in ``projects.selectors.work``.

Fund tracing rule (docs/disbursements.md): a fund's paid disbursements, in order of payment (the ledger's effective
date, ``occurred_at``, then its sequence),
lay end to end on a line from 0 to the fund's total paid; a gift occupies its own interval of the fund's gifts
(``donations.selectors.gift_tracing``). What the gift paid for is where the two intervals overlap: first in,
first out. Nothing is stored, so a refund, a reversed gift or a reversed disbursement re-allocates at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import F, OuterRef, Prefetch, Subquery, Sum, Window
from django.db.models.functions import Coalesce
from django.utils import timezone

from ledger.labels import value_label
from ledger.models import Leg
from ledger.money import quantize
from projects.disclosure import is_medical_aid, public_name, public_region
from projects.models import (
    Disbursement,
    DisbursementStatus,
    Project,
    PublicationConsent,
)

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class PublicDisbursement:
    """What the public may see of one disbursement (公示)."""

    public_id: str
    project_code: str
    project_name: str
    beneficiary: str  # 张*三 with consent, else 张*
    category: str  # its label in the reader's language (ledger.labels)
    region: str  # 区县/镇街 at most; 区县 alone for medical aid
    amount: Decimal
    paid_on: date
    purpose: str


@dataclass(frozen=True)
class TracedDisbursement:
    """The part of a gift that paid for one disbursement."""

    disbursement: PublicDisbursement
    share: Decimal  # yuan of the gift that went to it


def _paid(project_ids=None):
    """Paid, not reversed; the amount read from the ledger leg that paid it."""
    ledger_amount = Leg.objects.filter(transaction_id=OuterRef("transaction_id"), side="D").values("amount")[:1]
    consents = Prefetch(
        "beneficiary__consents", queryset=PublicationConsent.objects.all(), to_attr="prefetched_consents"
    )
    queryset = Disbursement.objects.filter(status=DisbursementStatus.PAID)
    if project_ids is not None:
        queryset = queryset.filter(project_id__in=project_ids)
    return (
        queryset.annotate(ledger_amount=Subquery(ledger_amount))
        .select_related("project", "beneficiary", "transaction")
        .prefetch_related(consents)
    )


def _public(d: Disbursement) -> PublicDisbursement:
    # The ledger's effective date, as the charity's calendar day (TIME_ZONE), not UTC's: paid at 07:00 in Shanghai is
    # paid that day. It is the admin's 实际支付日期 (``paid_on``), so the 公示, tracing and statements agree with it.
    paid_on = timezone.localdate(d.transaction.occurred_at)
    return PublicDisbursement(
        public_id=str(d.public_id),
        project_code=d.project.code,
        project_name=d.project.name,
        beneficiary=public_name(d.beneficiary, d.disbursed_on),
        category=value_label("category", d.beneficiary.category),
        region=public_region(d.beneficiary, medical=is_medical_aid(d)),
        amount=getattr(d, "ledger_amount", None) or d.amount,
        paid_on=paid_on,
        purpose=d.purpose,
    )


def project_disbursements_public(project: Project, *, limit: int = 50) -> list[PublicDisbursement]:
    """The project's paid disbursements for the public notice board, newest first."""
    rows = _paid([project.pk]).order_by("-transaction__occurred_at", "-transaction__sequence")[:limit]
    return [_public(d) for d in rows]


def fund_paid_total(project: Project) -> Decimal:
    return Disbursement.objects.filter(project=project, status=DisbursementStatus.PAID).aggregate(
        total=Coalesce(Sum("amount"), ZERO)
    )["total"]


def fund_spending_between(project: Project, start: Decimal, end: Decimal) -> list[TracedDisbursement]:
    """The paid disbursements of the fund that lie in [start, end) of its cumulative spending, with the overlap.
    One query: a running total (window function) filtered to the interval."""
    if end <= start:
        return []
    order = [F("transaction__occurred_at").asc(), F("transaction__sequence").asc()]
    rows = (
        _paid([project.pk])
        .annotate(running=Window(Sum("amount"), order_by=order))
        .filter(running__gt=start, running__lt=end + F("amount"))
        .order_by("transaction__occurred_at", "transaction__sequence")
    )
    traced = []
    for d in rows:
        upper = quantize(d.running)  # SQLite computes the window sum in floating point (401.39999999)
        lower = upper - d.amount
        share = min(upper, end) - max(lower, start)
        if share > 0:
            traced.append(TracedDisbursement(_public(d), share))
    return traced

