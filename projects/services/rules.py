"""The rules every disbursement write shares (single ones and batches), each in one place.

- Permissions: 项目官员 submits, 审核人 approves, 财务 pays and reverses (``projects.*_disbursement``).
- Maker-checker: an approver is never the row's maker or its submitter (the database refuses it too), signs once
  per submission round, and above ``DISBURSEMENT_DUAL_APPROVAL_AMOUNT`` two distinct approvers are needed.
- A restricted fund never goes below zero: available (raised − paid − approved but unpaid) must cover an approval
  and a payment, checked under the project's row lock so that two racing approvals cannot both pass.
- Per-beneficiary yearly caps per project (``Enrolment.yearly_cap``), counting everything submitted, approved or
  paid in the same calendar year — the year of the real payment date (``paid_on``), checked at submission and
  approval against the expected date and again at payment, under the project lock, against the real one.
- A payment's date is the day the money moves: recorded by 支付, never in the future (``payment_day``).
- A closed project takes no new disbursements.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Case, DateField, F, Sum, Value, When
from django.db.models.functions import ExtractYear, Greatest
from django.utils import timezone

from ledger.services import PostingError
from ledger.services.periods import check_open
from projects.models import (
    LIVE_STATUSES,
    Approval,
    Disbursement,
    DisbursementBatch,
    DisbursementStatus,
    Project,
    Status,
)
from projects.selectors import fund_available


class DisbursementError(ValueError):
    """A disbursement write was refused; the message is in Chinese for staff."""


def yuan(amount: Decimal) -> str:
    return f"¥{amount:,.2f}"


def require_permission(user, codename: str, action: str) -> None:
    if user is None or not user.has_perm(f"projects.{codename}"):
        raise PermissionDenied(f"没有{action}的权限。")


def required_approvals(amount: Decimal) -> int:
    return 2 if amount > settings.DISBURSEMENT_DUAL_APPROVAL_AMOUNT else 1


def check_project_open(project: Project) -> None:
    if project.status == Status.CLOSED:
        raise DisbursementError(f"项目「{project.name}」已结项,不能再新增或审批拨付。")


def check_approver(subject, user, approvers: Iterable[int]) -> None:
    """Maker-checker: not the maker, not the submitter, not twice in one round."""
    if user.pk in (subject.created_by_id, subject.submitted_by_id):
        raise DisbursementError("审批人不能是经办人或提交人(经办与审批须由不同人员完成)。")
    if user.pk in approvers:
        raise DisbursementError("您已审批过本次提交,需由另一位审核人审批。")


def round_approvers(subject) -> list[int]:
    return list(subject.approvals.filter(round=subject.submission_round).values_list("approver_id", flat=True))


def sign_off(subject: Disbursement | DisbursementBatch, user, comment: str) -> bool:
    """Record one approver's sign-off on a disbursement or a batch, maker-checker checked; True when it is the last
    one this submission round needs."""
    approvers = round_approvers(subject)
    check_approver(subject, user, approvers)
    Approval.objects.create(
        **{"batch" if isinstance(subject, DisbursementBatch) else "disbursement": subject},
        approver=user,
        maker_id=subject.created_by_id,
        submitter_id=subject.submitted_by_id,
        round=subject.submission_round,
        comment=comment.strip(),
    )
    return len(approvers) + 1 >= subject.required_approvals


def check_fund(project: Project, amount: Decimal, *, already_committed: Decimal = Decimal("0")) -> None:
    """The restricted fund can pay ``amount`` (``already_committed``: the part of it already counted as
    committed, i.e. an approved payment about to be paid). Call with the project's row lock held."""
    if not project.is_restricted:
        return
    available = fund_available(project, excluding=already_committed)
    if amount > available:
        raise DisbursementError(
            f"定向基金「{project.name}」可用余额不足:可用 {yuan(available)},本次需要 {yuan(amount)}。"
            "可用余额 = 已筹 − 已支出 − 已审批待支付。"
        )


def payment_day(paid_on: date | None, *, approved_at) -> date:
    """The day the money moves (实际支付日期): today unless finance records an earlier transfer; never in the future,
    never before the approval that allowed it. The cap, the ledger's effective date and the 公示 all use it."""
    today = timezone.localdate()
    day = today if paid_on is None else paid_on
    if day > today:
        raise DisbursementError(
            f"实际支付日期 {day} 晚于今天({today}):支付日期是款项实际付出的日期,不能预填将来的日期。"
        )
    if approved_at is not None and day < timezone.localdate(approved_at):
        raise DisbursementError(f"实际支付日期 {day} 早于审批通过的日期 {timezone.localdate(approved_at)}。")
    try:  # a day in a closed accounting period (期间结账) is refused here, as a form error, before anything posts
        check_open([effective_moment(day)])
    except PostingError as error:
        raise DisbursementError(str(error)) from error
    return day


def effective_moment(day: date) -> datetime:
    """The ledger's ``occurred_at`` for money that moved on ``day``: now when that is today, else the last second of
    that calendar day in the charity's time zone (after the approval, before anything recorded later)."""
    now = timezone.now()
    if day == timezone.localdate(now):
        return now
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


def check_caps(items: list[Disbursement], *, paid_on: date | None = None) -> None:
    """Each beneficiary's live disbursements in this project and year, these included, stay within the cap.

    The year is that of the real payment date: ``paid_on`` when the items are being paid, otherwise (submission,
    approval) their expected date, the plan but never earlier than today. Other live rows count in the year they
    were paid, or, unpaid, in their expected year, so a planned date in a later year cannot step around the cap: the
    plan is not the payment. One grouped query; call under the project's row lock to hold against a racing payment."""
    capped = [d for d in items if d.enrolment_id and d.enrolment.yearly_cap is not None]
    if not capped:
        return
    today = timezone.localdate()

    def year(d: Disbursement) -> int:
        return (paid_on or max(d.disbursed_on, today)).year

    totals: dict[tuple[int, int, int], Decimal] = defaultdict(Decimal)
    for d in capped:
        totals[(d.project_id, d.beneficiary_id, year(d))] += d.amount
    effective = Case(
        When(status=DisbursementStatus.PAID, then=F("paid_on")),
        default=Greatest(F("disbursed_on"), Value(today, output_field=DateField())),
        output_field=DateField(),
    )
    for row in (
        Disbursement.objects.filter(
            project_id__in={d.project_id for d in capped},
            beneficiary_id__in={d.beneficiary_id for d in capped},
            status__in=LIVE_STATUSES,
        )
        .exclude(pk__in=[d.pk for d in items])
        .annotate(year=ExtractYear(effective))
        .filter(year__in={year(d) for d in capped})
        .values("project_id", "beneficiary_id", "year")
        .annotate(total=Sum("amount"))
    ):
        totals[(row["project_id"], row["beneficiary_id"], row["year"])] += row["total"]
    for d in capped:
        total = totals[(d.project_id, d.beneficiary_id, year(d))]
        if total > d.enrolment.yearly_cap:
            raise DisbursementError(
                f"受助人 {d.beneficiary.masked_name} 在本项目 {year(d)} 年累计 {yuan(total)}"
                f"(按实际支付日期所在年度计),超过年度上限 {yuan(d.enrolment.yearly_cap)}。"
            )
