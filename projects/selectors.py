"""Reads about projects. Every amount a page shows comes through here.

Rule: raised / spent / available are ledger figures, read from the fund's accounts' running totals
(``ledger.selectors.fund_figures_many``) — never from a page, a cache or a second bookkeeping.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet

from ledger.money import quantize
from ledger.selectors import fund_figures_many

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


def project_funding_many(projects: Iterable[Project], *, at: date | None = None) -> dict[int, FundingSummary]:
    """The same figures for many projects in one query (listings must not query per card)."""
    projects = list(projects)
    figures = fund_figures_many([p.code for p in projects], at=at)
    return {
        p.pk: FundingSummary(
            target=quantize(p.target_amount),
            raised=figures[p.code].raised,
            spent=figures[p.code].spent,
            currency=p.currency,
        )
        for p in projects
    }


def projects_active() -> QuerySet[Project]:
    """Projects that are fundraising or being carried out, newest first."""
    return Project.objects.filter(status__in=ACTIVE_STATUSES).order_by("-start_date", "code")
