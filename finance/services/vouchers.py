"""A voucher's steps after drafting: submit, return, cancel, approve (and post), reverse.

Maker-checker: 财务 drafts and submits; a different person holding ``finance.approve_voucher`` approves — never the
maker or the submitter (checked here for the message, refused by the database in ``VoucherApproval``). Above
``VOUCHER_DUAL_APPROVAL_AMOUNT`` two distinct approvers sign before it posts. The last approval posts the voucher
through ``ledger.services`` (source ``voucher:<public id>``, so a repeated posting returns the first transaction)
together with its number and its status, in one database transaction under the voucher's row lock: of two
approvals racing, one posts and the other is told it is already done.
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from finance.models import IllegalTransition, Side, Voucher, VoucherApproval, VoucherLine, VoucherStatus
from ledger.models import AccountType, TransactionKind
from ledger.services import LegSpec, PostingError, transaction_post, transaction_reverse

from .drafts import VoucherDraft, VoucherError, VoucherLineDraft, require_permission, voucher_errors
from .numbering import voucher_number_allocate


def _locked(voucher: Voucher) -> Voucher:
    return Voucher.objects.select_for_update().get(pk=voucher.pk)


def _move(voucher: Voucher, new: str) -> None:
    try:
        voucher.set_status(new)
    except IllegalTransition as error:
        raise VoucherError(str(error)) from None


def _reason(reason: str, what: str) -> str:
    if not reason.strip():
        raise VoucherError(f"请填写{what}。")
    return reason.strip()[:200]


def voucher_total(voucher: Voucher):
    return sum(line.amount for line in voucher.lines.all() if line.side == Side.DEBIT)


def required_approvals(voucher: Voucher) -> int:
    return 2 if voucher_total(voucher) > settings.VOUCHER_DUAL_APPROVAL_AMOUNT else 1


@transaction.atomic
def voucher_submit(*, voucher: Voucher, user) -> Voucher:
    """提交审核: checked again as a whole (a date may have become valid or an account been closed since drafting);
    the number of approvers needed is fixed here from the total."""
    require_permission(user, "submit_voucher", "提交凭证审核")
    voucher = _locked(voucher)
    _move(voucher, VoucherStatus.SUBMITTED)
    if errors := voucher_errors(draft_of(voucher)):
        raise VoucherError(";".join(errors))
    voucher.submitted_by = user
    voucher.submitted_at = timezone.now()
    voucher.submission_round += 1
    voucher.required_approvals = required_approvals(voucher)
    voucher.return_reason = ""
    voucher.save()
    return voucher


def draft_of(voucher: Voucher) -> VoucherDraft:
    lines = [
        VoucherLineDraft(
            account=line.account.code,
            side=line.side,
            amount=line.amount,
            summary=line.summary,
            fund_code=line.fund_code,
        )
        for line in voucher.lines.select_related("account")
    ]
    return VoucherDraft(voucher_date=voucher.voucher_date, summary=voucher.summary, lines=lines, notes=voucher.notes)


@transaction.atomic
def voucher_return(*, voucher: Voucher, user, reason: str) -> Voucher:
    """退回修改: back to draft with a reason; this round's approvals no longer count."""
    require_permission(user, "approve_voucher", "退回凭证")
    reason = _reason(reason, "退回原因")
    voucher = _locked(voucher)
    _move(voucher, VoucherStatus.DRAFT)
    voucher.return_reason = reason
    voucher.save()
    return voucher


@transaction.atomic
def voucher_cancel(*, voucher: Voucher, user, reason: str) -> Voucher:
    """作废 before posting (a draft by finance; a submitted one by an approver). It never had a number."""
    voucher = _locked(voucher)
    if voucher.status == VoucherStatus.DRAFT:
        require_permission(user, "change_voucher", "作废凭证")
    else:
        require_permission(user, "approve_voucher", "作废已提交的凭证")
    reason = _reason(reason, "作废原因")
    _move(voucher, VoucherStatus.CANCELLED)
    voucher.cancel_reason = reason
    voucher.save()
    return voucher


@transaction.atomic
def voucher_approve(*, voucher: Voucher, user) -> Voucher:
    """审核. The last approval needed posts the voucher: number, ledger transaction and status together."""
    require_permission(user, "approve_voucher", "审核凭证")
    voucher = _locked(voucher)
    if voucher.status != VoucherStatus.SUBMITTED:
        _move(voucher, VoucherStatus.POSTED)  # raises with "already done" or the illegal move
    if user.pk in (voucher.created_by_id, voucher.submitted_by_id):
        raise VoucherError("制单人和提交人不能审核自己的凭证(制单与审核须由不同的人)。")
    signed = VoucherApproval.objects.filter(voucher=voucher, round=voucher.submission_round)
    if signed.filter(approver=user).exists():
        raise VoucherError("您已审核过本轮,需由另一位审核人审核。")
    VoucherApproval.objects.create(
        voucher=voucher,
        approver=user,
        maker_id=voucher.created_by_id,
        submitter_id=voucher.submitted_by_id,
        round=voucher.submission_round,
    )
    if signed.count() >= voucher.required_approvals:
        _post(voucher)
    return voucher


def _post(voucher: Voucher) -> None:
    _move(voucher, VoucherStatus.POSTED)
    if errors := voucher_errors(draft_of(voucher)):
        raise VoucherError(";".join(errors))
    voucher.number = voucher_number_allocate(day=voucher.voucher_date)
    lines = list(voucher.lines.select_related("account"))
    try:
        voucher.transaction = transaction_post(
            kind=_kind(lines),
            occurred_at=effective_moment(voucher.voucher_date),
            legs=[LegSpec(account=line.account.code, side=line.side, amount=line.amount) for line in lines],
            source=f"voucher:{voucher.public_id}",
            memo=voucher.number,
            public_record={"purpose": voucher.summary},
        )
    except PostingError as error:
        raise VoucherError(f"记账失败:{error}") from error
    voucher.posted_at = timezone.now()
    voucher.save()


def _kind(lines: list[VoucherLine]) -> str:
    """The public kind: 支出 when an expense is debited (salaries, rent, depreciation), otherwise 转账."""
    if any(line.side == Side.DEBIT and line.account.type == AccountType.EXPENSE for line in lines):
        return TransactionKind.EXPENSE
    return TransactionKind.TRANSFER


def effective_moment(day: date) -> datetime:
    """The ledger's ``occurred_at``: now for today, else the last second of that day in the charity's time zone."""
    now = timezone.now()
    if day == timezone.localdate(now):
        return now
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


@transaction.atomic
def voucher_reverse(*, voucher: Voucher, user, reason: str) -> Voucher:
    """冲正: a reversing voucher (红字冲销, dated today, its own number) posted through ``transaction_reverse``, and the
    original marked 已冲正 with the reason. One step by an approver: it only undoes what maker and checker posted,
    line for line, and the ledger refuses reversing twice. Returns the reversing voucher."""
    require_permission(user, "approve_voucher", "冲正凭证")
    reason = _reason(reason, "冲正原因")
    voucher = _locked(voucher)
    _move(voucher, VoucherStatus.REVERSED)
    voucher.reversal_reason = reason
    today = timezone.localdate()
    reversal = Voucher.objects.create(
        voucher_date=today,
        summary=f"冲销 {voucher.number}"[:100],
        status=VoucherStatus.POSTED,
        created_by=user,
        submitted_by=user,
        submitted_at=timezone.now(),
        reverses=voucher,
        notes=reason,
        number=voucher_number_allocate(day=today),
        transaction=_reverse_in_ledger(voucher, reason),
        posted_at=timezone.now(),
    )
    flipped = {Side.DEBIT: Side.CREDIT, Side.CREDIT: Side.DEBIT}
    VoucherLine.objects.bulk_create(
        VoucherLine(
            voucher=reversal,
            position=line.position,
            account_id=line.account_id,
            side=flipped[line.side],
            amount=line.amount,
            summary=f"冲销:{line.summary}"[:100],
            fund_code=line.fund_code,
        )
        for line in voucher.lines.all()
    )
    voucher.save()
    return reversal


def _reverse_in_ledger(voucher: Voucher, reason: str):
    try:
        return transaction_reverse(
            original=voucher.transaction,
            occurred_at=timezone.now(),
            source=f"voucher-reversal:{voucher.public_id}",
            memo=f"冲销 {voucher.number}:{reason}"[:200],
        )
    except PostingError as error:
        raise VoucherError(f"冲正失败:{error}") from error
