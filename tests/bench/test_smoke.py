"""Every benchmark in bench/ runs in its smoke mode (``--smoke``: tiny sizes, a throw-away database) and prints its
ratio lines, so a benchmark that stops working fails the suite instead of rotting. Nothing here is timed: the
numbers printed are not checked, only that the benchmark ran to its report and passed its own checks."""

import os
import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from .conftest import smoke_command

NUMBER = r"[\d,.]+"


def run_smoke(bench_env, script: str, *expected: str) -> str:
    """Run ``bench/<script> --smoke``; it must exit 0, print each ``expected`` pattern (multi-line regex) and leave
    no throw-away database behind."""
    done = smoke_command(f"bench/{script}", "--smoke", env=bench_env)
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"bench/{script} --smoke exited {done.returncode}:\n{output[-6000:]}"
    for pattern in expected:
        assert re.search(pattern, done.stdout, re.MULTILINE), f"no {pattern!r} in:\n{done.stdout[-6000:]}"
    for vendor, name in re.findall(r"^smoke: throw-away (\w+) database (\S+)$", done.stdout, re.MULTILINE):
        assert not database_exists(vendor, name), f"{name} was left behind"
    return done.stdout


def database_exists(vendor: str, name: str) -> bool:
    if vendor == "sqlite":
        return Path(name).exists()
    import psycopg

    admin = urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path="/postgres", query=""))
    with psycopg.connect(admin, autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def test_pages(bench_env):
    run_smoke(
        bench_env,
        "pages.py",
        rf"^baseline \(bare list\)\s+{NUMBER}\s+{NUMBER}\s+1\.0\s+1$",
        rf"^project page\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}\s+\d+$",
    )


def test_generate_ledger(bench_env):
    run_smoke(
        bench_env,
        "generate_ledger.py",
        r"posted 300 in .* postings/s\)$",
        r"already at 300 transactions$",
        r"^smoke: generated 300 postings and 3 tree heads",
    )


def test_ledger_posting(bench_env):
    run_smoke(
        bench_env,
        "ledger_posting.py",
        rf"^transaction_post\s+{NUMBER}\s+{NUMBER}\.\.{NUMBER}\s+{NUMBER}\s+{NUMBER}$",
        rf"^transactions_post_bulk\s+{NUMBER}\s+{NUMBER}\.\.{NUMBER}\s+{NUMBER}\s+{NUMBER}$",
        rf"^\s+300\s+transactions_post_bulk, one call\s+{NUMBER}\s+{NUMBER}\.\.{NUMBER}\s+{NUMBER}\s+{NUMBER}",
        r"--- cProfile: transactions_post_bulk",
    )


def test_ledger_proofs(bench_env):
    run_smoke(
        bench_env,
        "ledger_proofs.py",
        rf"^\s+300\s+baseline: MerkleNode pk lookup\s+{NUMBER}",
        rf"^\s+300\s+inclusion_proof \(selector\)(\s+{NUMBER}){{6}}$",
        rf"^\s+300\s+GET get-sth-consistency(\s+{NUMBER}){{6}}$",
    )


def test_ledger_verify(bench_env):
    run_smoke(bench_env, "ledger_verify.py", rf"^300: verify median {NUMBER} s, {NUMBER}× baseline$")


def test_receipt_pdf(bench_env):
    run_smoke(
        bench_env,
        "receipt_pdf.py",
        rf"^harfbuzz\s+common \(GB 2312\)\s+{NUMBER} \(\s*{NUMBER}\)\s+{NUMBER} \(\s*{NUMBER}\)\s+{NUMBER}",
        rf"^harfbuzz\s+Hangul \(김\)\s+{NUMBER}",
        rf"^fonttools\s+common \(GB 2312\)\s+{NUMBER}",
        r"^one-off preparation of Charity Receipt Sans Supp",
    )


def test_disbursements(bench_env):
    run_smoke(
        bench_env,
        "disbursements.py",
        rf"^\s+7\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}×",  # batch vs single
        rf"^\s+50\s+5\s+{NUMBER}\s+{NUMBER}\s+\d+\s+{NUMBER}\s+{NUMBER}\s+\d+\s+{NUMBER}×",  # tracing vs naive
        rf"^\s+one fund, 1 thread\s+{NUMBER}\s+\(.*\)\s+× sequential 1\.00$",
        r"^SQL of one gift_tracing look-up",
    )


def test_import_gifts(bench_env):
    run_smoke(
        bench_env,
        "import_gifts.py",
        rf"^  baseline 10 rows: {NUMBER} rows/s",
        rf"^  ratio ours / baseline rows/s: {NUMBER}×",
        r"^all checks passed",
    )


@pytest.mark.postgres
def test_webhook_load(bench_env):
    """PostgreSQL only: gunicorn on a loopback port, a dozen signed deliveries, the exactly-once checks."""
    run_smoke(
        bench_env,
        "webhook_load.py",
        rf"^baseline: signature rejected\s+\d+\s+{NUMBER}\s+\S+\s+—\s+1\.0\s",
        rf"^checkout\.session\.completed\s+\d+\s+{NUMBER}\s+\S+\s+{NUMBER}\s+{NUMBER}\s",
        r"^ALL CHECKS PASSED$",
    )


def test_trial_balance(bench_env):
    """The selector's trial balance equals the one from the legs (the benchmark fails otherwise)."""
    run_smoke(
        bench_env,
        "trial_balance.py",
        rf"^\s+3,650 trial balance year\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}×\s+\d+$",
        rf"^\s+3,650 trial balance June\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}×\s+\d+$",
        rf"^\s+3,650 general ledger year\s+last\s+p\d+\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}×\s+{NUMBER}$",
        rf"^\s+3,650 admin trial balance, year\s+{NUMBER}$",
        r"^checks passed: selector = naive trial balance",
    )


def test_bank_reconcile(bench_env):
    """A 200-line statement imported and matched; the set-based and the per-line matcher match the same lines."""
    run_smoke(
        bench_env,
        "bank_reconcile.py",
        r"^  imported 200 lines, matched (\d+) of the \1 the books have$",
        rf"^\s+200\s+import \+ auto-match \(one transaction\)\s+{NUMBER}\s+\d+$",
        rf"^\s+200\s+baseline: per-line matcher\s+{NUMBER}\s+\d+\s+1\.0$",
        rf"^\s+200\s+lines_auto_match \(set-based\)\s+{NUMBER}\s+\d+\s+{NUMBER}$",
        r"^smoke: bank statement of 200 lines imported and matched$",
    )
