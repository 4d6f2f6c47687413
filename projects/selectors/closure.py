"""Reads about 结项 and leftovers: what a closed fund did with its leftover, what a fund received from closed ones,
and the transfers fund tracing follows. Amounts and dates come from the ledger transaction the approval posted
(its debit legs and effective date), never from a copy kept on the decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from ledger.models import Leg, Side
from ledger.money import quantize
from ledger.selectors import fund_figures
from projects.models import (
    ClosureDecision,
    ClosureStatus,
    Disbursement,
    DisbursementStatus,
    Project,
    ProjectClosure,
)

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class LeftoverMove:
    """One closed fund's leftover, as the public sees it: from which fund, to which (None: 转为非限定性资金),
    how much and when (from the ledger), why and under which clause of the plan."""

    closure_id: int
    from_code: str
    from_name: str
    to_code: str | None
    to_name: str | None
    amount: Decimal
    on: date
    reason: str
    basis: str
    sequence: int  # the ledger transaction's sequence: the order of moves made on one day
    occurred_at: object = None

    @property
    def released(self) -> bool:
        return self.to_code is None


def _moves(query: Q) -> list[LeftoverMove]:
    closures = list(
        ProjectClosure.objects.filter(query, status=ClosureStatus.POSTED, transaction__isnull=False)
        .select_related("project", "target", "transaction")
        .order_by("transaction__occurred_at", "transaction__sequence")
    )
    amounts = dict(
        Leg.objects.filter(transaction_id__in=[c.transaction_id for c in closures], side=Side.DEBIT)
        .values("transaction_id")
        .annotate(total=Sum("amount"))
        .values_list("transaction_id", "total")
    )
    return [
        LeftoverMove(
            closure_id=c.pk,
            from_code=c.project.code,
            from_name=c.project.name,
            to_code=c.target.code if c.target_id else None,
            to_name=c.target.name if c.target_id else None,
            amount=quantize(amounts.get(c.transaction_id) or ZERO),
            on=timezone.localdate(c.transaction.occurred_at),
            reason=c.reason,
            basis=c.basis,
            sequence=c.transaction.sequence,
            occurred_at=c.transaction.occurred_at,
        )
        for c in closures
    ]


def leftover_given(project: Project) -> LeftoverMove | None:
    """What the closed project did with its leftover (None while open, or when it closed with nothing left)."""
    moves = _moves(Q(project=project))
    return moves[0] if moves else None


def leftovers_received(project: Project) -> list[LeftoverMove]:
    """Leftovers of closed funds transferred into this one, in the order they arrived."""
    return _moves(Q(target=project, decision=ClosureDecision.TRANSFER))


@dataclass(frozen=True)
class ClosurePreview:
    """What the 结项 form shows: the fund's figures from the ledger and what still blocks closing."""

    raised: Decimal
    spent: Decimal
    transferred: Decimal
    leftover: Decimal
    pending: int  # submitted or approved, unpaid disbursements

    @property
    def blocked(self) -> bool:
        return self.pending > 0


def closure_preview(project: Project) -> ClosurePreview:
    figures = fund_figures(project.code)
    pending = Disbursement.objects.filter(
        project=project, status__in=(DisbursementStatus.SUBMITTED, DisbursementStatus.APPROVED)
    ).count()
    return ClosurePreview(figures.raised, figures.spent, figures.transferred, figures.available, pending)


def leftovers_received_before(project: Project, moment, *, sequence: int | None = None) -> Decimal:
    """What closed funds transferred into this one before ``moment`` (a gift's time: transfers strictly before it),
    or, with ``sequence``, before that transfer (same moment, lower sequence): the transfers' place among the fund's
    sources for fund tracing."""
    total = ZERO
    for move in leftovers_received(project):
        if move.occurred_at < moment or (
            sequence is not None and move.occurred_at == moment and move.sequence < sequence
        ):
            total += move.amount
    return total
