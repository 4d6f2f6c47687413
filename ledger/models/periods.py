"""会计期间 (accounting periods): one row per month (Asia/Shanghai) once someone asks to close it.

A closed month is locked: the posting service (``ledger.services.posting._post_locked``) and, on PostgreSQL, a
trigger on ``ledger_transaction`` (migration 0008) refuse any new transaction dated before the end of the latest
closed month. Months close in order and reopen in reverse order, so the closed months are always a prefix of time
and one number, ``max(ends_at)`` of the closed rows, is the lock.
"""

from django.conf import settings
from django.db import models


class PeriodStatus(models.TextChoices):
    OPEN = "open", "未结账"
    CLOSED = "closed", "已结账"


class PeriodAction(models.TextChoices):
    CLOSE = "close", "结账"
    REOPEN = "reopen", "反结账"


class Period(models.Model):
    """A month's status and its pending request (结账 or 反结账), which another person approves."""

    month = models.DateField("期间", unique=True)  # the month's first day
    starts_at = models.DateTimeField("开始时间")  # the month's first moment, Asia/Shanghai
    ends_at = models.DateTimeField("结束时间", db_index=True)  # the next month's first moment (the lock's bound)
    status = models.CharField("状态", max_length=10, choices=PeriodStatus.choices, default=PeriodStatus.OPEN)
    pending = models.CharField("待批准的申请", max_length=10, choices=PeriodAction.choices, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申请人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField("申请时间", null=True, blank=True)
    reason = models.CharField("反结账原因", max_length=500, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="批准人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField("结账时间", null=True, blank=True)
    rounds = models.PositiveIntegerField("结账次数", default=0)  # a month reopened and closed again posts deltas

    class Meta:
        verbose_name = "会计期间"
        verbose_name_plural = "会计期间"
        ordering = ["-month"]
        permissions = [
            ("close_period", "申请结账或反结账"),
            ("approve_period", "批准或驳回结账、反结账"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(starts_at__lt=models.F("ends_at")), name="ledger_period_span"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.month:%Y-%m}"

    @property
    def status_label(self) -> str:
        if self.pending == PeriodAction.CLOSE:
            return "待批准(结账)"
        if self.pending == PeriodAction.REOPEN:
            return "待批准(反结账)"
        return self.get_status_display()
