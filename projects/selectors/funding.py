"""Reads about projects' funds. Every amount a page shows comes through here.

Rules:
- raised and spent are ledger figures, read from the fund's accounts' running totals
  (``ledger.selectors.fund_figures_many``) — never from a page, a cache or a second bookkeeping;
- committed is what is approved but not yet paid (已审批待支付), which the ledger does not hold yet;
- transferred is a closed fund's leftover received (+) or given away (−) (结项结余转入 / 转出);
- available = raised − spent + transferred − committed: what an approval may still promise;
- beneficiaries and 人次 count paid disbursements that were not reversed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from ledger.money import quantize
from ledger.selectors import fund_figures_many
from projects.models import ACTIVE_STATUSES, COMMITTED_STATUSES, Disbursement, DisbursementStatus, Project

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class FundingSummary:
    """A fund's figures in one currency: 目标、已筹、已支出、已审批待支付、可用, and 受助人数/人次."""

    target: Decimal
    raised: Decimal
    spent: Decimal
    currency: str
    committed: Decimal = ZERO
    transferred: Decimal = ZERO
    beneficiaries: int = 0
    disbursements: int = 0

    @property
    def available(self) -> Decimal:
        return self.raised - self.spent + self.transferred - self.committed

    @property
    def percent_raised(self) -> int:
        """Progress towards the target as a whole percentage, capped at 100 for the bar."""
        if self.target <= 0:
            return 0
        return min(100, int(self.raised * 100 / self.target))


def project_funding(project: Project) -> FundingSummary:
    """Target from the project plan; raised and spent from the ledger (zero until it exists)."""
    return project_funding_many([project])[project.pk]


def project_funding_many(projects: Iterable[Project], *, at: date | None = None) -> dict[int, FundingSummary]:
    """The same figures for many projects in one query (listings must not query per card)."""
    projects = list(projects)
    figures = fund_figures_many([p.code for p in projects], at=at)
    counts = _disbursement_counts([p.pk for p in projects]) if at is None else {}
    return {
        p.pk: FundingSummary(
            target=quantize(p.target_amount),
            raised=figures[p.code].raised,
            spent=figures[p.code].spent,
            transferred=figures[p.code].transferred,
            currency=p.currency,
            **counts.get(p.pk, {}),
        )
        for p in projects
    }


def _disbursement_counts(project_ids: list[int]) -> dict[int, dict]:
    """Committed, beneficiaries and 人次 per project, in one grouped query."""
    paid = Q(status=DisbursementStatus.PAID)
    rows = (
        Disbursement.objects.filter(project_id__in=project_ids)
        .values("project_id")
        .annotate(
            committed=Sum("amount", filter=Q(status__in=COMMITTED_STATUSES)),
            beneficiaries=Count("beneficiary", filter=paid, distinct=True),
            disbursements=Count("id", filter=paid),
        )
    )
    return {
        row["project_id"]: {
            "committed": quantize(row["committed"] or ZERO),
            "beneficiaries": row["beneficiaries"],
            "disbursements": row["disbursements"],
        }
        for row in rows
    }


def fund_available(project: Project, *, excluding: Decimal = ZERO) -> Decimal:
    """可用余额 now: raised − spent + transferred − committed, plus ``excluding`` (a commitment about to be paid or
    re-checked). Callers that act on it hold the project's row lock (``projects.services.funds.project_lock``).
    Three queries: the ledger's running totals, what closings moved, and the sum of commitments (not the page's
    counts)."""
    figures = fund_figures_many([project.code])[project.code]
    committed = Disbursement.objects.filter(project=project, status__in=COMMITTED_STATUSES).aggregate(
        total=Sum("amount")
    )["total"]
    return figures.available - quantize(committed or ZERO) + excluding


def projects_active() -> QuerySet[Project]:
    """Projects that are fundraising or being carried out, newest first."""
    return Project.objects.filter(status__in=ACTIVE_STATUSES).order_by("-start_date", "code")
