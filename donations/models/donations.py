"""Gifts (捐赠) and their state machine.

A gift's status moves only along ``STATUS_TRANSITIONS`` through ``Donation.set_status``; the amount it
records is what was actually received (for online gifts: what Stripe says was paid, never what the form said).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import pgettext_lazy

from ledger.money import amount_field, currency_field

from .names import NAME_REVIEW_TRANSITIONS, NAME_SHOWN_STATES, WITHHELD_NAME, NameReview


class Channel(models.TextChoices):
    # Shown to donors in both languages (zh_Hans translations in charity/locale: 在线支付, 银行转账, 现金, 物资捐赠).
    ONLINE = "online", pgettext_lazy("donation channel", "Online payment")
    BANK = "bank", pgettext_lazy("donation channel", "Bank transfer")
    CASH = "cash", pgettext_lazy("donation channel", "Cash")
    IN_KIND = "in_kind", pgettext_lazy("donation channel", "In-kind gift")


OFFLINE_CHANNELS = (Channel.BANK, Channel.CASH, Channel.IN_KIND)


class DonationStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("donation status", "Awaiting payment")
    SUCCEEDED = "succeeded", pgettext_lazy("donation status", "Received")
    PARTIALLY_REFUNDED = "partially_refunded", pgettext_lazy("donation status", "Partly refunded")
    REFUNDED = "refunded", pgettext_lazy("donation status", "Refunded in full")
    FAILED = "failed", pgettext_lazy("donation status", "Payment failed")
    EXPIRED = "expired", pgettext_lazy("donation status", "Expired")
    REVERSED = "reversed", pgettext_lazy("donation status", "Reversed")
    # Staff-only states of a large offline gift (donors never see one: it has no receipt serial).
    AWAITING_CONFIRMATION = "awaiting_confirmation", "待复核"
    REJECTED = "rejected", "已驳回"


STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    DonationStatus.PENDING: frozenset({DonationStatus.SUCCEEDED, DonationStatus.FAILED, DonationStatus.EXPIRED}),
    DonationStatus.SUCCEEDED: frozenset(
        {DonationStatus.PARTIALLY_REFUNDED, DonationStatus.REFUNDED, DonationStatus.REVERSED}
    ),
    DonationStatus.PARTIALLY_REFUNDED: frozenset({DonationStatus.PARTIALLY_REFUNDED, DonationStatus.REFUNDED}),
    DonationStatus.REFUNDED: frozenset(),
    DonationStatus.FAILED: frozenset(),
    DonationStatus.EXPIRED: frozenset(),
    DonationStatus.REVERSED: frozenset(),
    # An offline gift at or above OFFLINE_GIFT_CONFIRMATION_AMOUNT is created awaiting a second person.
    DonationStatus.AWAITING_CONFIRMATION: frozenset({DonationStatus.SUCCEEDED, DonationStatus.REJECTED}),
    DonationStatus.REJECTED: frozenset(),
}
# A second person's decision on a large offline gift (复核): only these states, only offline channels.
REVIEW_STATUSES = (DonationStatus.AWAITING_CONFIRMATION, DonationStatus.REJECTED)
# Statuses in which money was received and (at least partly) kept: shown on walls and receipts.
RECEIVED_STATUSES = (DonationStatus.SUCCEEDED, DonationStatus.PARTIALLY_REFUNDED)


class ValuationBasis(models.TextChoices):
    INVOICE = "invoice", "发票"
    CUSTOMS = "customs", "报关单"
    AGREEMENT = "agreement", "捐赠协议"
    MARKET = "market", "市场价格"


class IllegalTransitionError(ValueError):
    def __init__(self, current: str, target: str):
        with translation.override("zh-hans"):  # a message for staff: Chinese whatever the request's language
            current_label, target_label = str(DonationStatus(current).label), str(DonationStatus(target).label)
        super().__init__(f"捐赠状态不能从「{current_label}」变为「{target_label}」。")


class IllegalNameReviewError(ValueError):
    def __init__(self, current: str, target: str):
        current_label, target_label = NameReview(current).label, NameReview(target).label
        super().__init__(f"署名审核状态为「{current_label}」,不能改为「{target_label}」。")


def _unique_id(verbose_name: str) -> models.CharField:
    return models.CharField(verbose_name, max_length=255, unique=True, null=True, blank=True, editable=False)


class Donation(models.Model):
    """一笔捐赠。"""

    public_id = models.UUIDField("公开编号", default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(
        "projects.Project",
        verbose_name="捐赠项目",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="donations",
        help_text="留空表示捐给总会非限定性资金(统筹使用)。",
    )
    donor = models.ForeignKey(
        "donations.Donor", verbose_name="捐赠人", on_delete=models.PROTECT, null=True, blank=True, related_name="gifts"
    )
    plan = models.ForeignKey(
        "donations.MonthlyPlan",
        verbose_name="月捐计划",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="donations",
    )
    channel = models.CharField("捐赠方式", max_length=20, choices=Channel.choices)
    status = models.CharField(
        "状态", max_length=24, choices=DonationStatus.choices, default=DonationStatus.PENDING, db_index=True
    )
    requested_amount = amount_field("申报金额(元)")
    amount = amount_field("到账金额(元)", null=True, blank=True)
    currency = currency_field()
    display_name = models.CharField("公开署名", max_length=60, blank=True)
    is_anonymous = models.BooleanField("匿名", default=False)
    message = models.CharField("留言", max_length=200, blank=True)
    is_sandbox = models.BooleanField("测试支付", default=False)
    # The public name the gift's ledger record commits to, and the commitment's salt (hex): the donor's proof.
    # Both are erased by ``donor_name_erase``; the wall shows a name only in a NAME_SHOWN_STATES review state.
    name_committed = models.CharField("账本承诺的署名", max_length=100, blank=True, editable=False)
    name_salt = models.CharField("署名承诺盐值", max_length=64, blank=True, editable=False)
    name_review = models.CharField(
        "署名审核", max_length=10, choices=NameReview.choices, default=NameReview.SHOWN, editable=False
    )

    idempotency_key = models.UUIDField("幂等键", null=True, blank=True, unique=True, editable=False)
    stripe_checkout_session_id = _unique_id("Stripe Checkout Session")
    stripe_payment_intent_id = _unique_id("Stripe PaymentIntent")
    stripe_invoice_id = _unique_id("Stripe Invoice")
    stripe_charge_id = _unique_id("Stripe Charge")

    bank_reference = models.CharField("银行流水号", max_length=64, unique=True, null=True, blank=True)
    payer_name = models.CharField(
        "付款人", max_length=100, blank=True, help_text="银行流水上的付款人户名或交款人,仅供内部对账,不公开。"
    )
    in_kind_description = models.CharField("物资名称", max_length=200, blank=True)
    in_kind_quantity = models.DecimalField("数量", max_digits=14, decimal_places=2, null=True, blank=True)
    in_kind_unit = models.CharField("单位", max_length=20, blank=True)
    valuation_basis = models.CharField("估值依据", max_length=20, choices=ValuationBasis.choices, blank=True)

    received_at = models.DateTimeField("到账时间", null=True, blank=True, db_index=True)
    receipt_serial = models.CharField("回执编号", max_length=20, unique=True, null=True, blank=True, editable=False)
    official_receipt_code = models.CharField("票据代码", max_length=20, blank=True)
    official_receipt_number = models.CharField("票据号码", max_length=20, blank=True)
    official_receipt_check = models.CharField("校验码", max_length=20, blank=True)

    transaction = models.OneToOneField(
        "ledger.Transaction", verbose_name="账本交易", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", editable=False,
    )
    disputed_at = models.DateTimeField("争议发起时间", null=True, blank=True, editable=False)
    dispute_id = models.CharField("争议编号", max_length=255, blank=True, editable=False)
    dispute_reason = models.CharField("争议原因", max_length=100, blank=True, editable=False)
    reversal_reason = models.CharField("冲正原因", max_length=200, blank=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="复核人", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", editable=False,
    )
    reviewed_at = models.DateTimeField("复核时间", null=True, blank=True, editable=False)
    rejection_reason = models.CharField("驳回原因", max_length=200, blank=True, editable=False)
    rejected_bank_reference = models.CharField(
        "驳回时的银行流水号", max_length=64, blank=True, editable=False,
        help_text="驳回后流水号即释放,可按正确信息重新登记;原流水号留存于此。",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", editable=False,
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "捐赠"
        verbose_name_plural = "捐赠"
        ordering = ["-created_at"]
        permissions = [
            ("moderate_donor_name", "审核捐赠人公开署名(批准或隐藏)"),
            ("erase_donor_name", "删除捐赠人公开署名(不可恢复)"),
            ("confirm_offline_gift", "复核大额线下捐赠(确认入账或驳回;不能复核本人登记的)"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(requested_amount__gt=0), name="donation_requested_positive"),
            models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gt=0), name="donation_amount_positive"),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in DonationStatus]), name="donation_status_valid"
            ),
            models.CheckConstraint(condition=Q(channel__in=[c.value for c in Channel]), name="donation_channel_valid"),
            models.CheckConstraint(
                condition=~Q(channel=Channel.IN_KIND) | (~Q(valuation_basis="") & ~Q(in_kind_description="")),
                name="donation_in_kind_described",
            ),
            models.CheckConstraint(
                condition=~Q(channel=Channel.ONLINE) | Q(idempotency_key__isnull=False) | Q(plan__isnull=False),
                name="donation_online_idempotent",
            ),
            models.CheckConstraint(
                condition=Q(status=DonationStatus.PENDING)
                | Q(status=DonationStatus.FAILED)
                | Q(status=DonationStatus.EXPIRED)
                | (Q(amount__isnull=False) & Q(received_at__isnull=False)),
                name="donation_received_has_amount",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[s.value for s in REVIEW_STATUSES])
                | Q(channel__in=[c.value for c in OFFLINE_CHANNELS]),
                name="donation_review_offline_only",
            ),
        ]
        indexes = [models.Index(fields=["project", "status", "-received_at"], name="donation_wall_idx")]

    def __str__(self) -> str:
        return self.receipt_serial or f"捐赠 {str(self.public_id)[:8]}"

    def set_status(self, target: str) -> None:
        """The one way a status changes; raises ``IllegalTransitionError`` on a move the table does not allow."""
        if target not in STATUS_TRANSITIONS[self.status]:
            raise IllegalTransitionError(self.status, target)
        self.status = target

    @property
    def fund_code(self) -> str:
        return self.project.code if self.project_id else ""

    @property
    def fund_name(self) -> str:
        return self.project.name if self.project_id else "非限定性资金(总会统筹)"

    @property
    def public_name(self) -> str:
        """The name the public may see: the chosen display name, or 匿名."""
        if self.is_anonymous:
            return "匿名"
        if self.display_name:
            return self.display_name
        return self.donor.public_name if self.donor_id else "匿名"

    @property
    def wall_name(self) -> str:
        """The name the donor wall shows: 匿名, the public name once it passed review, otherwise (held, hidden or
        erased) 爱心人士."""
        if self.is_anonymous:
            return "匿名"
        return self.public_name if self.name_review in NAME_SHOWN_STATES else WITHHELD_NAME

    def set_name_review(self, target: str) -> None:
        """The one way a name's review state changes; raises ``IllegalTransitionError`` on any other move."""
        if target not in NAME_REVIEW_TRANSITIONS[self.name_review]:
            raise IllegalNameReviewError(self.name_review, target)
        self.name_review = target

    @property
    def is_received(self) -> bool:
        """Money came in (it may since have been refunded): refunds and official receipts apply."""
        return self.status in RECEIVED_STATUSES or self.status == DonationStatus.REFUNDED
