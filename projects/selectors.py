"""Reads about projects. Every amount a page shows comes through here.

Rule: raised / spent / available are ledger figures. Until the ledger (issue 3) backs them,
``project_funding`` reports zero raised and zero spent, so no page invents a number.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from ledger.money import quantize

from .models import ACTIVE_STATUSES, Project

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class FundingSummary:
    """A fund's figures in one currency: 目标、已筹、已支出、可用."""

    target: Decimal
    raised: Decimal
    spent: Decimal
    currency: str

    @property
    def available(self) -> Decimal:
        return self.raised - self.spent

    @property
    def percent_raised(self) -> int:
        """Progress towards the target as a whole percentage, capped at 100 for the bar."""
        if self.target <= 0:
            return 0
        return min(100, int(self.raised * 100 / self.target))


def project_funding(project: Project) -> FundingSummary:
    """Target from the project plan; raised and spent from the ledger (zero until it exists)."""
    return project_funding_many([project])[project.pk]


def project_funding_many(projects: Iterable[Project]) -> dict[int, FundingSummary]:
    """The same figures for many projects in one go (listings must not query per card)."""
    return {
        p.pk: FundingSummary(target=quantize(p.target_amount), raised=ZERO, spent=ZERO, currency=p.currency)
        for p in projects
    }


def projects_active() -> QuerySet[Project]:
    """Projects that are fundraising or being carried out, newest first."""
    return Project.objects.filter(status__in=ACTIVE_STATUSES).order_by("-start_date", "code")
