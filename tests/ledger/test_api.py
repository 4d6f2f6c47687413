"""The public ledger API under /api/ledger/v1/, checked as a client would check it (RFC 6962 §4).

Every answer is verified with :mod:`ledger.merkle` and the Ed25519 key derived from the settings, not
with the server's own selectors: a root, proof or signature that merely looks right fails here.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger import merkle
from ledger.chart import BANK, chart_ensure, fund_accounts_ensure
from ledger.models import MerkleNode, Transaction, TransactionKind, TreeHead
from ledger.services import LegSpec, PostingRequest, transactions_post_bulk, tree_head_publish

pytestmark = pytest.mark.django_db

API = "/api/ledger/v1/"
SHANGHAI = ZoneInfo("Asia/Shanghai")
PUBLISHED_SIZES = (5, 8, 13)
LOG_SIZE = 15  # two entries posted after the last tree head: not yet covered by any
FIRST_TIMESTAMP_MS = 1_767_225_600_000


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def donations(start: int, count: int) -> list[PostingRequest]:
    return [
        PostingRequest(
            kind=TransactionKind.DONATION,
            occurred_at=datetime(2026, 1, 1 + n % 28, 10, tzinfo=SHANGHAI),
            legs=[LegSpec(BANK, "D", Decimal(f"{100 + n}.50")), LegSpec("4101.API", "C", Decimal(f"{100 + n}.50"))],
            source=f"test:api:{n}",
            public_record={"fund": "API", "donor": "匿名" if n % 2 else f"捐赠人{n}"},
        )
        for n in range(start, start + count)
    ]


@dataclass
class Log:
    heads: dict[int, TreeHead]

    @property
    def latest(self) -> TreeHead:
        return self.heads[max(self.heads)]


@pytest.fixture
def log() -> Log:
    """A log of 15 entries with tree heads published at sizes 5, 8 and 13."""
    chart_ensure()
    fund_accounts_ensure(fund_code="API", fund_name="接口测试", restricted=True)
    heads, posted = {}, 0
    for n, size in enumerate([*PUBLISHED_SIZES, LOG_SIZE]):
        transactions_post_bulk(donations(posted, size - posted))
        posted = size
        if size in PUBLISHED_SIZES:
            heads[size] = tree_head_publish(timestamp_ms=FIRST_TIMESTAMP_MS + n * 60_000)
    return Log(heads)


def settings_public_key(settings) -> bytes:
    """The public half of the test signing key, derived here rather than asked of the server."""
    private = Ed25519PrivateKey.from_private_bytes(base64.b64decode(settings.LEDGER_SIGNING_KEY))
    return private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def stored_leaf_inputs() -> list[bytes]:
    return [text.encode("utf-8") for text in Transaction.objects.order_by("sequence").values_list("record", flat=True)]


def root_of(size: int) -> bytes:
    return merkle.root_from_leaf_hashes(merkle.leaf_hash(data) for data in stored_leaf_inputs()[:size])


def get_json(client, endpoint: str, status: int = 200, **params) -> dict:
    response = client.get(API + endpoint, params)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


# -- get-sth and public-key ----------------------------------------------------------------------------------


def test_get_sth_is_the_latest_published_head_signed_by_the_settings_key(client, log, settings):
    sth = get_json(client, "get-sth")

    assert set(sth) == {"tree_size", "timestamp", "sha256_root_hash", "tree_head_signature"}
    assert sth["tree_size"] == 13, "entries posted after the last tree head are not served as signed"
    assert sth["timestamp"] == log.latest.timestamp_ms
    root = unb64(sth["sha256_root_hash"])
    assert root == root_of(13), "the root is MTH of the first 13 stored records"
    key = unb64(get_json(client, "public-key")["key"])
    assert key == settings_public_key(settings)
    signature = unb64(sth["tree_head_signature"])
    assert len(signature) == 64
    message = merkle.tree_head_signature_input(sth["timestamp"], sth["tree_size"], root)
    assert len(message) == 50
    Ed25519PublicKey.from_public_bytes(key).verify(signature, message)
    with pytest.raises(InvalidSignature):  # the signature covers the size: it is not just any signature
        Ed25519PublicKey.from_public_bytes(key).verify(
            signature, merkle.tree_head_signature_input(sth["timestamp"], 14, root)
        )


def test_public_key_is_base64_of_the_raw_32_bytes(client, db, settings):
    data = get_json(client, "public-key")
    assert len(unb64(data["key"])) == 32
    assert unb64(data["key"]) == settings_public_key(settings)


def test_get_sth_before_any_tree_head_is_a_400_with_a_message(client, db):
    data = get_json(client, "get-sth", status=400)
    assert isinstance(data["error"], str) and data["error"]


# -- get-entries ---------------------------------------------------------------------------------------------


def test_get_entries_is_inclusive_and_serves_the_exact_hashed_bytes(client, log):
    entries = get_json(client, "get-entries", start=2, end=6)["entries"]

    assert [entry["leaf_index"] for entry in entries] == [2, 3, 4, 5, 6]
    stored = stored_leaf_inputs()
    leaves = dict(MerkleNode.objects.filter(level=0).values_list("index", "hash"))
    for entry in entries:
        data = unb64(entry["leaf_input"])
        assert data == stored[entry["leaf_index"]]
        assert merkle.leaf_hash(data) == bytes(leaves[entry["leaf_index"]])
        assert entry["record"] == json.loads(data)
        assert entry["record"]["leaf_index"] == entry["leaf_index"]


def test_get_entries_single_entry_and_a_range_past_the_end(client, log):
    assert [e["leaf_index"] for e in get_json(client, "get-entries", start=4, end=4)["entries"]] == [4]
    # RFC 6962 §4.6: a log may return fewer entries than asked for, never ones outside the range, and only
    # entries its latest signed tree head (size 13) covers: 13 and 14 are posted but not signed yet.
    tail = get_json(client, "get-entries", start=11, end=1000)["entries"]
    assert [e["leaf_index"] for e in tail] == [11, 12]


def test_get_entries_refuses_entries_no_tree_head_covers_yet(client, log):
    response = client.get("/api/ledger/v1/get-entries", {"start": 13, "end": 14})
    assert response.status_code == 400
    assert "latest tree head covers 13" in response.json()["error"]


def test_get_entries_page_size_is_bounded_by_the_setting(client, log, settings):
    settings.LEDGER_PAGE_SIZE = 4

    first = get_json(client, "get-entries", start=0, end=12)["entries"]
    later = get_json(client, "get-entries", start=9, end=14)["entries"]

    assert [e["leaf_index"] for e in first] == [0, 1, 2, 3]
    assert [e["leaf_index"] for e in later] == [9, 10, 11, 12]  # the page bound and the signed size agree here


def test_paging_through_get_entries_rebuilds_the_signed_root(client, log, settings):
    settings.LEDGER_PAGE_SIZE = 3
    size, leaves = get_json(client, "get-sth")["tree_size"], []
    while len(leaves) < size:
        page = get_json(client, "get-entries", start=len(leaves), end=size - 1)["entries"]
        leaves += [merkle.leaf_hash(unb64(entry["leaf_input"])) for entry in page]
    assert merkle.root_from_leaf_hashes(leaves) == unb64(get_json(client, "get-sth")["sha256_root_hash"])


# -- get-proof-by-hash ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", PUBLISHED_SIZES)
def test_every_leaf_has_an_audit_path_to_every_published_root_that_covers_it(client, log, size):
    root = bytes(log.heads[size].root_hash)
    assert root == root_of(size)
    for index, data in enumerate(stored_leaf_inputs()[:size]):
        leaf = merkle.leaf_hash(data)
        proof = get_json(client, "get-proof-by-hash", hash=b64(leaf), tree_size=size)

        assert proof["leaf_index"] == index
        path = [unb64(node) for node in proof["audit_path"]]
        merkle.verify_inclusion(leaf, index, size, path, root)


def test_a_proof_for_a_leaf_beyond_the_tree_size_is_a_400(client, log):
    leaf = merkle.leaf_hash(stored_leaf_inputs()[7])
    data = get_json(client, "get-proof-by-hash", status=400, hash=b64(leaf), tree_size=5)
    assert data["error"]


@pytest.mark.parametrize("size", [1, 6, 14, 15, 16])
def test_proofs_are_only_answered_for_published_tree_sizes(client, log, size):
    leaf = merkle.leaf_hash(stored_leaf_inputs()[0])
    data = get_json(client, "get-proof-by-hash", status=400, hash=b64(leaf), tree_size=size)
    assert str(size) in data["error"]


# -- get-sth-consistency -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("first", "second"), [(5, 8), (5, 13), (8, 13), (13, 13), (5, 5)])
def test_consistency_between_published_heads_verifies(client, log, first, second):
    proof = get_json(client, "get-sth-consistency", first=first, second=second)["consistency"]

    first_root, second_root = bytes(log.heads[first].root_hash), bytes(log.heads[second].root_hash)
    merkle.verify_consistency(first, second, first_root, second_root, [unb64(node) for node in proof])
    if first < second:
        assert proof, "a growing log needs a non-empty proof"
        with pytest.raises(merkle.ProofError):  # the proof binds both roots
            merkle.verify_consistency(first, second, first_root, root_of(second - 1), [unb64(n) for n in proof])


@pytest.mark.parametrize(("first", "second"), [(5, 15), (6, 13), (5, 14), (0, 13)])
def test_consistency_needs_two_published_sizes(client, log, first, second):
    data = get_json(client, "get-sth-consistency", status=400, first=first, second=second)
    assert data["error"]


# -- malformed requests --------------------------------------------------------------------------------------

HUGE = "9" * 30
INT64_OVERFLOW = str(2**63)
TOO_LONG_FOR_INT = "9" * 5000  # int() refuses strings over 4300 digits
MALFORMED = [
    ("get-entries", {}),
    ("get-entries", {"start": "0"}),
    ("get-entries", {"end": "3"}),
    ("get-entries", {"start": "", "end": "3"}),
    ("get-entries", {"start": "-1", "end": "3"}),
    ("get-entries", {"start": "a", "end": "3"}),
    ("get-entries", {"start": "1.5", "end": "3"}),
    ("get-entries", {"start": "1", "end": "0x3"}),
    ("get-entries", {"start": "²", "end": "3"}),  # a Unicode digit that int() refuses
    ("get-entries", {"start": "5", "end": "2"}),
    ("get-entries", {"start": "15", "end": "20"}),  # nothing there yet
    ("get-entries", {"start": HUGE, "end": HUGE}),
    ("get-entries", {"start": INT64_OVERFLOW, "end": INT64_OVERFLOW}),
    ("get-entries", {"start": "0", "end": TOO_LONG_FOR_INT}),
    ("get-proof-by-hash", {"tree_size": "13"}),
    ("get-proof-by-hash", {"hash": "not base64!", "tree_size": "13"}),
    ("get-proof-by-hash", {"hash": "AAAA===", "tree_size": "13"}),
    ("get-proof-by-hash", {"hash": b64(bytes(31)), "tree_size": "13"}),
    ("get-proof-by-hash", {"hash": b64(bytes(33)), "tree_size": "13"}),
    ("get-proof-by-hash", {"hash": b64(bytes(32)), "tree_size": "13"}),  # unknown leaf
    ("get-proof-by-hash", {"hash": "LEAF"}),
    ("get-proof-by-hash", {"hash": "LEAF", "tree_size": "0"}),
    ("get-proof-by-hash", {"hash": "LEAF", "tree_size": "-13"}),
    ("get-proof-by-hash", {"hash": "LEAF", "tree_size": "thirteen"}),
    ("get-proof-by-hash", {"hash": "LEAF", "tree_size": HUGE}),
    ("get-proof-by-hash", {"hash": "LEAF", "tree_size": INT64_OVERFLOW}),
    ("get-sth-consistency", {}),
    ("get-sth-consistency", {"first": "5"}),
    ("get-sth-consistency", {"second": "13"}),
    ("get-sth-consistency", {"first": "13", "second": "5"}),
    ("get-sth-consistency", {"first": "-5", "second": "13"}),
    ("get-sth-consistency", {"first": "5", "second": "1e1"}),
    ("get-sth-consistency", {"first": "5", "second": HUGE}),
    ("get-sth-consistency", {"first": "5", "second": INT64_OVERFLOW}),
    ("get-sth-consistency", {"first": TOO_LONG_FOR_INT, "second": TOO_LONG_FOR_INT}),
]


@pytest.mark.parametrize(("endpoint", "params"), MALFORMED, ids=[f"{e}?{str(p)[:60]}" for e, p in MALFORMED])
def test_malformed_or_out_of_range_parameters_are_a_400_with_a_json_message(client, log, endpoint, params):
    leaf = b64(merkle.leaf_hash(stored_leaf_inputs()[0]))
    params = {name: leaf if value == "LEAF" else value for name, value in params.items()}

    data = get_json(client, endpoint, status=400, **params)

    assert set(data) == {"error"}
    assert isinstance(data["error"], str) and data["error"]


@pytest.mark.parametrize(
    "endpoint",
    [
        "get-sth",
        "get-sth-consistency",
        "get-proof-by-hash",
        "get-entries",
        "public-key",
        "open-data/ledger.jsonl",
        "open-data/ledger.csv",
    ],
)
def test_the_api_is_read_only(client, log, endpoint):
    assert client.post(API + endpoint, {"start": 0, "end": 1}).status_code == 405
    assert client.put(API + endpoint).status_code == 405
    assert client.delete(API + endpoint).status_code == 405
    assert TreeHead.objects.count() == len(PUBLISHED_SIZES)
    assert Transaction.objects.count() == LOG_SIZE
