"""The posting API: double entry, canonical records, idempotency, refusals, atomicity and the log."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import uuid
from datetime import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from ledger import merkle
from ledger.chart import BANK
from ledger.models import Account, Leg, MerkleNode, Transaction, TransactionKind
from ledger.selectors import account_balance, root_for_size
from ledger.services import LegSpec, PostingError, transactions_post_bulk
from tests.ledger.ledger_data import (
    EXPENSE,
    FUND,
    INCOME,
    expected_nodes,
    gift,
    grant,
    moment,
    post,
    snapshot,
    stored_nodes,
    stored_records,
)

pytestmark = pytest.mark.django_db

UTC_SECOND = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def test_a_balanced_posting_writes_the_transaction_its_legs_and_the_totals(books):
    tx = post(gift(1, "100.00", when=moment(1, 10)))

    assert tx.sequence == 0
    assert tx.kind == TransactionKind.DONATION
    assert tx.source == "test:gift:1"
    stored = Transaction.objects.get(pk=tx.pk)
    assert stored.uuid == tx.uuid
    assert stored.occurred_at == moment(1, 10)
    legs = sorted(stored.legs.values_list("account__code", "side", "amount", "currency"))
    assert legs == [(BANK, "D", Decimal("100.00"), "CNY"), (INCOME, "C", Decimal("100.00"), "CNY")]
    bank = Account.objects.get(code=BANK)
    assert (bank.debit_total, bank.credit_total) == (Decimal("100.00"), Decimal("0.00"))
    assert Account.objects.get(code=INCOME).credit_total == Decimal("100.00")
    assert account_balance(bank) == Decimal("100.00")


def test_sequences_are_gap_free_from_zero_across_single_and_bulk_postings(books):
    singles = [post(gift(n)) for n in range(3)]
    batch = transactions_post_bulk([gift(n) for n in range(3, 8)])
    last = post(grant(1, "10.00"))

    sequences = [tx.sequence for tx in [*singles, *batch, last]]
    assert sequences == list(range(9))
    assert list(Transaction.objects.values_list("sequence", flat=True)) == list(range(9))
    leaf_indexes = [json.loads(record)["leaf_index"] for record in stored_records()]
    assert leaf_indexes == list(range(9))


def test_the_public_record_is_canonical_json(books):
    occurred = datetime(2026, 3, 1, 10, 0, 7, 123456, tzinfo=moment().tzinfo)  # 02:00:07Z, micro-seconds dropped
    request = gift(1, when=occurred)
    tx = post(request, legs=[LegSpec(BANK, "D", Decimal("100")), LegSpec(INCOME, "C", Decimal("100"))])

    text = Transaction.objects.get(pk=tx.pk).record
    record = json.loads(text)
    assert text == json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert "匿名" in text  # UTF-8, not \u escapes
    assert record == {
        "v": 1,
        "leaf_index": 0,
        "id": str(tx.uuid),
        "kind": "donation",
        "occurred_at": "2026-03-01T02:00:07Z",
        "recorded_at": record["recorded_at"],
        "legs": [
            {"account": BANK, "side": "D", "amount": "100.00", "currency": "CNY"},
            {"account": INCOME, "side": "C", "amount": "100.00", "currency": "CNY"},
        ],
        "details": {"fund": FUND, "donor": "匿名", "channel": "bank"},
        "reverses": None,
    }
    assert UTC_SECOND.match(record["recorded_at"])
    assert tx.record_bytes == text.encode("utf-8")


def test_amounts_in_the_record_always_have_two_decimals(books):
    legs = [LegSpec(BANK, "D", Decimal("0.5")), LegSpec(INCOME, "C", Decimal("0.50"))]
    tx = post(gift(1), legs=legs)
    assert [leg["amount"] for leg in json.loads(tx.record)["legs"]] == ["0.50", "0.50"]


def test_the_stored_leaf_hash_is_sha256_of_zero_and_the_record_bytes(books):
    transactions_post_bulk([gift(n) for n in range(5)])

    for tx in Transaction.objects.order_by("sequence"):
        stored = bytes(MerkleNode.objects.get(level=0, index=tx.sequence).hash)
        assert stored == merkle.leaf_hash(tx.record.encode("utf-8"))
        assert stored == hashlib.sha256(b"\x00" + tx.record.encode("utf-8")).digest()


# -- idempotency ------------------------------------------------------------------------------------


def test_posting_the_same_source_again_returns_the_first_transaction_and_writes_nothing(books):
    first = post(gift(1, "100.00"))
    before = snapshot()

    again = post(gift(1, "100.00"))
    different_amount = post(gift(1, "999.00"))

    assert again.pk == first.pk and again.uuid == first.uuid
    assert different_amount.pk == first.pk
    assert snapshot() == before
    assert account_balance(Account.objects.get(code=BANK)) == Decimal("100.00")


def test_a_source_repeated_within_one_bulk_is_posted_once(books):
    posted = transactions_post_bulk([gift(1, "100.00"), gift(2, "20.00"), gift(1, "55.00")])

    assert [tx.sequence for tx in posted] == [0, 1, 0]
    assert posted[0] is posted[2]
    assert Transaction.objects.count() == 2
    assert Account.objects.get(code=BANK).debit_total == Decimal("120.00")


def test_a_bulk_mixing_posted_and_new_sources_appends_only_the_new_ones(books):
    earlier = post(gift(1))
    posted = transactions_post_bulk([gift(2), gift(1), gift(3)])

    assert [tx.sequence for tx in posted] == [1, 0, 2]
    assert posted[1].uuid == earlier.uuid
    assert Transaction.objects.count() == 3


# -- refusals -----------------------------------------------------------------------------------------

D, C = "D", "C"
REFUSALS = {
    "unbalanced": (
        {"legs": [LegSpec(BANK, D, Decimal("100.00")), LegSpec(INCOME, C, Decimal("90.00"))]},
        "借贷不平衡(CNY 借方 100.00,贷方 90.00)",
    ),
    "one leg": ({"legs": [LegSpec(BANK, D, Decimal("100.00"))]}, "复式记账至少需要两条分录"),
    "no legs": ({"legs": []}, "复式记账至少需要两条分录"),
    "zero amount": (
        {"legs": [LegSpec(BANK, D, Decimal("0.00")), LegSpec(INCOME, C, Decimal("0.00"))]},
        "分录金额必须大于 0",
    ),
    "negative amount": (
        {"legs": [LegSpec(BANK, D, Decimal("-5.00")), LegSpec(INCOME, C, Decimal("-5.00"))]},
        "分录金额必须大于 0",
    ),
    "float amount": ({"legs": [LegSpec(BANK, D, 100.0), LegSpec(INCOME, C, 100.0)]}, "金额必须用 Decimal,不能用浮点数"),
    "three decimals": (
        {"legs": [LegSpec(BANK, D, Decimal("100.005")), LegSpec(INCOME, C, Decimal("100.005"))]},
        "金额最多两位小数",
    ),
    "not a number": ({"legs": [LegSpec(BANK, D, "abc"), LegSpec(INCOME, C, "abc")]}, "金额格式不正确"),
    "bad side": (
        {"legs": [LegSpec(BANK, "X", Decimal("1.00")), LegSpec(INCOME, C, Decimal("1.00"))]},
        "分录方向必须是 D(借)或 C(贷)",
    ),
    "unknown account": (
        {"legs": [LegSpec("9999", D, Decimal("100.00")), LegSpec(INCOME, C, Decimal("100.00"))]},
        "会计科目不存在:9999",
    ),
    "wrong currency": (
        {"legs": [LegSpec(BANK, D, Decimal("1.00"), "USD"), LegSpec(INCOME, C, Decimal("1.00"), "USD")]},
        "科目 1002 的币种不是 USD",
    ),
    "naive datetime": ({"occurred_at": datetime(2026, 3, 1, 10)}, "发生时间必须带时区"),  # noqa: DTZ001
    "unknown kind": ({"kind": "gift"}, "未知的交易类型 'gift'"),
    "no source": ({"source": ""}, "每笔交易必须有来源(source)"),
    "phone number": ({"public_record": {"note": "联系电话 13812345678"}}, "疑似包含手机号"),
    "18-digit id": ({"public_record": {"note": "身份证 110101199003074518"}}, "疑似包含身份证号"),
    "key named phone": ({"public_record": {"phone": "hidden"}}, "公开记录不能包含个人信息字段「public_record.phone」"),
    "nested personal key": (
        {"public_record": {"beneficiary": {"id_number": "x"}}},
        "个人信息字段「public_record.beneficiary.id_number」",
    ),
    "float in record": ({"public_record": {"amount": 12.5}}, "不能用浮点数"),
    "reversal kind without the reversal api": ({"kind": TransactionKind.REVERSAL}, "冲正交易必须且只能由冲正接口生成"),
}


@pytest.mark.parametrize(("changes", "message"), REFUSALS.values(), ids=REFUSALS.keys())
def test_a_refused_posting_says_why_in_chinese_and_writes_nothing(books, changes, message):
    post(gift(1))
    before = snapshot()

    with pytest.raises(PostingError) as refused:
        post(gift(2), **changes)

    assert message in str(refused.value)
    assert snapshot() == before
    assert post(gift(3)).sequence == 1  # and the log carries on with no gap


def test_a_reversal_with_reverses_set_is_still_refused_outside_the_reversal_api(books):
    """Only transaction_reverse may post a reversal; it alone refuses reversing a reversal or twice."""
    original = post(gift(1))
    before = snapshot()
    swapped = [LegSpec(BANK, C, Decimal("100.00")), LegSpec(INCOME, D, Decimal("100.00"))]

    for kind in (TransactionKind.REVERSAL, TransactionKind.REFUND):
        with pytest.raises(PostingError, match="冲正交易必须且只能由冲正接口生成"):
            post(gift(2), kind=kind, legs=swapped, reverses=original)
        with pytest.raises(PostingError, match="冲正交易必须且只能由冲正接口生成"):
            transactions_post_bulk([dataclasses.replace(gift(3), kind=kind, legs=swapped, reverses=original)])

    assert snapshot() == before


def test_a_bulk_with_one_bad_request_writes_none_of_them(books):
    bad = grant(1, "10.00", expense="5101.NOPE")
    with pytest.raises(PostingError, match="会计科目不存在:5101.NOPE"):
        transactions_post_bulk([gift(1), gift(2), bad])
    assert Transaction.objects.count() == 0
    assert Leg.objects.count() == 0
    assert MerkleNode.objects.count() == 0
    assert Account.objects.get(code=BANK).debit_total == Decimal("0.00")


# -- atomic with the caller ------------------------------------------------------------------------


class CallerFailed(Exception):
    pass


def test_a_posting_rolls_back_with_the_callers_transaction(books):
    post(gift(1))
    before = snapshot()

    with pytest.raises(CallerFailed), transaction.atomic():
        inside = post(gift(2, "50.00"))
        assert inside.sequence == 1
        assert Account.objects.get(code=BANK).debit_total == Decimal("150.00")
        raise CallerFailed

    assert snapshot() == before
    assert not Transaction.objects.filter(source="test:gift:2").exists()
    next_one = post(gift(3))
    assert next_one.sequence == 1
    assert account_balance(Account.objects.get(code=BANK)) == Decimal("200.00")


# -- the Merkle log ------------------------------------------------------------------------------------


@pytest.fixture
def restart_ids(monkeypatch):
    """Fixed recording time and transaction ids 1, 2, 3…; calling the fixture's value restarts the ids.

    With them, posting the same requests twice gives byte-identical records.
    """
    fixed_now = timezone.now().replace(microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: fixed_now)

    def restart() -> None:
        counter = iter(range(1, 10**6))
        monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(int=next(counter)))

    restart()
    return restart


def _assert_log_matches_a_rebuild_from_the_records(*, every_size: bool = True) -> bytes:
    """Every stored subtree hash, and the root at every size, equals a from-scratch rebuild."""
    leaves = [merkle.leaf_hash(record) for record in stored_records()]
    assert stored_nodes() == expected_nodes(leaves)
    for size in range(len(leaves) + 1) if every_size else []:
        assert root_for_size(size) == merkle.root_from_leaf_hashes(leaves[:size]), size
    root = root_for_size(len(leaves))
    assert root == merkle.root_from_leaf_hashes(leaves)
    return root


def test_bulk_posting_gives_the_same_log_as_posting_one_by_one(books, restart_ids):
    requests = [gift(n, f"{n + 1}.{n % 100:02d}", when=moment(1 + n % 28, n % 24)) for n in range(500)]

    with pytest.raises(CallerFailed), transaction.atomic():
        transactions_post_bulk(requests)
        bulk_records = stored_records()
        bulk_root = _assert_log_matches_a_rebuild_from_the_records(every_size=False)
        raise CallerFailed  # throw the bulk ledger away; post the same requests again, one at a time

    assert Transaction.objects.count() == 0
    restart_ids()
    for request in requests:
        post(request)

    assert stored_records() == bulk_records
    assert _assert_log_matches_a_rebuild_from_the_records() == bulk_root
    assert bulk_root == merkle.root_from_leaf_hashes(merkle.leaf_hash(r) for r in bulk_records)


def test_bulks_of_awkward_sizes_extend_the_log_correctly(books):
    """Bulks starting and ending off powers of two merge the frontier right."""
    n = 0
    for size in (1, 2, 5, 1, 8, 13, 3):
        transactions_post_bulk([gift(n + i) for i in range(size)])
        n += size
    assert n == 33
    _assert_log_matches_a_rebuild_from_the_records()


def test_postings_to_two_funds_keep_each_accounts_totals(books):
    transactions_post_bulk([gift(1, "100.00"), gift(2, "40.00"), grant(1, "30.00")])
    assert Account.objects.get(code=INCOME).credit_total == Decimal("140.00")
    assert Account.objects.get(code=EXPENSE).debit_total == Decimal("30.00")
    bank = Account.objects.get(code=BANK)
    assert (bank.debit_total, bank.credit_total) == (Decimal("140.00"), Decimal("30.00"))
