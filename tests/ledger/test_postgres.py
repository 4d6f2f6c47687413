"""What only PostgreSQL guarantees: triggers that refuse changes and unbalanced transactions whatever the
client, and a writer lock that keeps the log gap-free under concurrent posting.

These run with real commits (``transaction=True``); on SQLite they are deselected, not passed.
``serialized_rollback`` puts back the migrations' rows (content types, Wagtail's root page) before each
test and skips re-creating them after the flush, which is what a later serialized test (the live verifier's)
expects to find: an empty database, not content types with new ids that clash with the serialized ones.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum

from ledger import merkle
from ledger.chart import BANK
from ledger.models import Account, Leg, Transaction, TreeHead
from ledger.selectors import root_for_size
from ledger.services import transactions_post_bulk, tree_head_publish
from tests.ledger.ledger_data import INCOME, expected_nodes, gift, post, stored_nodes, stored_records

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

THREADS = 8
PER_THREAD = 10
WAIT = 60  # seconds: a bound on a hang, never a timing assertion


def verify_ok() -> None:
    out = StringIO()
    call_command("verify_ledger", stdout=out, stderr=StringIO())
    assert "Ledger verified: OK" in out.getvalue()


# -- triggers -----------------------------------------------------------------------------------------

CHANGES = {
    "ledger_transaction": ("UPDATE ledger_transaction SET memo = 'x'", "DELETE FROM ledger_transaction"),
    "ledger_leg": ("UPDATE ledger_leg SET amount = amount + 1", "DELETE FROM ledger_leg"),
    "ledger_merklenode": ("UPDATE ledger_merklenode SET hash = sha256(hash)", "DELETE FROM ledger_merklenode"),
    "ledger_treehead": ("UPDATE ledger_treehead SET tree_size = tree_size + 1", "DELETE FROM ledger_treehead"),
}


def test_triggers_refuse_raw_update_and_delete(books):
    """One test for the four tables: each transactional test costs a flush of the whole database."""
    transactions_post_bulk([gift(n) for n in range(3)])
    tree_head_publish(timestamp_ms=1_767_225_600_000)

    for table, statements in CHANGES.items():
        for statement in statements:
            operation = statement.split()[0]
            with pytest.raises(IntegrityError, match=f"append-only: {operation} on {table} refused"):
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(statement)

    assert Transaction.objects.count() == 3
    verify_ok()


def _insert_transaction(cursor, sequence: int) -> None:
    cursor.execute(
        "INSERT INTO ledger_transaction (sequence, uuid, occurred_at, recorded_at, kind, memo, source, record) "
        "VALUES (%s, %s, now(), now(), 'donation', '', %s, '{}')",
        [sequence, uuid.UUID(int=sequence + 1), f"raw:{sequence}"],
    )


def _insert_leg(cursor, sequence: int, code: str, side: str, amount: str, currency: str = "CNY") -> None:
    cursor.execute(
        "INSERT INTO ledger_leg (transaction_id, account_id, side, amount, currency) "
        "VALUES (%s, (SELECT id FROM ledger_account WHERE code = %s), %s, %s, %s)",
        [sequence, code, side, Decimal(amount), currency],
    )


BYPASSES = {
    "unbalanced": ([(BANK, "D", "100.00"), (INCOME, "C", "90.00")], "is unbalanced in CNY: debits 100.00 <> credits"),
    "one leg": ([(BANK, "D", "100.00")], "has 1 leg(s); double entry needs at least two"),
    "no legs": ([], "has 0 leg(s)"),
    "balanced in total but not per currency": (
        [(BANK, "D", "100.00", "CNY"), (INCOME, "C", "100.00", "USD")],
        "is unbalanced in",
    ),
}


def test_a_transaction_written_behind_the_service_is_refused_at_commit(books):
    for case, (legs, message) in BYPASSES.items():
        with pytest.raises(IntegrityError, match=re.escape(message)):
            with transaction.atomic(), connection.cursor() as cursor:
                _insert_transaction(cursor, 0)
                for leg in legs:
                    _insert_leg(cursor, 0, *leg)
                # The statements themselves are accepted: the check is deferred to COMMIT.
                assert Transaction.objects.filter(sequence=0).exists(), case
        assert (Transaction.objects.count(), Leg.objects.count()) == (0, 0), case

    # It refuses what is wrong, not everything: a balanced raw insert commits.
    with transaction.atomic(), connection.cursor() as cursor:
        _insert_transaction(cursor, 0)
        _insert_leg(cursor, 0, BANK, "D", "100.00")
        _insert_leg(cursor, 0, INCOME, "C", "60.00")
        _insert_leg(cursor, 0, INCOME, "C", "40.00")
    assert Leg.objects.filter(transaction_id=0).count() == 3


# -- concurrency --------------------------------------------------------------------------------------


def run_threads(targets: list[Callable[[], object]]) -> list[object]:
    """Start every target at once (a barrier) on its own connection; return their results in order."""
    barrier = threading.Barrier(len(targets))
    results: list[object] = [None] * len(targets)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=WAIT)
            results[i] = targets[i]()
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()  # each thread has its own connection; the test database must be droppable

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(targets))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT)
    assert not any(thread.is_alive() for thread in threads), "a posting thread hung"
    assert errors == []
    return results


def test_eight_threads_posting_the_same_source_make_one_transaction(books):
    results = run_threads([lambda: post(gift(1, "100.00")).uuid for _ in range(THREADS)])

    assert len(set(results)) == 1
    assert Transaction.objects.count() == 1
    assert Leg.objects.count() == 2
    bank = Account.objects.get(code=BANK)
    assert (bank.debit_total, bank.credit_total) == (Decimal("100.00"), Decimal("0.00"))
    verify_ok()


def _poster(thread: int) -> Callable[[], list[int]]:
    """Even threads post one at a time, odd threads in one bulk; amounts and sources fixed per thread."""
    requests = [gift(thread * PER_THREAD + k, f"{thread + 1}.{k:02d}") for k in range(PER_THREAD)]
    if thread % 2:
        return lambda: [tx.sequence for tx in transactions_post_bulk(requests)]
    return lambda: [post(request).sequence for request in requests]


def _publisher() -> list[int]:
    return [tree_head_publish().tree_size for _ in range(5)]


def test_concurrent_postings_keep_the_log_gap_free_and_consistent(books):
    results = run_threads([_poster(i) for i in range(THREADS)] + [_publisher])
    total = THREADS * PER_THREAD

    posted = [sequence for result in results[:THREADS] for sequence in result]
    assert sorted(posted) == list(range(total))
    for sequences in results[:THREADS]:
        assert sequences == sorted(sequences)  # each thread's postings in its own order
    assert list(Transaction.objects.values_list("sequence", flat=True)) == list(range(total))

    leaves = [merkle.leaf_hash(record) for record in stored_records()]
    assert root_for_size(total) == merkle.root_from_leaf_hashes(leaves)
    assert stored_nodes() == expected_nodes(leaves)
    heads = list(TreeHead.objects.order_by("timestamp_ms"))
    assert len(heads) == 5
    assert [h.tree_size for h in heads] == sorted(h.tree_size for h in heads)  # the log only grows
    for head in heads:
        assert bytes(head.root_hash) == merkle.root_from_leaf_hashes(leaves[: head.tree_size])

    for account in Account.objects.all():
        sums = {
            side: Leg.objects.filter(account=account, side=side).aggregate(s=Sum("amount"))["s"] or Decimal("0")
            for side in ("D", "C")
        }
        assert (account.debit_total, account.credit_total) == (sums["D"], sums["C"]), account.code
    expected = sum(Decimal(f"{i + 1}.{k:02d}") for i in range(THREADS) for k in range(PER_THREAD))
    assert Account.objects.get(code=BANK).debit_total == expected
    verify_ok()


def _advisory_lock_waiters() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        return cursor.fetchone()[0]


class CallerFailed(Exception):
    pass


@pytest.mark.parametrize("outcome", ["commit", "rollback"])
def test_the_writer_lock_is_held_until_the_callers_transaction_ends(books, outcome):
    """A posting inside a caller's transaction blocks the next writer until that transaction ends, so
    the next writer's sequence follows what was committed: 1 after a commit, 0 again after a rollback."""
    a_posted, release_a = threading.Event(), threading.Event()

    def caller() -> int:
        try:
            with transaction.atomic():
                sequence = post(gift(1)).sequence
                a_posted.set()
                release_a.wait(WAIT)
                if outcome == "rollback":
                    raise CallerFailed
            return sequence
        except CallerFailed:
            return sequence

    def next_writer() -> int:
        a_posted.wait(WAIT)
        return post(gift(2)).sequence

    def coordinator() -> None:
        a_posted.wait(WAIT)
        deadline = time.monotonic() + WAIT
        while _advisory_lock_waiters() == 0:  # the next writer is queued behind the caller's lock
            assert time.monotonic() < deadline, "the next writer never waited for the lock"
            time.sleep(0.01)
        assert Transaction.objects.count() == 0  # nothing committed yet, and the next writer is blocked
        release_a.set()

    first, second, _ = run_threads([caller, next_writer, coordinator])

    assert first == 0
    assert second == (1 if outcome == "commit" else 0)
    assert Transaction.objects.count() == (2 if outcome == "commit" else 1)
    verify_ok()
