"""How money goes out: enrolments (项目救助对象), disbursements (拨付), batches (批量发放) and approvals (审批).

Write through ``projects.services``: they enforce the state machine, maker-checker, the fund balance and the
yearly caps, and post to the ledger. The database repeats what it can hold: positive amounts, valid states, a
paid row has its ledger transaction, and no approval by the row's maker or submitter.
"""

from __future__ import annotations

import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from ledger.money import amount_field, currency_field

from .beneficiaries import Beneficiary
from .projects import Project


class StandardUnit(models.TextChoices):
    PER_YEAR = "per_year", "每学年/每年"
    PER_SESSION = "per_session", "每次"
    PER_MONTH = "per_month", "每月"
    ONE_OFF = "one_off", "一次性"


class Enrolment(models.Model):
    """项目救助对象: a beneficiary in a project, with the funding standard (资助标准) and an optional yearly cap."""

    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.PROTECT, related_name="enrolments", verbose_name="受助人"
    )
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="enrolments", verbose_name="项目")
    standard_amount = amount_field("资助标准(元)")
    standard_unit = models.CharField("计发单位", max_length=20, choices=StandardUnit.choices)
    yearly_cap = amount_field("年度上限(元)", null=True, blank=True, help_text="同一受助人本项目每自然年累计上限。")
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期", null=True, blank=True)
    notes = models.TextField("备注", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "救助对象(项目登记)"
        verbose_name_plural = "救助对象(项目登记)"
        ordering = ["project", "-start_date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(standard_amount__gt=0), name="enrolment_standard_positive"),
            models.CheckConstraint(
                condition=Q(yearly_cap__isnull=True) | Q(yearly_cap__gt=0), name="enrolment_cap_positive"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")), name="enrolment_end_after_start"
            ),
            models.UniqueConstraint(fields=["beneficiary", "project", "start_date"], name="enrolment_unique_start"),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} · {self.beneficiary.masked_name}"

    def is_active_on(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


class DisbursementStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "待审批"
    APPROVED = "approved", "已审批待支付"
    PAID = "paid", "已支付"
    REVERSED = "reversed", "已冲正"
    CANCELLED = "cancelled", "已作废"


# The only moves (a submitted one returned for changes goes back to 草稿). Batches use the same table.
DISBURSEMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    DisbursementStatus.DRAFT: frozenset({DisbursementStatus.SUBMITTED, DisbursementStatus.CANCELLED}),
    DisbursementStatus.SUBMITTED: frozenset(
        {DisbursementStatus.APPROVED, DisbursementStatus.DRAFT, DisbursementStatus.CANCELLED}
    ),
    DisbursementStatus.APPROVED: frozenset({DisbursementStatus.PAID, DisbursementStatus.CANCELLED}),
    DisbursementStatus.PAID: frozenset({DisbursementStatus.REVERSED}),
    DisbursementStatus.REVERSED: frozenset(),
    DisbursementStatus.CANCELLED: frozenset(),
}
# Counted against the fund (approved but unpaid) and against a beneficiary's yearly cap (anything still live).
COMMITTED_STATUSES = (DisbursementStatus.APPROVED,)
LIVE_STATUSES = (DisbursementStatus.SUBMITTED, DisbursementStatus.APPROVED, DisbursementStatus.PAID)
# What to say when a step asks for what has already happened (a second click, a second approver, a stale page).
ALREADY_DONE: dict[tuple[str, str], str] = {
    (DisbursementStatus.SUBMITTED, DisbursementStatus.SUBMITTED): "已提交审批,无需重复提交。",
    (DisbursementStatus.APPROVED, DisbursementStatus.APPROVED): "已审批,无需重复审批。",
    (DisbursementStatus.PAID, DisbursementStatus.APPROVED): "已审批并已支付,无需再审批。",
    (DisbursementStatus.PAID, DisbursementStatus.PAID): "已支付,无需重复支付。",
    (DisbursementStatus.REVERSED, DisbursementStatus.REVERSED): "已冲正,无需重复冲正。",
    (DisbursementStatus.CANCELLED, DisbursementStatus.CANCELLED): "已作废,无需重复作废。",
}


class PaymentMethod(models.TextChoices):
    BANK = "bank", "银行转账"
    CASH = "cash", "现金"
    IN_KIND = "in_kind", "物资发放"


class Payee(models.TextChoices):
    BENEFICIARY = "beneficiary", "受助人本人"
    GUARDIAN = "guardian", "监护人"
    HOSPITAL = "hospital", "医院(代付)"
    SCHOOL = "school", "学校(代付)"
    SUPPLIER = "supplier", "供应商(代付)"


class IllegalTransition(ValueError):
    pass


class StatusMachine(models.Model):
    """The status column and its one ``set_status`` (django-oscar style), shared by disbursements and batches."""

    status = models.CharField(
        "状态", max_length=20, choices=DisbursementStatus.choices, default=DisbursementStatus.DRAFT, db_index=True
    )
    required_approvals = models.PositiveSmallIntegerField("所需审批人数", default=1)
    # Each submission is a new round of approvals: a sign-off before a return (退回修改) does not count after it.
    submission_round = models.PositiveSmallIntegerField("提交轮次", default=0)
    # The plan a draft carries (and the period it pays for, checked against the enrolment); the day the money really
    # moved is ``paid_on``, recorded by 支付 and never in the future — the cap, the ledger and the 公示 use that one.
    disbursed_on = models.DateField("计划支付日期")
    method = models.CharField("支付方式", max_length=20, choices=PaymentMethod.choices, default=PaymentMethod.BANK)
    purpose = models.CharField("用途(公开)", max_length=100, help_text="会公示。不要写病情、学校等隐私。")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    approved_at = models.DateTimeField("审批完成时间", null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    paid_at = models.DateTimeField("支付时间", null=True, blank=True)
    paid_on = models.DateField("实际支付日期", null=True, blank=True, db_index=True)
    return_reason = models.CharField("退回原因", max_length=200, blank=True)
    cancel_reason = models.CharField("作废原因", max_length=200, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        abstract = True

    def set_status(self, new: str) -> None:
        if new not in DISBURSEMENT_TRANSITIONS[self.status]:
            if message := ALREADY_DONE.get((self.status, new)):
                raise IllegalTransition(message)
            old_label = DisbursementStatus(self.status).label
            raise IllegalTransition(f"状态不能从「{old_label}」改为「{DisbursementStatus(new).label}」。")
        self.status = new


def _status_constraints(prefix: str) -> list[models.BaseConstraint]:
    return [
        models.CheckConstraint(
            condition=Q(status__in=[s.value for s in DisbursementStatus]), name=f"{prefix}_status_valid"
        ),
        models.CheckConstraint(condition=Q(required_approvals__in=[1, 2]), name=f"{prefix}_approvals_one_or_two"),
        models.CheckConstraint(
            condition=~Q(status__in=[DisbursementStatus.PAID, DisbursementStatus.REVERSED]) | Q(paid_at__isnull=False),
            name=f"{prefix}_paid_has_time",
        ),
        models.CheckConstraint(
            condition=~Q(status__in=[DisbursementStatus.PAID, DisbursementStatus.REVERSED]) | Q(paid_on__isnull=False),
            name=f"{prefix}_paid_has_date",
        ),
    ]


class DisbursementBatch(StatusMachine):
    """批量发放: one approval for many beneficiaries (e.g. 2026年秋季学期孤儿助学金); paid all or none."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="batches", verbose_name="项目")
    title = models.CharField("批次名称", max_length=100)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "批量发放"
        verbose_name_plural = "批量发放"
        ordering = ["-created_at", "-id"]
        constraints = [
            *_status_constraints("batch"),
            # The same batch twice would pay everyone twice: a title is used once per project unless cancelled.
            models.UniqueConstraint(
                fields=["project", "title"],
                condition=~Q(status=DisbursementStatus.CANCELLED),
                name="batch_title_unique_while_live",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Disbursement(StatusMachine):
    """拨付: money (or goods) from a project's fund to a beneficiary, or to a hospital, school or supplier for them."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="disbursements", verbose_name="项目")
    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.PROTECT, related_name="disbursements", verbose_name="受助人"
    )
    enrolment = models.ForeignKey(
        Enrolment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disbursements",
        verbose_name="项目登记",
    )
    batch = models.ForeignKey(
        DisbursementBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="items", verbose_name="批次"
    )
    amount = amount_field("金额(元)")
    currency = currency_field()
    payee = models.CharField("收款方", max_length=20, choices=Payee.choices, default=Payee.BENEFICIARY)
    payee_name = models.CharField(
        "收款单位", max_length=100, blank=True, help_text="代付时填写医院/学校/供应商名称。不公开。"
    )
    documents = models.ManyToManyField(
        "wagtaildocs.Document",
        blank=True,
        related_name="+",
        verbose_name="证明材料",
        help_text="发票、票据、签收单等。",
    )
    notes = models.TextField("内部备注", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    transaction = models.OneToOneField(
        "ledger.Transaction", on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reversed_at = models.DateTimeField("冲正时间", null=True, blank=True)
    reversal_reason = models.CharField("冲正原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "拨付"
        verbose_name_plural = "拨付"
        ordering = ["-created_at", "-id"]
        permissions = [
            ("submit_disbursement", "提交拨付审批"),
            ("approve_disbursement", "审批拨付"),
            ("pay_disbursement", "支付拨付(记账)"),
            ("reverse_disbursement", "冲正已支付的拨付"),
            ("view_audit_checks", "查看民生监察报告"),
        ]
        constraints = [
            *_status_constraints("disbursement"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="disbursement_amount_positive"),
            models.CheckConstraint(
                condition=~Q(status__in=[DisbursementStatus.PAID, DisbursementStatus.REVERSED])
                | Q(transaction__isnull=False),
                name="disbursement_paid_has_transaction",
            ),
            models.CheckConstraint(
                condition=~Q(status=DisbursementStatus.REVERSED) | ~Q(reversal_reason=""),
                name="disbursement_reversal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} · {self.beneficiary.masked_name} · ¥{self.amount:,.2f}"


class Approval(models.Model):
    """审批记录: one approver's sign-off on a disbursement or a batch. The maker and submitter are copied here so
    the database itself refuses an approval by either (maker-checker, 审批人不得为经办人)."""

    disbursement = models.ForeignKey(
        Disbursement, on_delete=models.PROTECT, null=True, blank=True, related_name="approvals"
    )
    batch = models.ForeignKey(
        DisbursementBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="approvals"
    )
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    maker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    round = models.PositiveSmallIntegerField("提交轮次")
    comment = models.CharField("审批意见", max_length=200, blank=True)
    approved_at = models.DateTimeField("审批时间", auto_now_add=True)

    class Meta:
        verbose_name = "审批记录"
        verbose_name_plural = "审批记录"
        ordering = ["approved_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(disbursement__isnull=False, batch__isnull=True)
                | Q(disbursement__isnull=True, batch__isnull=False),
                name="approval_one_subject",
            ),
            models.CheckConstraint(condition=~Q(approver=F("maker")), name="approval_not_by_maker"),
            models.CheckConstraint(condition=~Q(approver=F("submitter")), name="approval_not_by_submitter"),
            models.UniqueConstraint(
                fields=["disbursement", "round", "approver"], name="approval_once_per_disbursement_round"
            ),
            models.UniqueConstraint(fields=["batch", "round", "approver"], name="approval_once_per_batch_round"),
        ]

    def __str__(self) -> str:
        return f"{self.approver} {self.approved_at:%Y-%m-%d}"
