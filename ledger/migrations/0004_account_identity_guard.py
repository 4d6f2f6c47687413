"""PostgreSQL refuses changes to what an account is (code, type, restriction, fund, currency) whatever the
client; only the running totals may change. verify_ledger also checks fund accounts' codes against their fund."""

from django.db import migrations

FORWARD = [
    """
    CREATE OR REPLACE FUNCTION ledger_account_identity() RETURNS trigger AS $$
    BEGIN
        IF NEW.code IS DISTINCT FROM OLD.code OR NEW.type IS DISTINCT FROM OLD.type
           OR NEW.is_restricted IS DISTINCT FROM OLD.is_restricted OR NEW.fund_code IS DISTINCT FROM OLD.fund_code
           OR NEW.currency IS DISTINCT FROM OLD.currency THEN
            RAISE EXCEPTION 'ledger account % identity is fixed (会计科目创建后不能修改)', OLD.code
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER ledger_account_identity BEFORE UPDATE ON ledger_account
    FOR EACH ROW EXECUTE FUNCTION ledger_account_identity();
    """,
    """
    CREATE TRIGGER ledger_account_no_delete BEFORE DELETE ON ledger_account
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
    """,
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS ledger_account_no_delete ON ledger_account;",
    "DROP TRIGGER IF EXISTS ledger_account_identity ON ledger_account;",
    "DROP FUNCTION IF EXISTS ledger_account_identity();",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0003_transaction_kind_labels")]
    operations = [migrations.RunPython(forward, backward)]
