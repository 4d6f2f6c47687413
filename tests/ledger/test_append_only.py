"""Append-only on the ORM: posted transactions, legs, Merkle nodes and tree heads cannot change or go.

(PostgreSQL's triggers, which refuse raw SQL too, are tested in test_postgres.py.)
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from ledger.chart import BANK
from ledger.models import Account, LedgerImmutableError, Leg, MerkleNode, Transaction, TreeHead
from ledger.services import tree_head_publish
from tests.ledger.ledger_data import gift, post, snapshot

pytestmark = pytest.mark.django_db

REFUSED = "账本记录只能追加,不能修改或删除"


@pytest.fixture
def posted(books) -> dict[str, object]:
    """Two posted transactions and a tree head over them, freshly loaded from the database."""
    post(gift(1))
    post(gift(2))
    tree_head_publish(timestamp_ms=1_767_225_600_000)
    return {
        "transaction": Transaction.objects.get(sequence=0),
        "leg": Leg.objects.order_by("pk").first(),
        "node": MerkleNode.objects.get(level=1, index=0),
        "tree_head": TreeHead.objects.get(),
    }


ROWS = ["transaction", "leg", "node", "tree_head"]
MODELS = {"transaction": Transaction, "leg": Leg, "node": MerkleNode, "tree_head": TreeHead}
UPDATES = {
    "transaction": {"memo": "改过"},
    "leg": {"amount": Decimal("1.00")},
    "node": {"hash": bytes(32)},
    "tree_head": {"tree_size": 99},
}


def _stored(instance, changes: dict) -> tuple:
    values = type(instance).objects.filter(pk=instance.pk).values_list(*changes).get()
    return tuple(bytes(v) if isinstance(v, memoryview) else v for v in values)


@pytest.mark.parametrize("row", ROWS)
def test_saving_a_posted_row_again_is_refused(posted, row):
    instance, changes = posted[row], UPDATES[row]
    stored = _stored(instance, changes)
    for name, value in changes.items():
        setattr(instance, name, value)

    with pytest.raises(LedgerImmutableError, match=REFUSED):
        instance.save()
    with pytest.raises(LedgerImmutableError, match=REFUSED):
        instance.save(update_fields=list(changes))

    assert _stored(instance, changes) == stored
    assert stored != tuple(changes.values())


@pytest.mark.parametrize("row", ROWS)
def test_deleting_a_posted_row_is_refused(posted, row):
    before = snapshot()
    with pytest.raises(LedgerImmutableError, match=REFUSED):
        posted[row].delete()
    assert snapshot() == before


@pytest.mark.parametrize("row", ROWS)
def test_queryset_update_delete_and_bulk_update_are_refused(posted, row):
    model, before = MODELS[row], snapshot()

    with pytest.raises(LedgerImmutableError, match=REFUSED):
        model.objects.all().update(**UPDATES[row])
    with pytest.raises(LedgerImmutableError, match=REFUSED):
        model.objects.filter(pk=posted[row].pk).delete()
    with pytest.raises(LedgerImmutableError, match=REFUSED):
        model.objects.all().delete()
    with pytest.raises(LedgerImmutableError, match=REFUSED):
        model.objects.bulk_update([posted[row]], fields=list(UPDATES[row]))

    assert snapshot() == before


def test_related_managers_are_append_only_too(posted):
    tx = posted["transaction"]
    with pytest.raises(LedgerImmutableError):
        tx.legs.update(amount=Decimal("1.00"))
    with pytest.raises(LedgerImmutableError):
        tx.legs.all().delete()
    assert tx.legs.count() == 2


def test_a_new_row_cannot_overwrite_a_posted_one(posted):
    """save() of a fresh instance always inserts: reusing a posted key fails instead of updating the row."""
    tx = posted["transaction"]
    impostor = Transaction(
        sequence=tx.sequence,
        occurred_at=tx.occurred_at,
        recorded_at=tx.recorded_at,
        kind=tx.kind,
        source="test:impostor",
        record="{}",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        impostor.save()
    stored = Transaction.objects.get(pk=tx.pk)
    assert (stored.uuid, stored.source, stored.record) == (tx.uuid, tx.source, tx.record)


def test_an_account_with_postings_cannot_be_deleted(posted):
    with pytest.raises(ProtectedError):
        Account.objects.get(code=BANK).delete()
    assert Account.objects.filter(code=BANK).exists()
