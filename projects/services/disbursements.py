"""Writes for single disbursements (拨付): draft → submitted → approved → paid, and reversed after paid.

Each service checks the actor's permission, locks what it changes, enforces the rules in ``rules`` and, for a
payment or reversal, posts to the ledger in the same database transaction. Items of a batch move only with their
batch (``projects.services.batches``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ledger.privacy import PersonalDataError, check_public_details
from ledger.services import transactions_post_bulk
from projects.models import (
    DISBURSEMENT_TRANSITIONS,
    Beneficiary,
    Disbursement,
    DisbursementStatus,
    Enrolment,
    IllegalTransition,
    Payee,
    PaymentMethod,
    Project,
    Status,
)

from . import postings
from .funds import project_lock
from .rules import (
    DisbursementError,
    check_caps,
    check_fund,
    check_project_open,
    effective_moment,
    payment_day,
    require_permission,
    required_approvals,
    sign_off,
)


@dataclass(frozen=True)
class DisbursementDraft:
    project: Project
    beneficiary: Beneficiary
    amount: Decimal
    purpose: str
    disbursed_on: date
    method: str = PaymentMethod.BANK
    payee: str = Payee.BENEFICIARY
    payee_name: str = ""
    enrolment: Enrolment | None = None
    notes: str = ""
    documents: Sequence = field(default_factory=tuple)


def disbursement_errors(draft: DisbursementDraft) -> dict[str, str]:
    """Every problem with a draft, by field, in Chinese."""
    return _errors(draft, _enrolments(draft))


def _errors(draft: DisbursementDraft, enrolments: list[Enrolment]) -> dict[str, str]:
    errors = {}
    if draft.project.status == Status.CLOSED:
        errors["project"] = "项目已结项,不能再新增拨付。"
    if draft.amount is None or draft.amount <= 0 or draft.amount != draft.amount.quantize(Decimal("0.01")):
        errors["amount"] = "金额必须大于 0,最多两位小数。"
    if not draft.purpose.strip():
        errors["purpose"] = "请填写用途。"
    else:
        try:
            check_public_details({"purpose": draft.purpose})
        except PersonalDataError:
            errors["purpose"] = "用途会公示,不能包含身份证号、手机号或银行账号。"
    if draft.payee not in (Payee.BENEFICIARY, Payee.GUARDIAN) and not draft.payee_name.strip():
        errors["payee_name"] = "代付给医院、学校或供应商时,请填写收款单位名称。"
    if draft.enrolment is not None:
        enrolment = draft.enrolment
        if (enrolment.beneficiary_id, enrolment.project_id) != (draft.beneficiary.pk, draft.project.pk):
            errors["enrolment"] = "所选登记不属于该受助人和项目。"
        elif not enrolment.is_active_on(draft.disbursed_on):
            errors["disbursed_on"] = "支付日期不在该受助人的项目登记期内(登记已结束或尚未开始)。"
    elif enrolments and _enrolment_for(draft, enrolments) is None:
        # Someone enrolled in the project is paid under an enrolment; one-off relief (临时救助) needs none.
        errors["disbursed_on"] = "该受助人在本项目有登记,但支付日期不在任何一段登记期内(登记已结束或尚未开始)。"
    return errors


def _enrolments(draft: DisbursementDraft) -> list[Enrolment]:
    """The person's enrolments in the project, when the draft names none (one query, shared by checks and save)."""
    if draft.enrolment is not None:
        return []
    return list(Enrolment.objects.filter(beneficiary=draft.beneficiary, project=draft.project))


def _enrolment_for(draft: DisbursementDraft, enrolments: list[Enrolment]) -> Enrolment | None:
    """The enrolment a payment belongs to: the one given, else the person's one active enrolment in the project."""
    if draft.enrolment is not None:
        return draft.enrolment
    active = [e for e in enrolments if e.is_active_on(draft.disbursed_on)]
    return active[0] if len(active) == 1 else None


@transaction.atomic
def disbursement_create(*, draft: DisbursementDraft, user) -> Disbursement:
    """新建拨付(草稿)."""
    require_permission(user, "add_disbursement", "新建拨付")
    enrolments = _enrolments(draft)
    if errors := _errors(draft, enrolments):
        raise DisbursementError("；".join(errors.values()))
    disbursement = Disbursement.objects.create(
        project=draft.project,
        beneficiary=draft.beneficiary,
        enrolment=_enrolment_for(draft, enrolments),
        amount=draft.amount,
        purpose=draft.purpose.strip(),
        disbursed_on=draft.disbursed_on,
        method=draft.method,
        payee=draft.payee,
        payee_name=draft.payee_name.strip(),
        notes=draft.notes,
        created_by=user,
        required_approvals=required_approvals(draft.amount),
    )
    if draft.documents:
        disbursement.documents.set(draft.documents)
    return disbursement


def _locked(disbursement: Disbursement, *, lock_project: bool = False) -> Disbursement:
    if lock_project:
        project_lock(disbursement.project)
    locked = Disbursement.objects.select_for_update(of=("self",)).select_related("project", "beneficiary", "enrolment")
    return locked.get(pk=disbursement.pk)


def _check_move(disbursement: Disbursement, new: str) -> None:
    if disbursement.batch_id is not None:
        raise DisbursementError(f"该拨付属于批次「{disbursement.batch}」,请在批次中统一操作。")
    if new not in DISBURSEMENT_TRANSITIONS[disbursement.status]:
        try:
            disbursement.set_status(new)
        except IllegalTransition as error:
            raise DisbursementError(str(error)) from None


def _move(disbursement: Disbursement, new: str) -> None:
    _check_move(disbursement, new)
    disbursement.set_status(new)


@transaction.atomic
def disbursement_submit(*, disbursement: Disbursement, user) -> Disbursement:
    """提交审批. The number of approvers needed is fixed here, from the amount."""
    require_permission(user, "submit_disbursement", "提交拨付审批")
    disbursement = _locked(disbursement)
    check_project_open(disbursement.project)
    check_caps([disbursement])
    _move(disbursement, DisbursementStatus.SUBMITTED)
    disbursement.submitted_by = user
    disbursement.submitted_at = timezone.now()
    disbursement.submission_round += 1
    disbursement.required_approvals = required_approvals(disbursement.amount)
    disbursement.return_reason = ""
    disbursement.save()
    return disbursement


@transaction.atomic
def disbursement_return(*, disbursement: Disbursement, user, reason: str) -> Disbursement:
    """退回修改: back to draft with a reason; this round's approvals no longer count."""
    require_permission(user, "approve_disbursement", "退回拨付")
    if not reason.strip():
        raise DisbursementError("请填写退回原因。")
    disbursement = _locked(disbursement)
    _move(disbursement, DisbursementStatus.DRAFT)
    disbursement.return_reason = reason.strip()
    disbursement.save()
    return disbursement


@transaction.atomic
def disbursement_approve(*, disbursement: Disbursement, user, comment: str = "") -> Disbursement:
    """审批. The last approval needed moves it to 已审批待支付, which commits the fund: checked under the project
    lock, so of two racing approvals that together exceed the balance exactly one succeeds."""
    require_permission(user, "approve_disbursement", "审批拨付")
    disbursement = _locked(disbursement, lock_project=True)
    _check_move(disbursement, DisbursementStatus.APPROVED)
    check_project_open(disbursement.project)
    if sign_off(disbursement, user, comment):
        check_caps([disbursement])
        check_fund(disbursement.project, disbursement.amount)
        _move(disbursement, DisbursementStatus.APPROVED)
        disbursement.approved_at = timezone.now()
        disbursement.save()
    return disbursement


@transaction.atomic
def disbursement_pay(*, disbursement: Disbursement, user, paid_on: date | None = None) -> Disbursement:
    """支付: posts the fund's expense (bank, cash, or goods out of 库存物资) and marks it paid, together.

    ``paid_on`` is the day the money moved (default today; never in the future, never before the approval). The
    yearly cap is checked again for that day's year under the project lock, and the ledger transaction carries that
    day as its effective date (``occurred_at``)."""
    require_permission(user, "pay_disbursement", "支付拨付")
    disbursement = _locked(disbursement, lock_project=True)
    _move(disbursement, DisbursementStatus.PAID)
    day = payment_day(paid_on, approved_at=disbursement.approved_at)
    check_fund(disbursement.project, disbursement.amount, already_committed=disbursement.amount)
    check_caps([disbursement], paid_on=day)
    pay_items([disbursement], user=user, paid_on=day)
    return disbursement


def pay_items(items: list[Disbursement], *, user, paid_on: date) -> None:
    """Post one ledger transaction per item, all or none, effective on ``paid_on``, and mark them paid (callers
    hold the locks and have checked the date and the caps)."""
    now = timezone.now()
    at = effective_moment(paid_on)
    postings.accounts_ensure(items[0].project)
    posted = transactions_post_bulk([postings.disbursement_posting(d, at=at) for d in items])
    for item, txn in zip(items, posted, strict=True):
        item.status = DisbursementStatus.PAID
        item.transaction = txn
        item.paid_by = user
        item.paid_at = now
        item.paid_on = paid_on
    Disbursement.objects.bulk_update(items, ["transaction"], batch_size=1000)  # first: a paid row needs its transaction
    # What every item shares, in one UPDATE per thousand rows (only the transaction differs per row).
    pks = [i.pk for i in items]
    for start in range(0, len(pks), 1000):
        Disbursement.objects.filter(pk__in=pks[start : start + 1000]).update(
            status=DisbursementStatus.PAID, paid_by=user, paid_at=now, paid_on=paid_on
        )


@transaction.atomic
def disbursement_cancel(*, disbursement: Disbursement, user, reason: str) -> Disbursement:
    """作废 before payment (a draft by its maker or an officer; a submitted or approved one by an approver)."""
    disbursement = _locked(disbursement)
    if disbursement.status == DisbursementStatus.DRAFT:
        require_permission(user, "change_disbursement", "作废拨付")
    else:
        require_permission(user, "approve_disbursement", "作废已提交的拨付")
    if not reason.strip():
        raise DisbursementError("请填写作废原因。")
    _move(disbursement, DisbursementStatus.CANCELLED)
    disbursement.cancel_reason = reason.strip()
    disbursement.save()
    return disbursement


@transaction.atomic
def disbursement_reverse(*, disbursement: Disbursement, user, reason: str) -> Disbursement:
    """冲正 a paid disbursement (e.g. the bank returned the transfer): a reversing ledger transaction with the
    reason; the money is back in the fund and fund tracing re-allocates."""
    require_permission(user, "reverse_disbursement", "冲正拨付")
    if not reason.strip():
        raise DisbursementError("冲正必须填写原因。")
    disbursement = _locked(disbursement, lock_project=True)
    try:
        disbursement.set_status(DisbursementStatus.REVERSED)
    except IllegalTransition as error:
        raise DisbursementError(str(error)) from None
    postings.disbursement_reversal(disbursement, at=timezone.now(), reason=reason.strip())
    disbursement.reversed_by = user
    disbursement.reversed_at = timezone.now()
    disbursement.reversal_reason = reason.strip()
    disbursement.save()
    return disbursement


@transaction.atomic
def disbursement_update_draft(*, disbursement: Disbursement, draft: DisbursementDraft, user) -> Disbursement:
    """Change a draft (only a draft: once submitted, the approvers see what they sign)."""
    require_permission(user, "change_disbursement", "修改拨付")
    disbursement = _locked(disbursement)
    if disbursement.batch_id is not None:
        raise DisbursementError(f"该拨付属于批次「{disbursement.batch}」,批次中的金额按登记标准生成,不能单独修改。")
    if disbursement.status != DisbursementStatus.DRAFT:
        raise DisbursementError("只有草稿可以修改;已提交的拨付请先退回。")
    enrolments = _enrolments(draft)
    if errors := _errors(draft, enrolments):
        raise DisbursementError("；".join(errors.values()))
    for name in ("project", "beneficiary", "amount", "purpose", "disbursed_on", "method", "payee", "notes"):
        setattr(disbursement, name, getattr(draft, name))
    disbursement.payee_name = draft.payee_name.strip()
    disbursement.enrolment = _enrolment_for(draft, enrolments)
    disbursement.required_approvals = required_approvals(draft.amount)
    disbursement.save()
    disbursement.documents.set(draft.documents)
    return disbursement
