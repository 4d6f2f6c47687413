"""结项 (fund closure) and what happens to a closed fund's leftover (剩余财产处理, 慈善法 第五十七、五十八条).

A project that still holds money closes only with a decision: the leftover goes to another active fund that the
fundraising plan names (转入), or is released to the organisation's unrestricted net assets (转为非限定性), with a
public reason and the plan clause it relies on. One staff user proposes, another approves; the approval posts the
transfer and closes the project in one database transaction (``projects.services.closure``). Once posted, the
decision is never edited: the amount and the date shown to the public are read from its ledger transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from ledger.money import amount_field

from .projects import Project


class ClosureDecision(models.TextChoices):
    TRANSFER = "transfer", "转入其他项目"
    RELEASE = "release", "转为非限定性资金"
    NONE = "none", "无结余,直接结项"


class ClosureStatus(models.TextChoices):
    PROPOSED = "proposed", "待审批"
    POSTED = "posted", "已审批并结项"
    REJECTED = "rejected", "已驳回"


class ClosureFrozen(ValueError):
    """A decided closure is never edited."""


class ProjectClosure(models.Model):
    """结项决定: who proposed what to do with the leftover, who approved it, and the ledger transaction."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="closures", verbose_name="项目")
    decision = models.CharField("结余处理方式", max_length=20, choices=ClosureDecision.choices)
    target = models.ForeignKey(
        Project,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="closures_received",
        verbose_name="转入项目",
    )
    amount = amount_field("提议时的结余(元)")
    reason = models.TextField("处理理由(公开)", max_length=500)
    basis = models.CharField("募捐方案依据(公开)", max_length=200, help_text="例如:依据募捐方案第 5 条")
    status = models.CharField(
        "状态", max_length=20, choices=ClosureStatus.choices, default=ClosureStatus.PROPOSED, db_index=True
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="提议人"
    )
    proposed_at = models.DateTimeField("提议时间", auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="审批人",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    reject_reason = models.TextField("驳回原因", blank=True)
    transaction = models.OneToOneField(
        "ledger.Transaction",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="project_closure",
        verbose_name="账本交易",
    )

    class Meta:
        verbose_name = "结项决定"
        verbose_name_plural = "结项决定"
        ordering = ["-proposed_at", "-pk"]
        permissions = [
            ("propose_closure", "提议结项(结余处理)"),
            ("approve_closure", "审批结项(结余处理)"),
        ]
        constraints = [
            # One live decision per project: a pending proposal or the posted one.
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(status__in=["proposed", "posted"]),
                name="closure_one_live_per_project",
            ),
            models.CheckConstraint(
                condition=(Q(decision="transfer") & Q(target__isnull=False))
                | (~Q(decision="transfer") & Q(target__isnull=True)),
                name="closure_target_iff_transfer",
            ),
            models.CheckConstraint(condition=~Q(target=models.F("project")), name="closure_target_not_self"),
            models.CheckConstraint(
                condition=Q(status__in=["proposed", "posted", "rejected"]), name="closure_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} 结项({self.get_status_display()})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            stored = ProjectClosure.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored in (ClosureStatus.POSTED, ClosureStatus.REJECTED):
                raise ClosureFrozen("结项决定已审批或驳回,不能再修改。")
        super().save(*args, **kwargs)
