"""Accounts (会计科目) and their running totals."""

from decimal import Decimal

from django.db import models
from django.db.models import Q

from ledger.money import amount_field, currency_field


class AccountType(models.TextChoices):
    ASSET = "asset", "资产"
    LIABILITY = "liability", "负债"
    NET_ASSETS = "net_assets", "净资产"
    INCOME = "income", "收入"
    EXPENSE = "expense", "费用"


DEBIT_NORMAL = frozenset({AccountType.ASSET, AccountType.EXPENSE})


class Side(models.TextChoices):
    DEBIT = "D", "借"
    CREDIT = "C", "贷"


# What an account *is*: fixed once created, because balances, fund figures and the statements group by them.
IDENTITY_FIELDS = ("code", "type", "is_restricted", "fund_code", "currency")


class AccountQuerySet(models.QuerySet):
    def update(self, **kwargs):
        changed = sorted(set(kwargs) & set(IDENTITY_FIELDS))
        if changed:
            raise AccountIdentityError(changed)
        return super().update(**kwargs)


class AccountIdentityError(Exception):
    def __init__(self, fields):
        super().__init__(f"会计科目的 {', '.join(fields)} 创建后不能修改(余额和报表按它们归集)。")


class Account(models.Model):
    """会计科目. ``fund_code`` ties restricted income and expense accounts to one fund (e.g. XT100).

    ``debit_total`` / ``credit_total`` are running totals kept by the posting service in the same
    database transaction as the legs; ``verify_ledger`` proves they equal the legs' sums.
    """

    code = models.CharField("科目代码", max_length=64, unique=True)
    name = models.CharField("科目名称", max_length=100)
    type = models.CharField("科目类别", max_length=12, choices=AccountType.choices)
    is_restricted = models.BooleanField("限定性", default=False)
    fund_code = models.CharField("基金代码", max_length=32, blank=True, db_index=True)
    currency = currency_field()
    debit_total = amount_field("借方累计", default=Decimal("0.00"))
    credit_total = amount_field("贷方累计", default=Decimal("0.00"))
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = AccountQuerySet.as_manager()

    class Meta:
        base_manager_name = "objects"
        verbose_name = "会计科目"
        verbose_name_plural = "会计科目"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(type__in=[t.value for t in AccountType]), name="ledger_account_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(debit_total__gte=0) & Q(credit_total__gte=0), name="ledger_account_totals_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            stored = type(self).objects.filter(pk=self.pk).values(*IDENTITY_FIELDS).first()
            changed = [f for f in IDENTITY_FIELDS if stored and stored[f] != getattr(self, f)]
            if changed:
                raise AccountIdentityError(changed)
        super().save(*args, **kwargs)

    @property
    def is_debit_normal(self) -> bool:
        return self.type in DEBIT_NORMAL

    def balance_of(self, debit: Decimal, credit: Decimal) -> Decimal:
        """A balance on the account's normal side (assets and expenses: debit − credit)."""
        return debit - credit if self.is_debit_normal else credit - debit


class AccountDay(models.Model):
    """Per account and day (Asia/Shanghai), the debits and credits that occurred that day.

    Answers "balance at a date" in O(days) instead of a scan of every leg.
    """

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="days")
    day = models.DateField()
    debit = amount_field("借方", default=Decimal("0.00"))
    credit = amount_field("贷方", default=Decimal("0.00"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "day"], name="ledger_accountday_unique")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.day}"
