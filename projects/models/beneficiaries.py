"""The beneficiary registry (受助人): private by default.

ID numbers, phones and bank accounts are stored only as ciphertext, a keyed hash and a mask (see
``projects.sensitive``); the unique index on the ID hash refuses a person registered twice. Write through
``projects.services.beneficiary_register`` / ``beneficiary_update``, which encrypt and hash.
"""

from __future__ import annotations

import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q

from ledger.privacy import mask_name


class BeneficiaryCategory(models.TextChoices):
    DIBAO = "dibao", "低保"
    TEKUN = "tekun", "特困"
    ORPHAN = "orphan", "孤儿"
    UNSUPPORTED_CHILD = "unsupported_child", "事实无人抚养儿童"
    DISABLED = "disabled", "残疾人"
    SERIOUSLY_ILL = "seriously_ill", "重病患者"
    LOW_INCOME = "low_income", "低收入家庭"
    CHILD_IN_DIFFICULTY = "child_in_difficulty", "困境儿童"
    OTHER = "other", "其他"


class Beneficiary(models.Model):
    """受助人。"""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField("姓名", max_length=50, db_index=True)
    id_number_encrypted = models.TextField("身份证号(密文)", editable=False)
    id_number_hash = models.CharField("身份证号(密钥哈希)", max_length=64, unique=True, editable=False)
    id_number_masked = models.CharField("身份证号", max_length=18, editable=False)
    birth_date = models.DateField("出生日期", editable=False, help_text="由身份证号得出,用于判断是否未成年。")
    category = models.CharField("救助类别", max_length=30, choices=BeneficiaryCategory.choices, db_index=True)
    district = models.CharField("区县", max_length=50, db_index=True)
    town = models.CharField("镇街", max_length=50, blank=True)
    village = models.CharField("村(社区)", max_length=50, blank=True, help_text="不公开。")
    phone_encrypted = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_masked = models.CharField("联系电话", max_length=20, blank=True, editable=False)
    bank_name = models.CharField("开户行", max_length=100, blank=True)
    bank_account_encrypted = models.TextField(blank=True, editable=False)
    bank_account_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    bank_account_masked = models.CharField("银行账号", max_length=40, blank=True, editable=False)
    guardian_name = models.CharField("监护人姓名", max_length=50, blank=True)
    guardian_relation = models.CharField("与受助人关系", max_length=20, blank=True)
    guardian_phone_encrypted = models.TextField(blank=True, editable=False)
    guardian_phone_masked = models.CharField("监护人电话", max_length=20, blank=True, editable=False)
    notes = models.TextField("备注", blank=True, help_text="内部备注,不公开。请勿填写病情以外的无关隐私。")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name="登记人"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "受助人"
        verbose_name_plural = "受助人"
        ordering = ["-created_at", "-id"]
        # One per field (projects.sensitive.REVEAL_SCOPES), so 财务 can be given the bank account alone.
        permissions = [
            ("reveal_beneficiary_id_number", "查看受助人完整身份证号"),
            ("reveal_beneficiary_phone", "查看受助人及监护人完整电话"),
            ("reveal_beneficiary_bank_account", "查看受助人完整银行账号"),
            ("reveal_beneficiary_address", "查看受助人详细住址(村/社区)"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(id_number_hash=""), name="beneficiary_id_hash_present"),
            models.CheckConstraint(
                condition=Q(category__in=[c.value for c in BeneficiaryCategory]), name="beneficiary_category_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.masked_name}({self.get_category_display()},{self.district})"

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    def age_on(self, day: date) -> int:
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def is_minor_on(self, day: date) -> bool:
        return self.age_on(day) < 18

    @property
    def public_region(self) -> str:
        """区县/镇街 at most: the village never leaves the registry."""
        return "".join(part for part in (self.district, self.town) if part)


class ConsentGiver(models.TextChoices):
    SELF = "self", "本人"
    GUARDIAN = "guardian", "监护人"


class PublicationConsent(models.Model):
    """公示授权: the beneficiary's (or, for a minor, the guardian's) written consent to show the masked name.

    Without a current consent the public sees only the surname (张*); with one, 张*三. Category, region (to the
    镇街), amount, date and project are disclosed either way, as the 慈善法 requires for the use of donations.
    """

    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.CASCADE, related_name="consents")
    given_by = models.CharField("授权人", max_length=10, choices=ConsentGiver.choices)
    giver_name = models.CharField("授权人姓名", max_length=50)
    given_on = models.DateField("授权日期")
    document = models.ForeignKey(
        "wagtaildocs.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="授权书",
    )
    withdrawn_on = models.DateField("撤回日期", null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "公示授权"
        verbose_name_plural = "公示授权"
        ordering = ["-given_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=models.F("given_on")),
                name="consent_withdrawn_after_given",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_given_by_display()} {self.giver_name} {self.given_on}"


class WatchListEntry(models.Model):
    """监察名单: people who must not receive without review (staff and their relatives, …). Only the keyed hash of
    the ID number is stored, so the list itself discloses nobody."""

    id_number_hash = models.CharField("身份证号(密钥哈希)", max_length=64, unique=True)
    label = models.CharField("类别", max_length=50, help_text="例如:工作人员、工作人员亲属。")
    imported_at = models.DateTimeField("导入时间", auto_now_add=True)

    class Meta:
        verbose_name = "监察名单"
        verbose_name_plural = "监察名单"

    def __str__(self) -> str:
        return f"{self.label} {self.id_number_hash[:8]}…"
