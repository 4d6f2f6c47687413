"""Signed tree heads: the RFC 6962 §3.5 input, signed with the configured Ed25519 key, over the true root."""

from __future__ import annotations

import base64
import struct
from io import StringIO

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.management import call_command

from ledger import merkle
from ledger.models import TreeHead
from ledger.services import transactions_post_bulk, tree_head_publish
from tests.ledger.ledger_data import gift, stored_records

pytestmark = pytest.mark.django_db

T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z in ms


def _configured_public_key() -> Ed25519PublicKey:
    """Derived here from the settings' seed, not through ledger.signing."""
    seed = base64.b64decode(settings.LEDGER_SIGNING_KEY)
    return Ed25519PrivateKey.from_private_bytes(seed).public_key()


def _signed_bytes(timestamp_ms: int, tree_size: int, root: bytes) -> bytes:
    """RFC 6962 §3.5 TreeHeadSignature: version v1 (0), signature_type tree_hash (1), uint64 timestamp,
    uint64 tree_size, the 32-byte root; big-endian."""
    return bytes([0, 1]) + struct.pack(">Q", timestamp_ms) + struct.pack(">Q", tree_size) + root


def _recomputed_root() -> bytes:
    return merkle.root_from_leaf_hashes(merkle.leaf_hash(record) for record in stored_records())


def test_a_tree_head_signs_the_50_byte_input_with_the_configured_key(books):
    transactions_post_bulk([gift(n) for n in range(7)])

    head = tree_head_publish(timestamp_ms=T0)

    assert (head.tree_size, head.timestamp_ms) == (7, T0)
    assert bytes(head.root_hash) == _recomputed_root()
    message = _signed_bytes(T0, 7, bytes(head.root_hash))
    assert len(message) == 50
    assert message == merkle.tree_head_signature_input(T0, 7, bytes(head.root_hash))
    key = _configured_public_key()
    key.verify(bytes(head.signature), message)  # raises InvalidSignature if wrong
    assert len(bytes(head.signature)) == 64
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert bytes(head.public_key) == raw


def test_the_signature_covers_every_field(books):
    transactions_post_bulk([gift(n) for n in range(3)])
    head = tree_head_publish(timestamp_ms=T0)
    root, key = bytes(head.root_hash), _configured_public_key()

    for altered in (_signed_bytes(T0 + 1, 3, root), _signed_bytes(T0, 4, root), _signed_bytes(T0, 3, bytes(32))):
        with pytest.raises(InvalidSignature):
            key.verify(bytes(head.signature), altered)


def test_the_empty_log_has_a_signed_head_over_the_empty_root(books):
    head = tree_head_publish(timestamp_ms=T0)
    assert head.tree_size == 0
    assert (
        bytes(head.root_hash)
        == merkle.EMPTY_ROOT
        == bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    )
    _configured_public_key().verify(bytes(head.signature), _signed_bytes(T0, 0, merkle.EMPTY_ROOT))


def test_each_head_describes_the_log_as_it_was(books):
    heads = []
    for batch in range(4):
        transactions_post_bulk([gift(10 * batch + n) for n in range(batch + 2)])
        heads.append(tree_head_publish(timestamp_ms=T0 + batch))
    leaves = [merkle.leaf_hash(record) for record in stored_records()]

    assert [head.tree_size for head in heads] == [2, 5, 9, 14]
    for head in heads:
        assert bytes(head.root_hash) == merkle.root_from_leaf_hashes(leaves[: head.tree_size])


def test_timestamps_never_go_backwards(books):
    first = tree_head_publish(timestamp_ms=T0)
    behind = tree_head_publish(timestamp_ms=T0 - 60_000)  # a clock that went back a minute
    same = tree_head_publish(timestamp_ms=behind.timestamp_ms)
    now = tree_head_publish()

    stamps = [first.timestamp_ms, behind.timestamp_ms, same.timestamp_ms, now.timestamp_ms]
    assert stamps[:3] == [T0, T0 + 1, T0 + 2]
    assert stamps == sorted(stamps) and len(set(stamps)) == 4
    for head in TreeHead.objects.all():  # the moved-up stamps are the ones that were signed
        message = _signed_bytes(head.timestamp_ms, head.tree_size, bytes(head.root_hash))
        _configured_public_key().verify(bytes(head.signature), message)


def test_the_publish_command_reports_the_head(books):
    transactions_post_bulk([gift(n) for n in range(3)])
    out = StringIO()
    call_command("publish_tree_head", stdout=out)
    head = TreeHead.objects.get()
    assert f"size 3, timestamp {head.timestamp_ms}" in out.getvalue()
    assert base64.b64encode(bytes(head.root_hash)).decode() in out.getvalue()
