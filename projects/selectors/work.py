"""What waits for whom (待我处理): the dashboard panel, the notifications and the daily overdue digest read here.

Rules (docs/disbursements.md, "Work reaches the people who must do it"):
- 退回待修改: drafts returned (退回修改) and not yet resubmitted, shown to their maker; waiting since the return
  (the audit-log entry of the 退回; without one, the last submission).
- 待我审批: submissions to someone holding ``projects.approve_disbursement`` who is neither their maker nor their
  submitter and has not signed them in this submission round; waiting since submission.
- 待支付: approvals to someone holding ``projects.pay_disbursement``; waiting since the final approval.
- Items of a batch move with the batch: the batch is the row, never its items.
- Overdue: waiting more than ``WORK_OVERDUE_DAYS`` days (default 3).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Count, Exists, F, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from wagtail.models import ModelLogEntry

from projects.models import Approval, Disbursement, DisbursementBatch, DisbursementStatus

S = DisbursementStatus
SUBJECTS = (Disbursement, DisbursementBatch)
ROWS_SHOWN = 20  # per queue and kind; the heading counts them all
ZERO = Decimal("0.00")


@dataclass
class Queue:
    """One list of work: up to ``ROWS_SHOWN`` subjects per kind, oldest first, and how many there are in all."""

    rows: list = field(default_factory=list)
    count: int = 0


@dataclass
class Work:
    returned: Queue = field(default_factory=Queue)
    to_approve: Queue = field(default_factory=Queue)
    to_pay: Queue = field(default_factory=Queue)

    @property
    def total(self) -> int:
        return self.returned.count + self.to_approve.count + self.to_pay.count

    def queues(self) -> list[tuple[str, Queue]]:
        return [("returned", self.returned), ("to_approve", self.to_approve), ("to_pay", self.to_pay)]


def overdue_cutoff(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=settings.WORK_OVERDUE_DAYS)


def _kind(model) -> str:
    return "batch" if model is DisbursementBatch else "disbursement"


def subject_rows(model) -> QuerySet:
    rows = model.objects.select_related("project", "created_by")
    signed = Approval.objects.filter(**{_kind(model): OuterRef("pk")}, round=OuterRef("submission_round"))
    signed = signed.values(_kind(model)).annotate(n=Count("id")).values("n")
    rows = rows.annotate(round_approvals=Coalesce(Subquery(signed), 0))
    if model is Disbursement:
        return rows.filter(batch__isnull=True).annotate(amount_total=F("amount"))
    items = Disbursement.objects.filter(batch=OuterRef("pk")).values("batch").annotate(total=Sum("amount"))
    return rows.annotate(amount_total=Coalesce(Subquery(items.values("total")), ZERO))


def _returned_at(model):
    """When it was returned: the latest 退回 in the audit log (services called outside the admin write none)."""
    entries = ModelLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model),
        object_id=Cast(OuterRef("pk"), output_field=CharField()),
        action=f"projects.{_kind(model)}.return",
    )
    return Coalesce(Subquery(entries.order_by("-timestamp").values("timestamp")[:1]), F("submitted_at"))


def returned_to(model, user) -> QuerySet:
    rows = subject_rows(model).filter(status=S.DRAFT, created_by=user).exclude(return_reason="")
    return rows.annotate(waiting_since=_returned_at(model))


def awaiting_approval_by(model, user) -> QuerySet:
    signed = Approval.objects.filter(
        **{_kind(model): OuterRef("pk")}, round=OuterRef("submission_round"), approver=user
    )
    rows = subject_rows(model).filter(status=S.SUBMITTED).exclude(created_by=user).exclude(submitted_by=user)
    return rows.exclude(Exists(signed)).annotate(waiting_since=F("submitted_at"))


def awaiting_payment(model) -> QuerySet:
    return subject_rows(model).filter(status=S.APPROVED).annotate(waiting_since=F("approved_at"))


def _queue(querysets: list[QuerySet], before: datetime | None) -> Queue:
    if before is not None:
        querysets = [q.filter(waiting_since__lt=before) for q in querysets]
    rows = [row for q in querysets for row in q.order_by("waiting_since", "pk")[:ROWS_SHOWN]]
    rows.sort(key=lambda row: (row.waiting_since is None, row.waiting_since or timezone.now()))
    return Queue(rows=rows, count=sum(q.count() for q in querysets))


def work_for(user, *, overdue_only: bool = False, now: datetime | None = None) -> Work:
    """What waits for ``user``, per the rules above; with ``overdue_only``, only what waited too long."""
    before = overdue_cutoff(now) if overdue_only else None
    work = Work(returned=_queue([returned_to(m, user) for m in SUBJECTS], before))
    if user.has_perm("projects.approve_disbursement"):
        work.to_approve = _queue([awaiting_approval_by(m, user) for m in SUBJECTS], before)
    if user.has_perm("projects.pay_disbursement"):
        work.to_pay = _queue([awaiting_payment(m) for m in SUBJECTS], before)
    return work
