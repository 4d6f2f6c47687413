"""期间结账 for the admin: the months with their status, and what closing one would post (a preview: nothing is
written)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Min
from django.utils import timezone

from ledger.models import Period, PeriodStatus, Transaction
from ledger.services.closing import Closing, Release, closings_for, releases_for
from ledger.services.periods import (
    PeriodError,
    latest_closed,
    month_end,
    month_of,
    months_to_close,
    next_month,
    previous_month,
)

MAX_MONTHS = 36


@dataclass(frozen=True)
class MonthRow:
    month: date
    period: Period | None
    ended: bool

    @property
    def label(self) -> str:
        return f"{self.month:%Y-%m}"

    @property
    def status_label(self) -> str:
        return self.period.status_label if self.period is not None else "未结账"

    @property
    def closed(self) -> bool:
        return self.period is not None and self.period.status == PeriodStatus.CLOSED

    @property
    def pending(self) -> str:
        return self.period.pending if self.period is not None else ""


def period_months(*, now: datetime | None = None) -> list[MonthRow]:
    """The months from the first posting (or the first period row) to this month, newest first (at most 36)."""
    now = now or timezone.now()
    this_month = month_of(now)
    first = Transaction.objects.aggregate(first=Min("occurred_at"))["first"]
    first_period = Period.objects.aggregate(first=Min("month"))["first"]
    starts = [m for m in (first and month_of(first), first_period) if m]
    start = min(starts) if starts else this_month
    periods = {p.month: p for p in Period.objects.select_related("requested_by", "closed_by")}
    rows = []
    month = this_month
    while month >= start and len(rows) < MAX_MONTHS:
        rows.append(MonthRow(month, periods.get(month), month_end(month) <= now))
        month = previous_month(month)
    return rows


def next_to_close(*, now: datetime | None = None) -> date | None:
    """The earliest open month that has ended and can be closed now (None when none can)."""
    now = now or timezone.now()
    latest = latest_closed()
    if latest is not None:
        candidate = next_month(latest.month)
    else:
        first = Transaction.objects.aggregate(first=Min("occurred_at"))["first"]
        if first is None:
            return None
        candidate = month_of(first)
    if month_end(candidate) > now:
        return None
    try:
        months_to_close(candidate, now=now)
    except PeriodError:
        return None
    return candidate


@dataclass(frozen=True)
class ClosePreview:
    month: date
    months: list[date]  # the months the close would close (empty ones since the last close, then this one)
    releases: list[tuple[date, Release]]
    closings: list[tuple[int, Closing]]
    refusal: str = ""


def close_preview(month: date, *, now: datetime | None = None) -> ClosePreview:
    """What approving the close of ``month`` would post: the releases of each month it closes and, for a December,
    the year-end closing. Read-only."""
    try:
        months = months_to_close(month, now=now)
    except PeriodError as error:
        return ClosePreview(month, [], [], [], str(error))
    releases = [(each, release) for each in months for release in releases_for(each)]
    closings = [(each.year, closing) for each in months if each.month == 12 for closing in closings_for(each.year)]
    return ClosePreview(month, months, releases, closings)
