"""Period close (结账) and reopening (反结账), with two people, and the period lock.

Rules:
- A month is an Asia/Shanghai calendar month (the per-day totals are kept by local day). A closed month accepts no
  posting dated in it: ``check_open`` (called by ``_post_locked`` under the writer lock, for every post and
  reversal) refuses, and on PostgreSQL a trigger on ``ledger_transaction`` refuses too (migration 0008).
- The lock is one bound, the end of the latest closed month: months close in order (a month closes only after it
  has ended and when every earlier month with postings is closed; empty months in between close with it) and
  reopen in reverse order (only the latest closed month, with a reason).
- Closing and reopening are requested by one person (``ledger.close_period``) and approved by another
  (``ledger.approve_period``, never the requester). Approving a close takes the writer lock, posts the month's
  restriction releases (and the year-end closing for December, ``ledger.services.closing``) and locks the month in
  one database transaction: a posting racing it lands before it or is refused, never after it.
- Events from outside that arrive late (Stripe) are not lost: they are dated ``open_moment(at)``, the first moment
  of the first open period when ``at`` falls in a closed one. Staff-entered dates are refused instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ledger.models import Period, PeriodAction, PeriodStatus, Transaction

from .posting import PostingError, acquire_writer_lock

CLOSE_PERMISSION = "ledger.close_period"
APPROVE_PERMISSION = "ledger.approve_period"


class PeriodError(ValueError):
    """A request about a period was refused; the message is in Chinese for staff."""


def month_of(value: date | datetime) -> date:
    """The first day of the local month ``value`` falls in."""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return value.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def previous_month(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def month_start(month: date) -> datetime:
    return datetime.combine(month, time.min, tzinfo=timezone.get_default_timezone())


def month_end(month: date) -> datetime:
    """The first moment after the month (the next month's first moment)."""
    return month_start(next_month(month))


def last_second(month: date) -> datetime:
    """The month's last whole second (the ledger keeps whole seconds): when its releases and closings are dated."""
    return month_end(month) - timedelta(seconds=1)


def locked_until() -> datetime | None:
    """Nothing may be dated before this moment: the end of the latest closed month (None: nothing is closed)."""
    return Period.objects.filter(status=PeriodStatus.CLOSED).aggregate(end=Max("ends_at"))["end"]


def latest_closed() -> Period | None:
    return Period.objects.filter(status=PeriodStatus.CLOSED).order_by("-month").first()


def open_moment(at: datetime) -> datetime:
    """``at``, or the first moment of the first open period when ``at`` falls in a closed one: for events from
    outside (Stripe) that arrive after their month was closed."""
    bound = locked_until()
    return bound if bound is not None and at < bound else at


def closed_message(month: date) -> str:
    return f"会计期间 {month:%Y-%m} 已结账,不能记入该期间;更正请记在未结账的期间"


def check_open(moments: Iterable[datetime]) -> None:
    """Refuse (PostingError) when any of ``moments`` falls in a closed period. One query."""
    moments = list(moments)
    if not moments:
        return
    bound = locked_until()
    if bound is None:
        return
    earliest = min(moments)
    if earliest < bound:
        raise PostingError(closed_message(month_of(earliest)))


# -- rules ------------------------------------------------------------------------------------------------------


def months_to_close(month: date, *, now: datetime | None = None) -> list[date]:
    """The months closing ``month`` closes: the empty months since the latest closed one, then ``month``.
    Refused (PeriodError) when ``month`` has not ended, is already closed, or an earlier month with postings is
    still open."""
    month = month_of(month)
    now = now or timezone.now()
    if month_end(month) > now:
        raise PeriodError(f"会计期间 {month:%Y-%m} 尚未结束,月末之后才能结账")
    latest = latest_closed()
    if latest is not None and latest.month >= month:
        raise PeriodError(f"会计期间 {month:%Y-%m} 已结账(已结账至 {latest.month:%Y-%m})")
    since = month_end(latest.month) if latest is not None else None
    earlier = Transaction.objects.filter(occurred_at__lt=month_start(month))
    if since is not None:
        earlier = earlier.filter(occurred_at__gte=since)
    first = earlier.order_by("occurred_at").values_list("occurred_at", flat=True).first()
    if first is not None:
        raise PeriodError(f"请先结账 {month_of(first):%Y-%m}:该期间有记账,期间须按月份顺序结账")
    months = [month]
    if latest is not None:
        months = []
        cursor = next_month(latest.month)
        while cursor <= month:
            months.append(cursor)
            cursor = next_month(cursor)
    return months


def _reopen_refusal(period: Period) -> str | None:
    if period.status != PeriodStatus.CLOSED:
        return f"会计期间 {period.label} 未结账,无需反结账"
    latest = latest_closed()
    if latest is not None and latest.month != period.month:
        return f"只能反结账最近结账的期间({latest.label}),期间须倒序重新打开"
    return None


def _period(month: date, *, lock: bool = False) -> Period:
    month = month_of(month)
    period, _ = Period.objects.get_or_create(
        month=month, defaults={"starts_at": month_start(month), "ends_at": month_end(month)}
    )
    if lock:
        period = Period.objects.select_for_update().get(pk=period.pk)
    return period


def _require(user, permission: str, what: str) -> None:
    if not user.has_perm(permission):
        raise PermissionDenied(f"没有{what}的权限。")


# -- requests and approvals -------------------------------------------------------------------------------------


def period_close_request(*, month: date, user) -> Period:
    """Ask for ``month`` to be closed; another person approves (``period_approve``)."""
    _require(user, CLOSE_PERMISSION, "申请结账")
    with transaction.atomic():
        period = _period(month, lock=True)
        if period.pending:
            raise PeriodError(f"会计期间 {period.label} 已有待批准的申请({period.get_pending_display()})")
        months_to_close(period.month)
        _set_request(period, PeriodAction.CLOSE, user, "")
        return period


def period_reopen_request(*, month: date, user, reason: str) -> Period:
    """Ask for the latest closed month to be reopened, with a reason."""
    _require(user, CLOSE_PERMISSION, "申请反结账")
    reason = (reason or "").strip()
    if not reason:
        raise PeriodError("反结账必须填写原因")
    with transaction.atomic():
        period = _period(month, lock=True)
        if period.pending:
            raise PeriodError(f"会计期间 {period.label} 已有待批准的申请({period.get_pending_display()})")
        refusal = _reopen_refusal(period)
        if refusal:
            raise PeriodError(refusal)
        _set_request(period, PeriodAction.REOPEN, user, reason)
        return period


def _set_request(period: Period, action: str, user, reason: str) -> None:
    period.pending = action
    period.requested_by = user
    period.requested_at = timezone.now()
    period.reason = reason[:500]
    period.save(update_fields=["pending", "requested_by", "requested_at", "reason"])


def period_reject(*, month: date, user, reason: str = "") -> Period:
    """Turn down the pending request (the requester may withdraw it too)."""
    with transaction.atomic():
        period = _period(month, lock=True)
        if not period.pending:
            raise PeriodError(f"会计期间 {period.label} 没有待批准的申请")
        if period.requested_by_id != user.pk:
            _require(user, APPROVE_PERMISSION, "驳回结账申请")
        period.pending = ""
        period.save(update_fields=["pending"])
        return period


def period_approve(*, month: date, user) -> tuple[Period, list[Transaction]]:
    """Approve the pending request: a close posts the releases (and the year-end closing for December) and locks
    the month(s); a reopen unlocks the month. One database transaction, under the ledger's writer lock. Returns
    the period and what was posted."""
    from .closing import closing_requests, release_requests
    from .posting import transactions_post_bulk

    _require(user, APPROVE_PERMISSION, "批准结账")
    with transaction.atomic():
        acquire_writer_lock()  # postings wait for the close, then see the lock (or landed before it)
        period = _period(month, lock=True)
        if not period.pending:
            raise PeriodError(f"会计期间 {period.label} 没有待批准的申请")
        if period.requested_by_id == user.pk:
            raise PeriodError("申请人不能批准自己的申请,须由另一人批准")
        now = timezone.now()
        posted: list[Transaction] = []
        if period.pending == PeriodAction.REOPEN:
            refusal = _reopen_refusal(period)
            if refusal:
                raise PeriodError(refusal)
            period.status = PeriodStatus.OPEN
            period.pending = ""
            period.save(update_fields=["status", "pending"])
            return period, posted
        for each in months_to_close(period.month, now=now):
            row = period if each == period.month else _period(each, lock=True)
            rounds = row.rounds + 1
            requests = release_requests(each, round_=rounds)
            if each.month == 12:
                requests += closing_requests(each.year, round_=rounds)
            if requests:
                posted += transactions_post_bulk(requests)
            row.status = PeriodStatus.CLOSED
            row.pending = ""
            row.rounds = rounds
            row.closed_at = now
            row.closed_by = user
            if row is not period:
                row.requested_by, row.requested_at = period.requested_by, period.requested_at
            row.save()
        return period, posted
