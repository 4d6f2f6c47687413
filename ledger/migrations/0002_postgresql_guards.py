"""PostgreSQL guards the ledger's rules itself, whatever code (or psql session) writes to it:

- ledger_transaction, ledger_leg, ledger_merklenode and ledger_treehead refuse UPDATE and DELETE;
- a deferred constraint trigger refuses, at commit, any transaction whose legs do not balance per
  currency or that has fewer than two legs.

SQLite has no equivalent; there the models' save/delete/queryset guards and the posting service
apply, and verify_ledger detects edits made behind their back.
"""

from django.db import migrations

APPEND_ONLY_TABLES = ["ledger_transaction", "ledger_leg", "ledger_merklenode", "ledger_treehead"]

FORWARD = [
    """
    CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'ledger is append-only: % on % refused (账本只能追加,请用冲正交易更正)',
            TG_OP, TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
    END;
    $$ LANGUAGE plpgsql;
    """,
    *[
        f"""
        CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
        """
        for table in APPEND_ONLY_TABLES
    ],
    """
    CREATE OR REPLACE FUNCTION ledger_check_balanced() RETURNS trigger AS $$
    DECLARE
        tx bigint;
        legs integer;
        bad record;
    BEGIN
        IF TG_TABLE_NAME = 'ledger_leg' THEN
            tx := NEW.transaction_id;
        ELSE
            tx := NEW.sequence;
        END IF;
        SELECT count(*) INTO legs FROM ledger_leg WHERE transaction_id = tx;
        IF legs < 2 THEN
            RAISE EXCEPTION 'ledger transaction % has % leg(s); double entry needs at least two', tx, legs
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        SELECT currency,
               sum(CASE WHEN side = 'D' THEN amount ELSE 0 END) AS debit,
               sum(CASE WHEN side = 'C' THEN amount ELSE 0 END) AS credit
          INTO bad
          FROM ledger_leg WHERE transaction_id = tx
         GROUP BY currency
        HAVING sum(CASE WHEN side = 'D' THEN amount ELSE -amount END) <> 0
         LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'ledger transaction % is unbalanced in %: debits % <> credits %',
                tx, bad.currency, bad.debit, bad.credit USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE CONSTRAINT TRIGGER ledger_leg_balanced AFTER INSERT ON ledger_leg
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced();
    """,
    """
    CREATE CONSTRAINT TRIGGER ledger_transaction_balanced AFTER INSERT ON ledger_transaction
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced();
    """,
]

BACKWARD = [
    "DROP TRIGGER IF EXISTS ledger_transaction_balanced ON ledger_transaction;",
    "DROP TRIGGER IF EXISTS ledger_leg_balanced ON ledger_leg;",
    "DROP FUNCTION IF EXISTS ledger_check_balanced();",
    *[f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};" for table in APPEND_ONLY_TABLES],
    "DROP FUNCTION IF EXISTS ledger_refuse_change();",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in FORWARD:
        schema_editor.execute(statement, params=None)  # no client-side merge: "%" is plpgsql here


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in BACKWARD:
        schema_editor.execute(statement, params=None)  # no client-side merge: "%" is plpgsql here


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
