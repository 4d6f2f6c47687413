"""Donors (捐赠人): individuals or organisations. Contact details are private; a name is public only by consent."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.models import Q

from donations.validators import validate_credit_code
from projects.fields import EncryptedTextField
from projects.sensitive import keyed_hash


class DonorKind(models.TextChoices):
    INDIVIDUAL = "individual", "个人"
    ORGANISATION = "organisation", "单位"


class Donor(models.Model):
    """捐赠人。在线捐赠时姓名、电话、邮箱都可不填。"""

    kind = models.CharField("类型", max_length=20, choices=DonorKind.choices, default=DonorKind.INDIVIDUAL)
    name = models.CharField("姓名/单位名称", max_length=100, blank=True)
    # Encrypted at rest; the keyed hashes beside them let staff find a donor by a full phone number or e-mail.
    phone = EncryptedTextField(
        "手机号", blank=True, plain_max_length=20, help_text="仅用于回执查询和联系,绝不公开。加密存储。"
    )
    email = EncryptedTextField(
        "电子邮箱",
        blank=True,
        plain_max_length=254,
        validators=[validate_email],
        help_text="仅用于发送回执,绝不公开。加密存储。",
    )
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    email_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    credit_code = models.CharField(
        "统一社会信用代码", max_length=18, blank=True, validators=[validate_credit_code], help_text="单位捐赠人填写。"
    )
    show_name_publicly = models.BooleanField("同意公开姓名", default=False)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "捐赠人"
        verbose_name_plural = "捐赠人"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_code="") | Q(kind=DonorKind.ORGANISATION), name="donor_credit_code_org_only"
            ),
            models.CheckConstraint(
                condition=Q(kind=DonorKind.INDIVIDUAL) | ~Q(name=""), name="donor_organisation_named"
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"捐赠人 #{self.pk}"

    def save(self, *args, **kwargs):
        self.hashes_refresh()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "phone_hash", "email_hash"}
        super().save(*args, **kwargs)

    def hashes_refresh(self) -> None:
        """The keyed hashes staff search by (``bulk_create`` skips ``save``: call this first)."""
        self.phone_hash = keyed_hash("phone", self.phone)
        self.email_hash = keyed_hash("email", self.email.strip().lower())

    def clean(self):
        if self.credit_code and self.kind != DonorKind.ORGANISATION:
            raise ValidationError({"credit_code": "只有单位捐赠人才填写统一社会信用代码。"})
        if self.kind == DonorKind.ORGANISATION and not self.name.strip():
            raise ValidationError({"name": "单位捐赠人必须填写单位名称。"})

    @property
    def public_name(self) -> str:
        """What the public may see: the name by consent, otherwise 匿名."""
        return self.name if (self.show_name_publicly and self.name) else "匿名"
