"""Drafting a voucher (制单): validation with Chinese messages, create, change and attach documents.

Rules: at least two lines; each a known, postable account (a leaf: an account with sub-accounts, e.g. 5201 once
5201.01 exists, takes its entries through them), debit or credit, an amount above zero with at most two decimals;
debits equal credits; a date no later than today; a summary and line summaries the privacy guard accepts (they are
public: no name, ID number, phone or account number).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from finance.models import Side, Voucher, VoucherLine, VoucherStatus
from ledger.chart import FIRST_LEVEL, chart_ensure
from ledger.models import Account
from ledger.privacy import PersonalDataError, check_public_details

CENT = Decimal("0.01")


class VoucherError(ValueError):
    """A voucher write was refused; the message is in Chinese for staff."""


@dataclass(frozen=True)
class VoucherLineDraft:
    account: str  # account code
    side: str  # "D" / "C"
    amount: Decimal
    summary: str
    fund_code: str = ""


@dataclass(frozen=True)
class VoucherDraft:
    voucher_date: date
    summary: str
    lines: Sequence[VoucherLineDraft]
    notes: str = ""
    template: str = ""
    documents: Sequence = field(default_factory=tuple)


def yuan(amount: Decimal) -> str:
    return f"¥{amount:,.2f}"


def require_permission(user, codename: str, action: str) -> None:
    if user is None or not user.has_perm(f"finance.{codename}"):
        raise PermissionDenied(f"没有{action}的权限。")


def accounts_on_use_ensure(codes: Sequence[str]) -> None:
    """A standard account among ``codes`` that this database lacks is created with the whole standard chart
    (``chart_ensure`` never changes an existing account); any other unknown code stays an error for the maker."""
    wanted = {code for code in codes if code in FIRST_LEVEL}
    if wanted and Account.objects.filter(code__in=wanted).count() < len(wanted):
        chart_ensure()


def voucher_errors(draft: VoucherDraft) -> list[str]:
    """Every reason the draft cannot stand, in Chinese, in the order a person fixes them; empty when it can."""
    errors = []
    if draft.voucher_date > timezone.localdate():
        errors.append("凭证日期不能晚于今天。")
    if not draft.summary.strip():
        errors.append("请填写摘要。")
    if len(draft.lines) < 2:
        errors.append("凭证至少需要两行分录(一借一贷)。")
    accounts = {a.code: a for a in Account.objects.filter(code__in=[line.account for line in draft.lines])}
    parents = _parents(accounts)
    for number, line in enumerate(draft.lines, start=1):
        errors += [f"第 {number} 行:{message}" for message in _line_errors(line, accounts, parents)]
    if not errors:
        errors += _balance_errors(draft.lines)
    errors += _privacy_errors(draft)
    return errors


def _parents(accounts: dict[str, Account]) -> set[str]:
    return {code for code in accounts if Account.objects.filter(code__startswith=f"{code}.").exists()}


def _line_errors(line: VoucherLineDraft, accounts: dict[str, Account], parents: set[str]) -> list[str]:
    errors = []
    account = accounts.get(line.account)
    if account is None:
        errors.append(f"会计科目 {line.account or '(空)'} 不存在。")
    elif line.account in parents:
        errors.append(f"会计科目 {account} 有明细科目,请记入明细科目。")
    elif getattr(account, "is_active", True) is False:
        errors.append(f"会计科目 {account} 已停用。")
    if line.side not in Side.values:
        errors.append("方向必须是借或贷。")
    errors += _amount_errors(line.amount)
    if not line.summary.strip():
        errors.append("请填写摘要。")
    return errors


def _amount_errors(amount: object) -> list[str]:
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return [f"金额格式不正确:{amount}。"]
    if not value.is_finite() or value <= 0:
        return ["金额必须大于 0。"]
    if value != value.quantize(CENT):
        return ["金额最多两位小数(分)。"]
    return []


def _balance_errors(lines: Sequence[VoucherLineDraft]) -> list[str]:
    debit = sum((line.amount for line in lines if line.side == Side.DEBIT), Decimal("0"))
    credit = sum((line.amount for line in lines if line.side == Side.CREDIT), Decimal("0"))
    if debit != credit:
        return [f"借贷不平衡:借方合计 {yuan(debit)},贷方合计 {yuan(credit)}。"]
    return []


def _privacy_errors(draft: VoucherDraft) -> list[str]:
    try:
        check_public_details({"purpose": draft.summary, "lines": [line.summary for line in draft.lines]}, "摘要")
    except PersonalDataError as error:
        return [f"{error}(摘要会公开,工资等请按合计记账,不要写个人信息)。"]
    return []


@transaction.atomic
def voucher_create(*, draft: VoucherDraft, user) -> Voucher:
    """制单: a new draft. Accounts a template needs are created on first use (``ACCOUNTS_ON_USE``)."""
    require_permission(user, "add_voucher", "制单")
    accounts_on_use_ensure([line.account for line in draft.lines])
    _check(draft)
    voucher = Voucher(created_by=user)
    _write(voucher, draft)
    return voucher


@transaction.atomic
def voucher_update_draft(*, voucher: Voucher, draft: VoucherDraft, user) -> Voucher:
    """Change a draft (only a draft: once submitted, the approvers see what they sign)."""
    require_permission(user, "change_voucher", "修改凭证")
    voucher = Voucher.objects.select_for_update().get(pk=voucher.pk)
    if voucher.status != VoucherStatus.DRAFT:
        raise VoucherError("只有草稿可以修改;已提交的凭证请先退回。")
    accounts_on_use_ensure([line.account for line in draft.lines])
    _check(draft)
    voucher.lines.all().delete()
    _write(voucher, draft)
    return voucher


def _check(draft: VoucherDraft) -> None:
    if errors := voucher_errors(draft):
        raise VoucherError(";".join(errors))


def _write(voucher: Voucher, draft: VoucherDraft) -> None:
    voucher.voucher_date = draft.voucher_date
    voucher.summary = draft.summary.strip()
    voucher.notes = draft.notes.strip()
    voucher.template = draft.template
    voucher.full_clean(exclude=["created_by", "documents"])
    voucher.save()
    accounts = {a.code: a for a in Account.objects.filter(code__in=[line.account for line in draft.lines])}
    VoucherLine.objects.bulk_create(
        VoucherLine(
            voucher=voucher,
            position=number,
            account=accounts[line.account],
            side=line.side,
            amount=Decimal(line.amount),
            summary=line.summary.strip(),
            fund_code=line.fund_code.strip(),
        )
        for number, line in enumerate(draft.lines, start=1)
    )
    if draft.documents:
        voucher.documents.add(*draft.documents)
