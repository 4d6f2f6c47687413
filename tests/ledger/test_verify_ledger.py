"""`manage.py verify_ledger`: passes on good books, and catches every edit made behind the API's back.

The ORM refuses such edits, so they are made with raw SQL — as anyone with database access could. On
PostgreSQL the append-only triggers refuse raw SQL too; ``raw_sql`` switches them off inside the test's
own transaction first.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ledger.chart import BANK
from ledger.models import Account, Leg, Transaction
from ledger.services import transaction_reverse, transactions_post_bulk, tree_head_publish
from tests.ledger.ledger_data import gift, grant, moment, raw_sql, refund

pytestmark = pytest.mark.django_db

T0 = 1_767_225_600_000


@pytest.fixture
def ledger(books) -> list[Transaction]:
    """Ten transactions over five days (gifts, a grant, a refund, a reversal) and tree heads at 4 and 10."""
    first = transactions_post_bulk([gift(n, f"{100 + n}.00", when=moment(1 + n % 3, 9 + n)) for n in range(4)])
    tree_head_publish(timestamp_ms=T0)
    transactions_post_bulk([grant(1, "30.00", when=moment(4)), refund(1, "5.00", when=moment(4)), gift(4)])
    transaction_reverse(original=first[1], occurred_at=moment(5), source="test:reverse:1")
    transactions_post_bulk([gift(5, "0.01"), gift(6, "9999999.99")])
    tree_head_publish(timestamp_ms=T0 + 1)
    return list(Transaction.objects.order_by("sequence"))


def verify() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("verify_ledger", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def verify_fails() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match=r"Ledger verification FAILED: \d+ problem") as failed:
        call_command("verify_ledger", stdout=out, stderr=err)
    assert failed.value.returncode == 1  # the exit status from the command line
    return out.getvalue(), err.getvalue()


def test_a_good_ledger_verifies(ledger):
    assert len(ledger) == 10
    out, err = verify()
    assert "Checked 10 transactions, 20 legs, 8 interior nodes, 2 tree heads" in out
    assert "Ledger verified: OK" in out
    assert err == ""


def test_verifies_with_debug_on_as_in_development(ledger, settings):
    """DEBUG's cursor formats every statement with its parameters: a literal % in the SQL must survive that
    (``make run``'s SQLite database once failed here with "unsupported format character 'Y'")."""
    settings.DEBUG = True
    out, _ = verify()
    assert "Checked 10 transactions" in out and "Ledger verified: OK" in out


def test_an_empty_ledger_with_an_empty_tree_head_verifies(books):
    tree_head_publish(timestamp_ms=T0)
    out, _ = verify()
    assert "Checked 0 transactions" in out and "Ledger verified: OK" in out


def _first_leg(tx: Transaction) -> int:
    return Leg.objects.filter(transaction=tx).order_by("pk").values_list("pk", flat=True).first()


# Standard SQL quoting, the same on SQLite and PostgreSQL ("index" is a keyword).
UPDATE_NODE = 'UPDATE ledger_merklenode SET hash = %s WHERE "level" = %s AND "index" = %s'


# Each case: (the edit, the leaf index the report must name first, words the report must contain).
TAMPERING = {
    "leg amount": (
        lambda ledger: raw_sql(
            "ledger_leg", "UPDATE ledger_leg SET amount = %s WHERE id = %s", ["999.00", _first_leg(ledger[5])]
        ),
        5,
        ["leaf 5", "the rows differ from the public record", "debits and credits differ", "running totals"],
    ),
    "leg moved to another account": (
        lambda ledger: raw_sql(
            "ledger_leg",
            "UPDATE ledger_leg SET account_id = %s WHERE id = %s",
            [Account.objects.get(code="1001").pk, _first_leg(ledger[2])],
        ),
        2,
        ["leaf 2", "the rows differ from the public record", "account 1001: running totals"],
    ),
    "leg deleted": (
        lambda ledger: raw_sql("ledger_leg", "DELETE FROM ledger_leg WHERE id = %s", [_first_leg(ledger[7])]),
        7,
        ["leaf 7", "fewer than two legs"],
    ),
    "record text": (
        lambda ledger: raw_sql(
            "ledger_transaction",
            "UPDATE ledger_transaction SET record = REPLACE(record, %s, %s) WHERE sequence = 3",
            ["匿名", "张三丰"],
        ),
        3,
        ["leaf 3", "stored leaf hash does not match the record"],
    ),
    "kind": (
        lambda ledger: raw_sql("ledger_transaction", "UPDATE ledger_transaction SET kind = 'fee' WHERE sequence = 4"),
        4,
        ["leaf 4", "the rows differ from the public record"],
    ),
    "stored leaf hash": (
        lambda ledger: raw_sql("ledger_merklenode", UPDATE_NODE, [bytes(32), 0, 6]),
        6,
        ["leaf 6", "stored leaf hash does not match the record"],
    ),
    "interior node": (
        lambda ledger: raw_sql("ledger_merklenode", UPDATE_NODE, [bytes(32), 2, 1]),
        4,  # node (2, 1) covers leaves 4..7
        ["interior node (level 2, index 1) does not match its children"],
    ),
    "tree head root": (
        lambda ledger: raw_sql(
            "ledger_treehead", "UPDATE ledger_treehead SET root_hash = %s WHERE tree_size = 4", [bytes(32)]
        ),
        3,  # the head over leaves 0..3
        ["tree head size 4", "root does not match the leaves", "bad signature"],
    ),
    "tree head signature": (
        lambda ledger: raw_sql(
            "ledger_treehead", "UPDATE ledger_treehead SET signature = %s WHERE tree_size = 10", [bytes(64)]
        ),
        None,
        ["tree head size 10", "bad signature"],
    ),
    "tree head size": (
        lambda ledger: raw_sql("ledger_treehead", "UPDATE ledger_treehead SET tree_size = 11 WHERE tree_size = 10"),
        None,
        ["tree head for size 11 exceeds the 10 transactions stored", "bad signature"],
    ),
    "running total": (
        lambda ledger: raw_sql(
            "ledger_account", "UPDATE ledger_account SET debit_total = debit_total + 1 WHERE code = %s", [BANK]
        ),
        None,
        [f"account {BANK}: running totals"],
    ),
    "per-day total": (
        lambda ledger: raw_sql(
            "ledger_accountday",
            "UPDATE ledger_accountday SET credit = credit + 0.01 WHERE account_id = %s",
            [Account.objects.get(code=BANK).pk],
        ),
        None,
        [f"account {BANK}: per-day totals"],
    ),
}


NO_TRANSACTION_ID = {"interior node"}  # a node covers several leaves: the report names its first leaf only


@pytest.mark.parametrize("case", TAMPERING)
def test_tampering_fails_verification_and_names_the_first_bad_transaction(ledger, case):
    tamper, first_bad, words = TAMPERING[case]
    verify()  # good before
    tamper(ledger)

    out, err = verify_fails()

    assert "Ledger verified: OK" not in out
    for word in words:
        assert word in err, (word, err)
    if first_bad is None:
        assert "First bad transaction" not in err
    elif case in NO_TRANSACTION_ID:
        assert f"First bad transaction: leaf index {first_bad}, id (n/a)" in err
    else:
        assert f"First bad transaction: leaf index {first_bad}, id {ledger[first_bad].uuid}" in err


def test_a_gap_in_the_sequence_is_reported(ledger):
    """Deleting a whole transaction (legs, leaf and all) leaves a gap the verifier names."""
    tx = ledger[6]
    raw_sql("ledger_leg", "DELETE FROM ledger_leg WHERE transaction_id = %s", [tx.pk])
    raw_sql("ledger_transaction", "DELETE FROM ledger_transaction WHERE sequence = %s", [tx.pk])

    _, err = verify_fails()

    assert "sequence gap: expected leaf 6, found 7" in err
    assert f"First bad transaction: leaf index 6, id {ledger[7].uuid}" in err


def test_a_tree_head_re_signed_with_a_strangers_key_is_caught(books):
    """Someone with database access re-signs a head with their own key and stores that key beside it."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ledger import merkle
    from ledger.services.verification import ledger_verify

    transactions_post_bulk([gift(n) for n in range(3)])
    head = tree_head_publish()
    stranger = Ed25519PrivateKey.generate()
    forged = stranger.sign(merkle.tree_head_signature_input(head.timestamp_ms, head.tree_size, bytes(head.root_hash)))
    stranger_public = stranger.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    raw_sql(
        "ledger_treehead",
        "UPDATE ledger_treehead SET signature = %s, public_key = %s WHERE id = %s",
        [forged, stranger_public, head.pk],
    )
    report = ledger_verify()
    assert not report.ok
    assert any("not trusted" in problem for problem in report.problems)


def test_an_earlier_key_listed_as_trusted_still_verifies(books, settings):
    import base64

    from ledger.services.verification import ledger_verify
    from ledger.signing import public_key_bytes

    transactions_post_bulk([gift(n) for n in range(2)])
    tree_head_publish()
    old_public = base64.b64encode(public_key_bytes()).decode()
    settings.LEDGER_SIGNING_KEY = "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI="  # rotated to a new key
    assert not ledger_verify().ok
    settings.LEDGER_TRUSTED_PUBLIC_KEYS = [old_public]
    assert ledger_verify().ok
