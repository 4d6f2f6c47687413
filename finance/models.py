"""Vouchers (记账凭证): the organisation's own entries — salaries, rent, interest, subsidies, dues, assets.

Write through ``finance.services``: they enforce the state machine, maker-checker, the numbering and post to the
ledger. The database repeats what it can hold: valid states, positive line amounts, a posted voucher has its number
and its ledger transaction, a reversed one its reason, and no approval by the voucher's maker or submitter.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from ledger.models import Side  # a voucher line's side is a ledger leg's side (借/贷)
from ledger.money import amount_field


class VoucherStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "待审核"
    POSTED = "posted", "已过账"
    REVERSED = "reversed", "已冲正"
    CANCELLED = "cancelled", "已作废"


# The only moves. A submitted voucher returned for changes (退回修改) goes back to 草稿; a posted one is corrected only
# by a reversing voucher (冲正凭证), which moves it to 已冲正.
VOUCHER_TRANSITIONS: dict[str, frozenset[str]] = {
    VoucherStatus.DRAFT: frozenset({VoucherStatus.SUBMITTED, VoucherStatus.CANCELLED}),
    VoucherStatus.SUBMITTED: frozenset({VoucherStatus.POSTED, VoucherStatus.DRAFT, VoucherStatus.CANCELLED}),
    VoucherStatus.POSTED: frozenset({VoucherStatus.REVERSED}),
    VoucherStatus.REVERSED: frozenset(),
    VoucherStatus.CANCELLED: frozenset(),
}
ALREADY_DONE: dict[tuple[str, str], str] = {
    (VoucherStatus.SUBMITTED, VoucherStatus.SUBMITTED): "已提交审核,无需重复提交。",
    (VoucherStatus.POSTED, VoucherStatus.POSTED): "已过账,无需重复审核。",
    (VoucherStatus.REVERSED, VoucherStatus.POSTED): "已过账并已冲正,无需再审核。",
    (VoucherStatus.REVERSED, VoucherStatus.REVERSED): "已冲正,无需重复冲正。",
    (VoucherStatus.CANCELLED, VoucherStatus.CANCELLED): "已作废,无需重复作废。",
}
BOOKED = (VoucherStatus.POSTED, VoucherStatus.REVERSED)


class IllegalTransition(ValueError):
    pass


class VoucherCounter(models.Model):
    """The last voucher number used in one month (记-YYYY-MM-NNNN), locked FOR UPDATE when a voucher posts."""

    year = models.PositiveSmallIntegerField("年")
    month = models.PositiveSmallIntegerField("月")
    last = models.PositiveIntegerField("已用最大号", default=0)

    class Meta:
        verbose_name = "凭证号计数"
        verbose_name_plural = "凭证号计数"
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="voucher_counter_unique_month"),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="voucher_counter_month_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}: {self.last}"


class Voucher(models.Model):
    """记账凭证. ``number`` is given when it posts (gap-free per month of ``voucher_date``); drafts have none."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField("凭证号", max_length=20, blank=True, editable=False)
    voucher_date = models.DateField("凭证日期", help_text="经济业务发生的日期,不能晚于今天。")
    summary = models.CharField("摘要(公开)", max_length=100, help_text="会公开。不要写人名、身份证号、账号。")
    template = models.CharField("模板", max_length=30, blank=True)
    status = models.CharField(
        "状态", max_length=20, choices=VoucherStatus.choices, default=VoucherStatus.DRAFT, db_index=True
    )
    required_approvals = models.PositiveSmallIntegerField("所需审核人数", default=1)
    submission_round = models.PositiveSmallIntegerField("提交轮次", default=0)
    notes = models.TextField("内部备注", blank=True)
    documents = models.ManyToManyField(
        "wagtaildocs.Document", blank=True, related_name="+", verbose_name="附件", help_text="发票、合同、工资表等。"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("制单时间", auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    posted_at = models.DateTimeField("过账时间", null=True, blank=True)
    transaction = models.OneToOneField(
        "ledger.Transaction", on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversal", verbose_name="冲正对象"
    )
    return_reason = models.CharField("退回原因", max_length=200, blank=True)
    cancel_reason = models.CharField("作废原因", max_length=200, blank=True)
    reversal_reason = models.CharField("冲正原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "记账凭证"
        verbose_name_plural = "记账凭证"
        ordering = ["-voucher_date", "-id"]
        permissions = [
            ("submit_voucher", "提交记账凭证审核"),
            ("approve_voucher", "审核记账凭证并过账、冲正"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=VoucherStatus.values), name="voucher_status_valid"),
            models.CheckConstraint(condition=Q(required_approvals__in=[1, 2]), name="voucher_approvals_one_or_two"),
            models.CheckConstraint(
                condition=~Q(status__in=BOOKED) | (Q(transaction__isnull=False) & ~Q(number="")),
                name="voucher_booked_has_number_and_transaction",
            ),
            models.CheckConstraint(
                condition=Q(status__in=BOOKED) | Q(number=""), name="voucher_number_only_when_booked"
            ),
            models.CheckConstraint(
                condition=~Q(status=VoucherStatus.REVERSED) | ~Q(reversal_reason=""), name="voucher_reversal_has_reason"
            ),
            models.UniqueConstraint(fields=["number"], condition=~Q(number=""), name="voucher_number_unique"),
        ]

    def __str__(self) -> str:
        return self.number or f"草稿 #{self.pk}"

    def set_status(self, new: str) -> None:
        if new not in VOUCHER_TRANSITIONS[self.status]:
            if message := ALREADY_DONE.get((self.status, new)):
                raise IllegalTransition(message)
            old, wanted = VoucherStatus(self.status).label, VoucherStatus(new).label
            raise IllegalTransition(f"凭证状态不能从「{old}」改为「{wanted}」。")
        self.status = new


class VoucherLine(models.Model):
    """分录: one account, debit or credit, a positive amount and its public summary."""

    voucher = models.ForeignKey(Voucher, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField("行号")
    account = models.ForeignKey("ledger.Account", on_delete=models.PROTECT, related_name="+", verbose_name="会计科目")
    side = models.CharField("方向", max_length=1, choices=Side.choices)
    amount = amount_field("金额(元)")
    summary = models.CharField("摘要(公开)", max_length=100)
    fund_code = models.CharField("基金代码", max_length=32, blank=True)

    class Meta:
        verbose_name = "凭证分录"
        verbose_name_plural = "凭证分录"
        ordering = ["voucher", "position"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="voucher_line_amount_positive"),
            models.CheckConstraint(condition=Q(side__in=Side.values), name="voucher_line_side_valid"),
            models.UniqueConstraint(fields=["voucher", "position"], name="voucher_line_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_side_display()} {self.account_id} {self.amount}"


class VoucherApproval(models.Model):
    """审核记录. The maker and submitter are copied here so the database refuses an approval by either."""

    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="approvals")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    maker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    round = models.PositiveSmallIntegerField("提交轮次")
    approved_at = models.DateTimeField("审核时间", auto_now_add=True)

    class Meta:
        verbose_name = "凭证审核记录"
        verbose_name_plural = "凭证审核记录"
        ordering = ["approved_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(approver=F("maker")), name="voucher_approval_not_by_maker"),
            models.CheckConstraint(condition=~Q(approver=F("submitter")), name="voucher_approval_not_by_submitter"),
            models.UniqueConstraint(fields=["voucher", "round", "approver"], name="voucher_approval_once_per_round"),
        ]

    def __str__(self) -> str:
        return f"{self.approver} {self.approved_at:%Y-%m-%d}"


from .models_bank import BankLine, BankStatement, MatchKind  # noqa: E402,F401 - 银行对账 (finance/models_bank.py)
