"""Bookkeeping rows around gifts: refunds, processed webhook events, receipt serial counters."""

from django.db import models

from ledger.money import amount_field, currency_field


class DonationRefund(models.Model):
    """退款。One row per refund posting; ``key`` makes each one idempotent."""

    donation = models.ForeignKey("donations.Donation", on_delete=models.PROTECT, related_name="refunds")
    key = models.CharField("来源", max_length=255, unique=True)
    amount = amount_field("退款金额(元)")
    currency = currency_field()
    refunded_at = models.DateTimeField("退款时间")
    transaction = models.OneToOneField("ledger.Transaction", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "退款"
        verbose_name_plural = "退款"
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="refund_amount_positive")]

    def __str__(self) -> str:
        return f"退款 {self.amount} 元"


class WebhookEventStatus(models.TextChoices):
    PROCESSED = "processed", "已处理"
    DEFERRED = "deferred", "等待前序事件"
    IGNORED = "ignored", "已忽略"


class WebhookEvent(models.Model):
    """A payment gateway event, stored under a unique id: a second delivery changes nothing."""

    event_id = models.CharField("事件编号", max_length=255, unique=True)
    type = models.CharField("事件类型", max_length=100, db_index=True)
    status = models.CharField("处理结果", max_length=20, choices=WebhookEventStatus.choices)
    waits_for = models.CharField(
        "等待对象", max_length=255, blank=True, db_index=True, help_text="延后处理的事件在等待的 Stripe 对象编号。"
    )
    payload = models.JSONField("事件内容")
    note = models.CharField("说明", max_length=255, blank=True)
    received_at = models.DateTimeField("接收时间", auto_now_add=True)
    processed_at = models.DateTimeField("处理时间", null=True, blank=True)

    class Meta:
        verbose_name = "支付事件"
        verbose_name_plural = "支付事件"
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class ReceiptCounter(models.Model):
    """The last receipt serial issued in a year: serials are JZ2026-000001, JZ2026-000002, …"""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"
