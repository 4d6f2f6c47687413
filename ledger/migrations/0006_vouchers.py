"""No operations: a name that ``finance.0001_vouchers`` depends on. A ``makemigrations`` run for finance's vouchers
wrote the chart's new fields here too, at the same moment as ``0006_chart_statement_lines``; those fields live in
that migration, and this one follows it so the ledger has one line of migrations."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("ledger", "0006_chart_statement_lines")]
    operations = []
