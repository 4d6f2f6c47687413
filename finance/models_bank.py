"""银行对账: imported bank statements (对账单), their lines, and each line's match to one ledger transaction.

A statement belongs to one bank account of the books (1002 银行存款 or a sub-account of it). Its lines are what the
bank says happened; a line is matched to the ledger transaction that records the same movement on that account
(``BankLine.transaction``, unique: a transaction matches at most one line and a line at most one transaction).

The counterparty's name and account number (对方户名, 对方账号) are personal data: stored only as ciphertext
(``projects.sensitive.encrypt``), a keyed hash (to compare with a disbursement's payee) and a mask for the admin.
They never reach a ledger record or a public page. Write through ``finance.services.bank``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from ledger.money import amount_field


class BankStatement(models.Model):
    """One imported file: the lines of one bank account between ``period_start`` and ``period_end``."""

    account = models.ForeignKey(
        "ledger.Account", on_delete=models.PROTECT, related_name="+", verbose_name="银行存款科目"
    )
    period_start = models.DateField("起始日期")
    period_end = models.DateField("截止日期")
    opening_balance = amount_field("期初余额(元)", non_negative=False)
    closing_balance = amount_field("期末余额(元)", non_negative=False)
    line_count = models.PositiveIntegerField("行数", default=Decimal("0.00"))
    file_name = models.CharField("文件名", max_length=200, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    imported_at = models.DateTimeField("导入时间", auto_now_add=True)

    class Meta:
        verbose_name = "银行对账单"
        verbose_name_plural = "银行对账单"
        ordering = ["-period_start", "-id"]
        permissions = [
            ("import_bankstatement", "导入银行对账单"),
            ("match_bankline", "银行对账:匹配、取消匹配、自动匹配"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="bank_statement_period"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.period_start:%Y-%m-%d} ~ {self.period_end:%Y-%m-%d}"


class MatchKind(models.TextChoices):
    GIFT = "gift", "线下捐赠(流水号)"
    DISBURSEMENT = "disbursement", "拨付(金额、日期、收款方)"
    PAYOUT = "payout", "Stripe 结算"
    VOUCHER = "voucher", "记账凭证"
    AMOUNT = "amount", "金额、日期"
    MANUAL = "manual", "手工匹配"


class BankLine(models.Model):
    """One line of a statement: exactly one of 收入 (``income``) and 支出 (``expense``) is positive."""

    statement = models.ForeignKey(BankStatement, on_delete=models.CASCADE, related_name="lines")
    account = models.ForeignKey("ledger.Account", on_delete=models.PROTECT, related_name="+")  # the statement's
    position = models.PositiveIntegerField("行号")
    booked_on = models.DateField("交易日期", db_index=True)
    summary = models.CharField("摘要", max_length=200, blank=True)
    income = amount_field("收入金额(元)", default=Decimal("0.00"))
    expense = amount_field("支出金额(元)", default=Decimal("0.00"))
    balance = amount_field("余额(元)", non_negative=False)
    reference = models.CharField("流水号", max_length=64)
    counterparty_name_encrypted = models.TextField(blank=True, editable=False)
    counterparty_name_hash = models.CharField(max_length=64, blank=True, editable=False)
    counterparty_name_masked = models.CharField("对方户名", max_length=40, blank=True, editable=False)
    counterparty_account_encrypted = models.TextField(blank=True, editable=False)
    counterparty_account_hash = models.CharField(max_length=64, blank=True, editable=False)
    counterparty_account_masked = models.CharField("对方账号", max_length=40, blank=True, editable=False)
    transaction = models.OneToOneField(
        "ledger.Transaction",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bank_line",
        verbose_name="账本交易",
    )
    match_kind = models.CharField("匹配方式", max_length=20, choices=MatchKind.choices, blank=True)
    matched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    matched_at = models.DateTimeField("匹配时间", null=True, blank=True)

    class Meta:
        verbose_name = "银行流水"
        verbose_name_plural = "银行流水"
        ordering = ["booked_on", "statement_id", "position"]
        indexes = [models.Index(fields=["account", "booked_on"], name="bank_line_account_day")]
        constraints = [
            models.UniqueConstraint(fields=["account", "reference"], name="bank_line_reference_unique"),
            models.UniqueConstraint(fields=["statement", "position"], name="bank_line_position_unique"),
            models.CheckConstraint(
                condition=(Q(income__gt=0) & Q(expense=0)) | (Q(income=0) & Q(expense__gt=0)),
                name="bank_line_income_xor_expense",
            ),
            models.CheckConstraint(
                condition=Q(transaction__isnull=True, match_kind="") | Q(transaction__isnull=False) & ~Q(match_kind=""),
                name="bank_line_match_kind_with_match",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.booked_on:%Y-%m-%d} {self.reference}"

    @property
    def amount(self):
        """Signed: + money in, − money out."""
        return self.income - self.expense

    @property
    def is_income(self) -> bool:
        return self.income > 0
