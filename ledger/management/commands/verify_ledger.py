import time

from django.core.management.base import BaseCommand, CommandError

from ledger.services.verification import ledger_verify


class Command(BaseCommand):
    help = (
        "Recompute every leaf hash, interior node, tree-head root and signature, each transaction's balance "
        "and every account's running totals from the stored rows. Exits non-zero on any mismatch."
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        report = ledger_verify()
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"Checked {report.transactions} transactions, {report.legs} legs, {report.interior_nodes} interior "
            f"nodes, {report.tree_heads} tree heads and {report.accounts} accounts in {elapsed:.1f} s."
        )
        if report.ok:
            self.stdout.write(self.style.SUCCESS("Ledger verified: OK"))
            return
        for problem in report.problems[:50]:
            self.stderr.write(f"  - {problem}")
        if report.first_bad:
            leaf, tx_id = report.first_bad
            self.stderr.write(f"First bad transaction: leaf index {leaf}, id {tx_id or '(n/a)'}")
        raise CommandError(f"Ledger verification FAILED: {len(report.problems)} problem(s).")
