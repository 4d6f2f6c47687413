"""Batch grants (批量发放): every active enrolment of a project at its standard amount, approved as one unit.

The batch carries the state; its items (one ``Disbursement`` per beneficiary) move with it. Maker-checker, the
fund guard and the yearly caps are the same rules as for a single disbursement (``rules``), applied to the batch
total and to every item. Paying posts one ledger transaction per beneficiary in one database transaction: all or
none. Paid items can later be reversed one by one (a returned transfer).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q, Sum
from django.utils import timezone

from projects.models import (
    ALREADY_DONE,
    Disbursement,
    DisbursementBatch,
    DisbursementStatus,
    Enrolment,
    IllegalTransition,
    PaymentMethod,
    Project,
    PublicationConsent,
)

from .disbursements import pay_items
from .funds import project_lock
from .rules import (
    DisbursementError,
    check_caps,
    check_fund,
    check_project_open,
    payment_day,
    require_permission,
    required_approvals,
    sign_off,
)


def batch_total(batch: DisbursementBatch) -> Decimal:
    return batch.items.aggregate(total=Sum("amount"))["total"] or Decimal("0.00")


def enrolments_active_on(project: Project, day: date):
    return (
        Enrolment.objects.filter(project=project, start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .select_related("beneficiary")
        .order_by("id")
    )


@transaction.atomic
def batch_create(
    *, project: Project, title: str, disbursed_on: date, purpose: str, method: str = PaymentMethod.BANK, user
) -> DisbursementBatch:
    """新建批量发放: one draft item per enrolment active on the payment date, at its standard amount."""
    require_permission(user, "add_disbursement", "新建批量发放")
    check_project_open(project)
    if not title.strip() or not purpose.strip():
        raise DisbursementError("请填写批次名称和用途。")
    enrolments = list(enrolments_active_on(project, disbursed_on))
    if not enrolments:
        raise DisbursementError(f"项目「{project.name}」在 {disbursed_on} 没有有效的救助对象登记。")
    try:
        with transaction.atomic():
            batch = DisbursementBatch.objects.create(
                project=project,
                title=title.strip(),
                disbursed_on=disbursed_on,
                purpose=purpose.strip(),
                method=method,
                created_by=user,
            )
    except IntegrityError:
        raise DisbursementError(f"本项目已有名为「{title.strip()}」的批次(未作废),同一批次不能发放两次。") from None
    Disbursement.objects.bulk_create(
        [
            Disbursement(
                project=project,
                beneficiary=e.beneficiary,
                enrolment=e,
                batch=batch,
                amount=e.standard_amount,
                currency=project.currency,
                purpose=batch.purpose,
                disbursed_on=disbursed_on,
                method=method,
                created_by=user,
            )
            for e in enrolments
        ],
        batch_size=500,
    )
    batch.required_approvals = required_approvals(batch_total(batch))
    batch.save(update_fields=["required_approvals"])
    return batch


def _locked(batch: DisbursementBatch, *, lock_project: bool = False) -> DisbursementBatch:
    if lock_project:
        project_lock(batch.project)
    return DisbursementBatch.objects.select_for_update().select_related("project").get(pk=batch.pk)


def _items(batch: DisbursementBatch) -> list[Disbursement]:
    return list(
        batch.items.select_for_update(of=("self",))
        .select_related("project", "beneficiary", "enrolment")
        .prefetch_related(
            Prefetch("beneficiary__consents", queryset=PublicationConsent.objects.all(), to_attr="prefetched_consents")
        )
        .order_by("pk")
    )


def _not_now(batch: DisbursementBatch, new: str, otherwise: str) -> str:
    """Why a batch cannot take this step: "already done" when it has, else its status and ``otherwise``."""
    return ALREADY_DONE.get((batch.status, new)) or f"批次状态为「{batch.get_status_display()}」,{otherwise}"


def _move(batch: DisbursementBatch, new: str, **fields) -> None:
    """Move the batch and its items together."""
    try:
        batch.set_status(new)
    except IllegalTransition as error:
        raise DisbursementError(str(error)) from None
    for name, value in fields.items():
        setattr(batch, name, value)
    batch.save()
    batch.items.update(status=new)


@transaction.atomic
def batch_remove_item(*, batch: DisbursementBatch, item: Disbursement, user) -> None:
    """Take one beneficiary out of a draft batch (e.g. no longer eligible)."""
    require_permission(user, "change_disbursement", "修改批次")
    batch = _locked(batch)
    if batch.status != DisbursementStatus.DRAFT or item.batch_id != batch.pk:
        raise DisbursementError("只能从草稿批次中移除本批次的受助人。")
    item.delete()
    batch.required_approvals = required_approvals(batch_total(batch))
    batch.save(update_fields=["required_approvals"])


@transaction.atomic
def batch_submit(*, batch: DisbursementBatch, user) -> DisbursementBatch:
    require_permission(user, "submit_disbursement", "提交批次审批")
    batch = _locked(batch)
    check_project_open(batch.project)
    items = _items(batch)
    if not items:
        raise DisbursementError("批次中没有受助人。")
    check_caps(items)
    total = sum((i.amount for i in items), Decimal("0"))
    _move(
        batch,
        DisbursementStatus.SUBMITTED,
        submitted_by=user,
        submitted_at=timezone.now(),
        submission_round=batch.submission_round + 1,
        required_approvals=required_approvals(total),
        return_reason="",
    )
    return batch


@transaction.atomic
def batch_return(*, batch: DisbursementBatch, user, reason: str) -> DisbursementBatch:
    require_permission(user, "approve_disbursement", "退回批次")
    if not reason.strip():
        raise DisbursementError("请填写退回原因。")
    batch = _locked(batch)
    _move(batch, DisbursementStatus.DRAFT, return_reason=reason.strip())
    return batch


@transaction.atomic
def batch_approve(*, batch: DisbursementBatch, user, comment: str = "") -> DisbursementBatch:
    """审批批次 as one unit; the last approval needed commits the batch total against the fund."""
    require_permission(user, "approve_disbursement", "审批批次")
    batch = _locked(batch, lock_project=True)
    if batch.status != DisbursementStatus.SUBMITTED:
        raise DisbursementError(_not_now(batch, DisbursementStatus.APPROVED, "不能审批。"))
    check_project_open(batch.project)
    if sign_off(batch, user, comment):
        items = _items(batch)
        check_caps(items)
        check_fund(batch.project, sum((i.amount for i in items), Decimal("0")))
        _move(batch, DisbursementStatus.APPROVED, approved_at=timezone.now())
    return batch


@transaction.atomic
def batch_pay(*, batch: DisbursementBatch, user, paid_on: date | None = None) -> DisbursementBatch:
    """支付批次: one ledger transaction per beneficiary, all in one database transaction — all or none. The real
    payment date and the yearly caps for its year are checked as for a single payment (``disbursement_pay``)."""
    require_permission(user, "pay_disbursement", "支付批次")
    batch = _locked(batch, lock_project=True)
    if batch.status != DisbursementStatus.APPROVED:
        raise DisbursementError(_not_now(batch, DisbursementStatus.PAID, "审批通过后才能支付。"))
    day = payment_day(paid_on, approved_at=batch.approved_at)
    items = _items(batch)
    total = sum((i.amount for i in items), Decimal("0"))
    check_fund(batch.project, total, already_committed=total)
    check_caps(items, paid_on=day)
    pay_items(items, user=user, paid_on=day)
    batch.set_status(DisbursementStatus.PAID)
    batch.paid_by = user
    batch.paid_at = items[0].paid_at
    batch.paid_on = day
    batch.save()
    return batch


@transaction.atomic
def batch_cancel(*, batch: DisbursementBatch, user, reason: str) -> DisbursementBatch:
    require_permission(user, "approve_disbursement" if batch.status != "draft" else "change_disbursement", "作废批次")
    if not reason.strip():
        raise DisbursementError("请填写作废原因。")
    batch = _locked(batch)
    _move(batch, DisbursementStatus.CANCELLED, cancel_reason=reason.strip())
    return batch
