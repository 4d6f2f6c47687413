"""Corrections are reversal transactions: every leg's side swapped, naming the original, at most once."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

import pytest

from ledger import merkle
from ledger.chart import BANK, FUNDRAISING_COST
from ledger.models import Account, MerkleNode, Transaction, TransactionKind
from ledger.selectors import account_balance, fund_figures
from ledger.services import LegSpec, PostingError, transaction_reverse
from tests.ledger.ledger_data import FUND, INCOME, gift, moment, post, snapshot

pytestmark = pytest.mark.django_db


def _legs(tx: Transaction) -> list[tuple[str, str, Decimal]]:
    return list(tx.legs.order_by("pk").values_list("account__code", "side", "amount"))


def _reverse(original: Transaction, source: str = "test:reverse:1") -> Transaction:
    return transaction_reverse(original=original, occurred_at=moment(5), source=source, memo="录入错误")


@pytest.fixture
def original(books) -> Transaction:
    """A gift of 100.00 that arrived as 97.00 in the bank after a 3.00 payment fee."""
    legs = [
        LegSpec(BANK, "D", Decimal("97.00")),
        LegSpec(FUNDRAISING_COST, "D", Decimal("3.00")),
        LegSpec(INCOME, "C", Decimal("100.00")),
    ]
    return post(gift(1), legs=legs)


def test_a_reversal_swaps_every_legs_side_and_names_the_original(original):
    reversal = _reverse(original)

    assert reversal.kind == TransactionKind.REVERSAL
    assert reversal.sequence == original.sequence + 1
    assert reversal.reverses_id == original.pk
    assert Transaction.objects.get(pk=original.pk).reversal == reversal
    assert _legs(reversal) == [
        (BANK, "C", Decimal("97.00")),
        (FUNDRAISING_COST, "C", Decimal("3.00")),
        (INCOME, "D", Decimal("100.00")),
    ]
    record = json.loads(reversal.record)
    assert record["kind"] == "reversal"
    assert record["reverses"] == original.sequence
    assert record["details"] == {"reason": "冲正"}
    assert record["occurred_at"] == "2026-03-05T02:00:00Z"
    assert "录入错误" not in reversal.record  # the memo is internal
    assert reversal.memo == "录入错误"


def test_a_reversal_is_a_leaf_of_the_log_like_any_transaction(original):
    reversal = _reverse(original)
    stored = bytes(MerkleNode.objects.get(level=0, index=reversal.sequence).hash)
    assert stored == merkle.leaf_hash(reversal.record_bytes)


def test_a_reversal_nets_every_balance_to_zero(original):
    assert fund_figures(FUND).raised == Decimal("100.00")

    _reverse(original)

    for code in (BANK, FUNDRAISING_COST, INCOME):
        account = Account.objects.get(code=code)
        assert account_balance(account) == Decimal("0.00"), code
        assert account.debit_total == account.credit_total, code
    assert fund_figures(FUND).raised == Decimal("0.00")
    assert fund_figures(FUND).available == Decimal("0.00")


def test_reversing_a_reversal_is_refused(original):
    reversal = _reverse(original)
    before = snapshot()

    with pytest.raises(PostingError, match=rf"交易 #{reversal.sequence} 本身是冲正交易,不能再冲正"):
        _reverse(reversal, source="test:reverse:2")

    assert snapshot() == before


def test_reversing_twice_is_refused(original):
    _reverse(original, source="test:reverse:1")
    before = snapshot()

    with pytest.raises(PostingError, match=rf"交易 #{original.sequence} 已经冲正过,不能重复冲正"):
        _reverse(original, source="test:reverse:2")

    assert snapshot() == before
    assert Account.objects.get(code=INCOME).debit_total == Decimal("100.00")


def test_the_same_reversal_source_again_returns_the_first_reversal(original):
    first = _reverse(original, source="test:reverse:1")
    before = snapshot()

    again = _reverse(original, source="test:reverse:1")

    assert again.pk == first.pk and again.uuid == first.uuid
    assert snapshot() == before


def test_a_reversal_needs_a_timezone_aware_date(original):
    before = snapshot()
    with pytest.raises(PostingError, match="发生时间必须带时区"):
        transaction_reverse(original=original, occurred_at=datetime(2026, 3, 5), source="test:reverse:1")  # noqa: DTZ001
    assert snapshot() == before
