"""The gift import commits to each row's public name as the online and offline paths do: no name in the ledger,
one salt per row, and names with markup or a listed word held off the wall."""

from __future__ import annotations

import json

import pytest

from donations.models import Donation, HeldWord, NameReview
from ledger.merkle import donor_commitment
from tests.bulk.conftest import gift_row, gift_sheet

pytestmark = pytest.mark.django_db


def test_imported_gifts_commit_to_their_names_and_markup_is_held(project, write_xlsx, run_import, finance):
    HeldWord.objects.create(word="坏蛋")
    rows = [
        gift_row(**{"银行流水号": "BK-1", "公开署名": "某公司"}),
        gift_row(**{"银行流水号": "BK-2", "公开署名": "<script>x</script>"}),
        gift_row(**{"银行流水号": "BK-3", "公开署名": "大坏蛋"}),
        gift_row(**{"银行流水号": "BK-4", "公开署名": ""}),
    ]
    result = run_import("gifts", write_xlsx(gift_sheet(*rows)), user=finance)
    assert result.imported, result.error_messages()
    gifts = {g.bank_reference: g for g in Donation.objects.select_related("transaction")}
    for reference, name in (("BK-1", "某公司"), ("BK-2", "<script>x</script>"), ("BK-3", "大坏蛋"), ("BK-4", "匿名")):
        gift = gifts[reference]
        details = json.loads(gift.transaction.record)["details"]
        assert "donor" not in details
        assert gift.name_committed == name
        assert details["donor_commitment"] == donor_commitment(name, bytes.fromhex(gift.name_salt))
    assert "某公司" not in gifts["BK-1"].transaction.record
    assert len({g.name_salt for g in gifts.values()}) == 4
    reviews = {reference: gift.name_review for reference, gift in gifts.items()}
    assert reviews == {
        "BK-1": NameReview.SHOWN,
        "BK-2": NameReview.HELD,
        "BK-3": NameReview.HELD,
        "BK-4": NameReview.SHOWN,
    }
