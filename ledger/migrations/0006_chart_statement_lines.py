"""The chart of 《民间非营利组织会计制度》 on existing books: every account gets its statement line and, for a
sub-account, its first-level parent (4101.XT100 → 4101, 5101.U → 5101, 1012.STRIPE → 1009 其他货币资金); the
first-level accounts those parents need are created. Codes, types, restriction and fund stay as they were, so
every posted record and ``verify_ledger`` are unchanged. Then PostgreSQL's identity trigger also fixes the two
new columns.

The chart is copied here (not imported from ``ledger.chart``) so the migration means the same thing forever."""

import django.db.models.deletion
from django.db import migrations, models

# code: (name, type, restricted, statement line), as ledger.chart had them when this migration was written
FIRST_LEVEL = {
    "1001": ("库存现金", "asset", False, "cash"),
    "1002": ("银行存款", "asset", False, "cash"),
    "1009": ("其他货币资金", "asset", False, "cash"),
    "1101": ("短期投资", "asset", False, "short_term_investments"),
    "1111": ("应收票据", "asset", False, "receivables"),
    "1121": ("应收账款", "asset", False, "receivables"),
    "1201": ("存货·库存物资", "asset", False, "inventory"),
    "1501": ("固定资产", "asset", False, "fixed_assets_cost"),
    "1502": ("累计折旧", "asset", False, "accumulated_depreciation"),
    "1601": ("无形资产", "asset", False, "intangible_assets"),
    "2101": ("短期借款", "liability", False, "short_term_borrowings"),
    "2201": ("应付票据", "liability", False, "payables"),
    "2202": ("应付账款", "liability", False, "payables"),
    "2204": ("应付工资", "liability", False, "payroll_payable"),
    "2206": ("应交税金", "liability", False, "taxes_payable"),
    "2209": ("其他应付款", "liability", False, "payables"),
    "3101": ("非限定性净资产", "net_assets", False, "unrestricted_net_assets"),
    "3102": ("限定性净资产", "net_assets", True, "restricted_net_assets"),
    "4101": ("捐赠收入", "income", False, "donation_income"),
    "4201": ("会费收入", "income", False, "membership_income"),
    "4301": ("提供服务收入", "income", False, "service_income"),
    "4401": ("政府补助收入", "income", False, "government_grants"),
    "4501": ("商品销售收入", "income", False, "sales_income"),
    "4601": ("投资收益", "income", False, "investment_income"),
    "4901": ("其他收入", "income", False, "other_income"),
    "5101": ("业务活动成本", "expense", False, "programme_cost"),
    "5201": ("管理费用", "expense", False, "management_cost"),
    "5301": ("筹资费用·支付手续费", "expense", False, "fundraising_cost"),
    "5401": ("其他费用", "expense", False, "other_expenses"),
}
PARENT_OF_PREFIX = {"1012": "1009"}  # 1012.STRIPE, the Stripe clearing account, is 其他货币资金

IDENTITY_TRIGGER = """
CREATE OR REPLACE FUNCTION ledger_account_identity() RETURNS trigger AS $$
BEGIN
    IF NEW.code IS DISTINCT FROM OLD.code OR NEW.type IS DISTINCT FROM OLD.type
       OR NEW.is_restricted IS DISTINCT FROM OLD.is_restricted OR NEW.fund_code IS DISTINCT FROM OLD.fund_code
       OR NEW.currency IS DISTINCT FROM OLD.currency OR NEW.parent_id IS DISTINCT FROM OLD.parent_id
       OR NEW.statement_line IS DISTINCT FROM OLD.statement_line {legacy} THEN
        RAISE EXCEPTION 'ledger account % identity is fixed (会计科目创建后不能修改)', OLD.code
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


def parent_code(code: str) -> str:
    prefix = code.partition(".")[0]
    if prefix == code:
        return ""
    return PARENT_OF_PREFIX.get(prefix, prefix if prefix in FIRST_LEVEL else "")


def fill_chart(apps, schema_editor):
    """Statement lines and parents for the accounts that have none yet (idempotent; only blank fields are
    filled). A plain QuerySet: the model's guard refuses identity updates, which this one-off fill is."""
    Account = apps.get_model("ledger", "Account")
    accounts = {a.code: a for a in Account.objects.all()}
    if not accounts:
        return  # a new database: chart_ensure creates the chart on first use
    needed = {parent_code(code) for code in accounts} - {""}
    for code in sorted(needed - set(accounts)):
        name, type_, restricted, line = FIRST_LEVEL[code]
        accounts[code] = Account.objects.create(
            code=code, name=name, type=type_, is_restricted=restricted, statement_line=line
        )
    for code, account in accounts.items():
        parent = parent_code(code)
        line = FIRST_LEVEL.get(parent or code, ("", "", False, ""))[3]
        if account.statement_line or account.parent_id or not line:
            continue
        models.QuerySet(Account).filter(pk=account.pk).update(
            statement_line=line, parent_id=accounts[parent].pk if parent else None
        )


def guard_forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(IDENTITY_TRIGGER.format(legacy=""), params=None)


def guard_backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":  # the function of 0004, without the new columns
        legacy = IDENTITY_TRIGGER.replace(
            "OR NEW.parent_id IS DISTINCT FROM OLD.parent_id\n       OR NEW.statement_line IS DISTINCT FROM "
            "OLD.statement_line {legacy}",
            "{legacy}",
        )
        schema_editor.execute(legacy.format(legacy=""), params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0005_account_manager"),
    ]

    operations = [
        migrations.AddField(
            model_name="account",
            name="parent",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="children",
                to="ledger.account",
                verbose_name="上级科目",
            ),
        ),
        migrations.AddField(
            model_name="account",
            name="statement_line",
            field=models.CharField(
                blank=True,
                choices=[
                    ("cash", "货币资金"),
                    ("short_term_investments", "短期投资"),
                    ("receivables", "应收款项"),
                    ("inventory", "存货"),
                    ("fixed_assets_cost", "固定资产原价"),
                    ("accumulated_depreciation", "减:累计折旧"),
                    ("intangible_assets", "无形资产"),
                    ("short_term_borrowings", "短期借款"),
                    ("payables", "应付款项"),
                    ("payroll_payable", "应付工资"),
                    ("taxes_payable", "应交税金"),
                    ("advances_received", "预收账款"),
                    ("unrestricted_net_assets", "非限定性净资产"),
                    ("restricted_net_assets", "限定性净资产"),
                    ("donation_income", "捐赠收入"),
                    ("membership_income", "会费收入"),
                    ("service_income", "提供服务收入"),
                    ("government_grants", "政府补助收入"),
                    ("sales_income", "商品销售收入"),
                    ("investment_income", "投资收益"),
                    ("other_income", "其他收入"),
                    ("programme_cost", "业务活动成本"),
                    ("management_cost", "管理费用"),
                    ("fundraising_cost", "筹资费用"),
                    ("other_expenses", "其他费用"),
                ],
                max_length=32,
                verbose_name="报表项目",
            ),
        ),
        migrations.RunPython(fill_chart, migrations.RunPython.noop),
        migrations.RunPython(guard_forward, guard_backward),
    ]
