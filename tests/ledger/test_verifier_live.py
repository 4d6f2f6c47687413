"""The standalone verifier, run as a reader would run it, against a live test server.

Each check is a real ``python -m ledger.verifier`` process talking HTTP to pytest-django's live server:
nothing is shared with the server but the URL and the public key. The key is derived here from the
settings, never taken from the server being checked.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import urllib.request
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import connection
from django.utils import timezone

from charity.demo.loader import load_demo
from ledger.chart import BANK
from ledger.models import Transaction, TransactionKind
from ledger.selectors import latest_tree_head
from ledger.services import LegSpec, PostingRequest, transactions_post_bulk, tree_head_publish

REPO_ROOT = Path(__file__).resolve().parents[2]
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Runs the verifier module exactly as ``-m`` does, with Django made unimportable.
WITHOUT_DJANGO = (
    "import runpy, sys; sys.modules['django'] = None; "
    "runpy.run_module('ledger.verifier', run_name='__main__', alter_sys=True)"
)


@pytest.fixture
def api(transactional_db, django_db_serialized_rollback, live_server) -> str:
    """The API base URL of a live server holding the demo books and their signed tree head.

    The server thread needs committed data (``transactional_db``); the flush that follows empties
    what migrations created, which ``django_db_serialized_rollback`` restores for later tests.
    """
    load_demo()
    assert latest_tree_head().tree_size == Transaction.objects.count() > 3
    return f"{live_server.url}/api/ledger/v1/"


@pytest.fixture
def public_key(settings) -> str:
    private = Ed25519PrivateKey.from_private_bytes(base64.b64decode(settings.LEDGER_SIGNING_KEY))
    raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def verifier(*args: str, without_django: bool = False) -> subprocess.CompletedProcess:
    command = [sys.executable, "-c", WITHOUT_DJANGO] if without_django else [sys.executable, "-m", "ledger.verifier"]
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [*command, *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False
    )


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - the local live server
        return response.read()


def post_more(count: int) -> None:
    transactions_post_bulk(
        [
            PostingRequest(
                kind=TransactionKind.DONATION,
                occurred_at=timezone.now() - timedelta(minutes=1 + n),  # the demo's books are closed through last year
                legs=[LegSpec(BANK, "D", Decimal("88.00")), LegSpec("4101.XT100", "C", Decimal("88.00"))],
                source=f"test:verifier-live:{n}",
                public_record={"fund": "XT100", "donor": "匿名", "channel": "bank"},
            )
            for n in range(count)
        ]
    )


def ok_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("[ OK ]")]


def failed_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("[FAIL]")]


def test_a_live_ledger_verifies_and_later_proves_it_only_grew(api, public_key, tmp_path):
    first_head = latest_tree_head()
    first_sth = tmp_path / "sth-1.json"

    run = verifier(api, "--public-key", public_key, "--entry", "3", "--save-sth", str(first_sth))

    assert run.returncode == 0, run.stdout + run.stderr
    size, root_hex = first_head.tree_size, bytes(first_head.root_hash).hex()
    assert "[ OK ] tree head signature: size" in run.stdout
    assert f"[ OK ] entries: {size} entries fetched" in run.stdout
    assert f"[ OK ] root hash: recomputed from {size} leaves: {root_hex} = the signed root" in run.stdout
    assert "[ OK ] inclusion of entry 3: an audit path of" in run.stdout
    assert f"VERIFIED: all {len(ok_lines(run.stdout))} checks passed." in run.stdout
    assert not failed_lines(run.stdout)
    assert json.loads(first_sth.read_text()) == json.loads(fetch(api + "get-sth"))

    post_more(20)
    second_head = tree_head_publish()
    assert second_head.tree_size == size + 20

    run = verifier(api, "--public-key", public_key, "--previous-sth", str(first_sth), "--entry", str(size + 19))

    assert run.returncode == 0, run.stdout + run.stderr
    assert "[ OK ] previous tree head signature" in run.stdout
    assert f"[ OK ] consistency from size {size} to size {size + 20}: a proof of" in run.stdout
    assert f"[ OK ] inclusion of entry {size + 19}" in run.stdout
    assert f"recomputed from {size + 20} leaves: {bytes(second_head.root_hash).hex()}" in run.stdout


def test_the_verifier_runs_without_django(api, public_key):
    run = verifier(api, "--public-key", public_key, "--entry", "0", without_django=True)

    assert run.returncode == 0, run.stdout + run.stderr
    assert "VERIFIED" in run.stdout


def test_an_entry_not_yet_signed_and_a_wrong_key_fail(api, public_key, tmp_path):
    size = latest_tree_head().tree_size
    post_more(1)  # posted, but no tree head covers it yet
    saved = tmp_path / "sth.json"

    run = verifier(api, "--public-key", public_key, "--entry", str(size), "--save-sth", str(saved))

    assert run.returncode == 1, run.stdout + run.stderr
    assert f"[FAIL] inclusion of entry {size}: not covered by the signed tree head" in run.stdout
    assert not saved.exists(), "a tree head that did not verify is not saved"

    other_key = base64.b64encode(Ed25519PrivateKey.from_private_bytes(bytes(32)).public_key().public_bytes_raw())
    run = verifier(api, "--public-key", other_key.decode(), "--skip-audit")
    assert run.returncode == 1
    assert "[FAIL] tree head signature" in run.stdout


def test_the_open_data_file_verifies_offline_and_one_changed_line_fails(api, public_key, tmp_path):
    sth = tmp_path / "sth.json"
    sth.write_bytes(fetch(api + "get-sth"))
    post_more(2)  # the download may run ahead of the tree head: later lines are not covered
    download = tmp_path / "ledger.jsonl"
    download.write_bytes(fetch(api + "open-data/ledger.jsonl"))
    size = json.loads(sth.read_text())["tree_size"]

    run = verifier(str(download), "--sth", str(sth), "--public-key", public_key)

    assert run.returncode == 0, run.stdout + run.stderr
    assert f"[ OK ] records: {size + 2} lines, each the canonical JSON of one record" in run.stdout
    assert f"[ OK ] root hash: recomputed from {size} leaves" in run.stdout
    assert "2 later records are not covered by this tree head" in run.stdout

    lines = download.read_bytes().split(b"\n")
    record = json.loads(lines[3])
    record["legs"][0]["amount"] = f"{Decimal(record['legs'][0]['amount']) + 1:.2f}"
    record["legs"][1]["amount"] = record["legs"][0]["amount"]  # still balanced, still canonical
    lines[3] = json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_bytes(b"\n".join(lines))

    run = verifier(str(tampered), "--sth", str(sth), "--public-key", public_key)

    assert run.returncode == 1, run.stdout + run.stderr
    assert "[ OK ] records:" in run.stdout, "the changed line is well-formed: only the root can catch it"
    assert "[FAIL] root hash: recomputed" in run.stdout
    assert "NOT VERIFIED" in run.stdout


def test_a_record_edited_in_the_database_behind_the_api_fails_verification(api, public_key):
    sequence = Transaction.objects.get(source="demo:XT100:gift:1").sequence
    before = Transaction.objects.get(sequence=sequence).record
    assert '"amount":"200000.00"' in before
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE ledger_transaction DISABLE TRIGGER USER")
        try:
            cursor.execute(
                "UPDATE ledger_transaction SET record = REPLACE(record, %s, %s) WHERE sequence = %s",
                ['"amount":"200000.00"', '"amount":"20000.00"', sequence],
            )
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("ALTER TABLE ledger_transaction ENABLE TRIGGER USER")
    assert Transaction.objects.get(sequence=sequence).record != before

    run = verifier(api, "--public-key", public_key)

    assert run.returncode == 1, run.stdout + run.stderr
    assert "[ OK ] tree head signature" in run.stdout
    assert "[FAIL] root hash: recomputed" in run.stdout
    assert "NOT VERIFIED" in run.stdout
