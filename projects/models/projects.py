"""A charity project is a fund (专项基金/慈善项目): what the public gives to and what pays beneficiaries.

Money never lives here: raised, spent and available come from the ledger through
``projects.selectors``. The target is a plan figure, not a balance.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ledger.money import amount_field, currency_field
from ledger.selectors import fund_figures, fund_has_entries


class Category(models.TextChoices):
    MEDICAL = "medical", _("Medical aid")
    EDUCATION = "education", _("Education")
    ELDERLY = "elderly", _("Elderly care")
    DISABILITY = "disability", _("Disability support")
    EMERGENCY = "emergency", _("Emergency relief")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    FUNDRAISING = "fundraising", _("Fundraising")
    IMPLEMENTING = "implementing", _("In progress")
    CLOSED = "closed", _("Closed")


# The only moves a project's status may make (筹款中 → 执行中 → 已结项, or straight to 已结项).
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.FUNDRAISING: frozenset({Status.IMPLEMENTING, Status.CLOSED}),
    Status.IMPLEMENTING: frozenset({Status.CLOSED}),
    Status.CLOSED: frozenset(),
}
ACTIVE_STATUSES = (Status.FUNDRAISING, Status.IMPLEMENTING)


def validate_presets(value: str) -> None:
    """捐赠金额选项: up to six amounts in yuan, comma-separated (50,100,500)."""
    try:
        amounts = parse_presets(value)
    except (InvalidOperation, ValueError):
        raise ValidationError("金额选项请用逗号分隔的正数,例如 50,100,500。") from None
    if len(amounts) > 6:
        raise ValidationError("金额选项最多 6 个。")


def parse_presets(value: str) -> list[Decimal]:
    amounts = [Decimal(part.strip()) for part in value.replace(",", ",").split(",") if part.strip()]
    if any(a <= 0 or a != a.quantize(Decimal("0.01")) for a in amounts):
        raise ValueError(value)
    return amounts


code_validator = RegexValidator(
    r"^[A-Z][A-Z0-9-]{1,31}$",
    "项目编号须以大写字母开头,只含大写字母、数字和连字符,2–32 位(例如 XT100)。",
)


class Project(models.Model):
    """慈善项目(基金)。"""

    code = models.CharField(
        "项目编号", max_length=32, unique=True, validators=[code_validator], help_text="例如 XT100;账本按它区分基金。"
    )
    name = models.CharField("项目名称", max_length=100)
    category = models.CharField("项目类别", max_length=20, choices=Category.choices, db_index=True)
    target_amount = amount_field("筹款目标(元)")
    currency = currency_field()
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期", null=True, blank=True, help_text="长期项目可留空。")
    status = models.CharField(
        "项目状态", max_length=20, choices=Status.choices, default=Status.FUNDRAISING, db_index=True
    )
    is_restricted = models.BooleanField("定向(限定性)", default=True, help_text="定向捐赠只能用于本项目,由账本强制。")
    eligibility = models.TextField("救助对象与条件", blank=True)
    funding_standard = models.TextField("资助标准", blank=True)
    filing_number = models.CharField(
        "募捐方案备案号", max_length=64, blank=True, help_text="公开募捐方案在民政部门的备案编号。"
    )
    donation_presets = models.CharField(
        "捐赠金额选项",
        max_length=100,
        default="50,100,200,500",
        validators=[validate_presets],
        help_text="捐赠表单上的预设金额(元),用逗号分隔;捐赠人也可以填写其他金额。",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "慈善项目"
        verbose_name_plural = "慈善项目"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(target_amount__gt=0), name="project_target_positive"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="project_end_after_start",
            ),
            models.CheckConstraint(condition=Q(status__in=[s.value for s in Status]), name="project_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def preset_amounts(self) -> list[Decimal]:
        try:
            return parse_presets(self.donation_presets)
        except (InvalidOperation, ValueError):
            return []

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.target_amount is not None and self.target_amount <= 0:
            errors["target_amount"] = "筹款目标必须大于 0。"
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = "结束日期不能早于开始日期。"
        if self.pk:
            errors.update(self._change_errors())
        if errors:
            raise ValidationError(errors)

    def _change_errors(self) -> dict[str, str]:
        previous = Project.objects.filter(pk=self.pk).values("status", "code", "is_restricted").first()
        if previous is None:
            return {}
        errors = {}
        if previous["code"] != self.code:
            # The ledger keys the fund's accounts by this code; renaming it would orphan the books.
            errors["code"] = "项目编号创建后不能修改(账本按编号记账)。"
        if previous["is_restricted"] != self.is_restricted and fund_has_entries(previous["code"]):
            # Restricted gifts already in the books stay restricted; release them with a 限定解除 posting.
            errors["is_restricted"] = "项目已有账目,定向(限定性)属性不能再修改。"
        old = previous["status"]
        if old != self.status and self.status not in STATUS_TRANSITIONS[old]:
            errors["status"] = f"项目状态不能从「{Status(old).label}」改为「{Status(self.status).label}」。"
        elif old != self.status and self.status == Status.CLOSED and (why := self._closing_error(previous["code"])):
            errors["status"] = why
        return errors

    def _closing_error(self, code: str) -> str:
        """Closing by editing the status is for a fund with nothing left and nothing pending; a fund that still
        holds money closes through 结项 (``projects.services.closure``), with a decision about its leftover."""
        from .disbursements import Disbursement, DisbursementStatus

        leftover = fund_figures(code).available
        if leftover != 0:
            return (
                f"项目还有结余 ¥{leftover:,.2f},请通过「结项」办理:"
                "转入其他项目或转为非限定性资金,经审核人审批后结项。"
            )
        pending = (DisbursementStatus.SUBMITTED, DisbursementStatus.APPROVED)
        if Disbursement.objects.filter(project_id=self.pk, status__in=pending).exists():
            return "项目还有已提交或已审批未支付的拨付,请先支付、退回或作废后再结项。"
        return ""
