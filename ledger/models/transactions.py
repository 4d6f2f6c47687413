"""Transactions and legs: double entry, append-only. Corrections are reversal transactions."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ledger.money import amount_field, currency_field

from .accounts import Account, Side


class LedgerImmutableError(Exception):
    """Raised on any attempt to change or delete a posted ledger row."""

    def __init__(self, what: str):
        super().__init__(f"账本记录只能追加,不能修改或删除({what});请用冲正交易更正。")


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise LedgerImmutableError(f"{self.model.__name__}.update")

    def delete(self):
        raise LedgerImmutableError(f"{self.model.__name__}.delete")

    def bulk_update(self, *args, **kwargs):
        raise LedgerImmutableError(f"{self.model.__name__}.bulk_update")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise LedgerImmutableError(f"{type(self).__name__}.save")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerImmutableError(f"{type(self).__name__}.delete")


class TransactionKind(models.TextChoices):
    # Public: shown on /transparency/ in both languages (zh_Hans translations in charity/locale).
    DONATION = "donation", _("Donation")
    IN_KIND = "in_kind", _("In-kind gift")
    REFUND = "refund", _("Refund")
    FEE = "fee", _("Processing fee")
    PAYOUT = "payout", _("Payout")
    DISBURSEMENT = "disbursement", _("Disbursement")
    EXPENSE = "expense", _("Expense")
    TRANSFER = "transfer", _("Transfer")
    RELEASE = "release", _("Restriction released")
    CLOSING = "closing", _("Year-end closing")
    OPENING = "opening", _("Opening balance")
    REVERSAL = "reversal", _("Reversal")


class Transaction(AppendOnlyModel):
    """A ledger transaction; ``sequence`` is its leaf index in the public Merkle log (gap-free from 0)."""

    sequence = models.BigIntegerField("序号", primary_key=True)
    uuid = models.UUIDField("编号", unique=True, default=uuid.uuid4, editable=False)
    occurred_at = models.DateTimeField("发生时间", db_index=True)
    recorded_at = models.DateTimeField("记账时间")
    kind = models.CharField("类型", max_length=20, choices=TransactionKind.choices, db_index=True)
    memo = models.CharField("内部备注", max_length=200, blank=True)
    source = models.CharField("来源", max_length=200, unique=True)
    reverses = models.OneToOneField(
        "self", verbose_name="冲正对象", null=True, blank=True, on_delete=models.PROTECT, related_name="reversal"
    )
    record = models.TextField("公开记录")  # canonical JSON: the exact bytes hashed as the Merkle leaf

    class Meta:
        base_manager_name = "objects"  # related-object access must not bypass the append-only guard
        verbose_name = "账本交易"
        verbose_name_plural = "账本交易"
        ordering = ["sequence"]
        constraints = [
            models.CheckConstraint(condition=Q(sequence__gte=0), name="ledger_transaction_sequence_non_negative"),
            models.CheckConstraint(
                condition=~Q(kind="reversal") | Q(reverses__isnull=False), name="ledger_reversal_names_original"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.get_kind_display()}"

    @property
    def record_bytes(self) -> bytes:
        return self.record.encode("utf-8")


class Leg(AppendOnlyModel):
    """One debit or credit: a positive amount on one side of one account."""

    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="legs")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="legs")
    side = models.CharField("方向", max_length=1, choices=Side.choices)
    amount = amount_field("金额")
    currency = currency_field()

    class Meta:
        base_manager_name = "objects"
        verbose_name = "分录"
        verbose_name_plural = "分录"
        indexes = [models.Index(fields=["account", "transaction"], name="ledger_leg_account_tx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="ledger_leg_amount_positive"),
            models.CheckConstraint(condition=Q(side__in=["D", "C"]), name="ledger_leg_side_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_side_display()} {self.account_id} {self.amount} {self.currency}"
