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


class StatementLine(models.TextChoices):
    """The line of 资产负债表 (assets, liabilities, net assets) or 业务活动表 (income, expenses) an account feeds,
    per 《民间非营利组织会计制度》. A sub-account feeds its parent's line."""

    CASH = "cash", "货币资金"
    SHORT_TERM_INVESTMENTS = "short_term_investments", "短期投资"
    RECEIVABLES = "receivables", "应收款项"
    INVENTORY = "inventory", "存货"
    FIXED_ASSETS_COST = "fixed_assets_cost", "固定资产原价"
    ACCUMULATED_DEPRECIATION = "accumulated_depreciation", "减:累计折旧"
    INTANGIBLE_ASSETS = "intangible_assets", "无形资产"
    SHORT_TERM_BORROWINGS = "short_term_borrowings", "短期借款"
    PAYABLES = "payables", "应付款项"
    PAYROLL_PAYABLE = "payroll_payable", "应付工资"
    TAXES_PAYABLE = "taxes_payable", "应交税金"
    ADVANCES_RECEIVED = "advances_received", "预收账款"
    UNRESTRICTED_NET_ASSETS = "unrestricted_net_assets", "非限定性净资产"
    RESTRICTED_NET_ASSETS = "restricted_net_assets", "限定性净资产"
    DONATION_INCOME = "donation_income", "捐赠收入"
    MEMBERSHIP_INCOME = "membership_income", "会费收入"
    SERVICE_INCOME = "service_income", "提供服务收入"
    GOVERNMENT_GRANTS = "government_grants", "政府补助收入"
    SALES_INCOME = "sales_income", "商品销售收入"
    INVESTMENT_INCOME = "investment_income", "投资收益"
    OTHER_INCOME = "other_income", "其他收入"
    PROGRAMME_COST = "programme_cost", "业务活动成本"
    MANAGEMENT_COST = "management_cost", "管理费用"
    FUNDRAISING_COST = "fundraising_cost", "筹资费用"
    OTHER_EXPENSES = "other_expenses", "其他费用"


BALANCE_SHEET_TYPES = frozenset({AccountType.ASSET, AccountType.LIABILITY, AccountType.NET_ASSETS})


class Side(models.TextChoices):
    DEBIT = "D", "借"
    CREDIT = "C", "贷"


# What an account *is*: fixed once created, because balances, fund figures and the statements group by them.
# Only the name may change (a correction of wording, not of meaning: see docs/ledger.md, "Chart of accounts").
IDENTITY_FIELDS = ("code", "type", "is_restricted", "fund_code", "currency", "parent_id", "statement_line")


class AccountQuerySet(models.QuerySet):
    def update(self, **kwargs):
        changed = sorted(set(kwargs) & {*IDENTITY_FIELDS, "parent"})
        if changed:
            raise AccountIdentityError(changed)
        return super().update(**kwargs)


class AccountIdentityError(Exception):
    def __init__(self, fields):
        super().__init__(f"会计科目的 {', '.join(fields)} 创建后不能修改(余额和报表按它们归集)。")


class Account(models.Model):
    """会计科目. ``fund_code`` ties restricted income and expense accounts to one fund (e.g. XT100).

    ``parent`` is the first-level account (一级科目) a sub-account (明细科目) belongs to, e.g. 5201 for
    5201.01 工资福利, 4101 for 4101.XT100, 1009 其他货币资金 for 1012.STRIPE; ``statement_line`` the line of
    资产负债表 or 业务活动表 it feeds; ``is_restricted`` its nature (限定性 / 非限定性).

    ``debit_total`` / ``credit_total`` are running totals kept by the posting service in the same
    database transaction as the legs; ``verify_ledger`` proves they equal the legs' sums.
    """

    code = models.CharField("科目代码", max_length=64, unique=True)
    name = models.CharField("科目名称", max_length=100)
    type = models.CharField("科目类别", max_length=12, choices=AccountType.choices)
    is_restricted = models.BooleanField("限定性", default=False)
    fund_code = models.CharField("基金代码", max_length=32, blank=True, db_index=True)
    parent = models.ForeignKey(
        "self", verbose_name="上级科目", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    statement_line = models.CharField("报表项目", max_length=32, choices=StatementLine.choices, blank=True)
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
    def is_used(self) -> bool:
        """Has anything been posted to it? (Its running totals move with every leg.)"""
        return bool(self.debit_total or self.credit_total)

    @property
    def nature_label(self) -> str:
        return "限定性" if self.is_restricted else "非限定性"

    @property
    def statement_name(self) -> str:
        return "资产负债表" if self.type in BALANCE_SHEET_TYPES else "业务活动表"

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
