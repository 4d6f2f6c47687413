"""Monthly giving (月捐): one Stripe subscription; each month's payment is its own Donation."""

import uuid

from django.db import models
from django.db.models import Q

from ledger.money import amount_field, currency_field


class PlanStatus(models.TextChoices):
    PENDING = "pending", "待开通"
    ACTIVE = "active", "进行中"
    CANCELLED = "cancelled", "已取消"


class MonthlyPlan(models.Model):
    """月捐计划。"""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(
        "projects.Project", verbose_name="捐赠项目", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    donor = models.ForeignKey(
        "donations.Donor", verbose_name="捐赠人", on_delete=models.PROTECT, null=True, blank=True, related_name="plans"
    )
    amount = amount_field("每月金额(元)")
    currency = currency_field()
    display_name = models.CharField("公开署名", max_length=60, blank=True)
    is_anonymous = models.BooleanField("匿名", default=False)
    message = models.CharField("留言", max_length=200, blank=True)
    is_sandbox = models.BooleanField("测试支付", default=False)
    stripe_subscription_id = models.CharField(
        "Stripe Subscription", max_length=255, unique=True, null=True, blank=True, editable=False
    )
    status = models.CharField("状态", max_length=20, choices=PlanStatus.choices, default=PlanStatus.PENDING)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)

    class Meta:
        verbose_name = "月捐计划"
        verbose_name_plural = "月捐计划"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="plan_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"月捐 {self.amount} 元({self.get_status_display()})"
