"""The gift state machine, move by move, and the rules the database itself holds (check constraints)."""

from __future__ import annotations

import itertools
import uuid
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from donations.models import Channel, Donation, DonationStatus, IllegalTransitionError, ValuationBasis
from donations.models.donations import STATUS_TRANSITIONS

ALL_MOVES = list(itertools.product(DonationStatus.values, repeat=2))
ALLOWED = {(source, target) for source, targets in STATUS_TRANSITIONS.items() for target in targets}


def test_the_table_covers_every_status():
    assert set(STATUS_TRANSITIONS) == set(DonationStatus.values)
    assert all(set(targets) <= set(DonationStatus.values) for targets in STATUS_TRANSITIONS.values())


def test_the_table_is_the_documented_one():
    """Money rules hang on it: a gift is never moved back to pending, and nothing leaves a final status."""
    assert ALLOWED == {
        ("pending", "succeeded"), ("pending", "failed"), ("pending", "expired"),
        ("succeeded", "partially_refunded"), ("succeeded", "refunded"), ("succeeded", "reversed"),
        ("partially_refunded", "partially_refunded"), ("partially_refunded", "refunded"),
        ("awaiting_confirmation", "succeeded"), ("awaiting_confirmation", "rejected"),
    }


@pytest.mark.parametrize(("source", "target"), sorted(ALLOWED))
def test_allowed_move(source, target):
    donation = Donation(status=source)
    donation.set_status(target)
    assert donation.status == target


@pytest.mark.parametrize(("source", "target"), [move for move in ALL_MOVES if move not in ALLOWED])
def test_illegal_move_raises_and_changes_nothing(source, target):
    donation = Donation(status=source)
    with pytest.raises(IllegalTransitionError) as raised:
        donation.set_status(target)
    assert donation.status == source
    # The message names both statuses in Chinese, for staff.
    with translation.override("zh-hans"):
        assert str(DonationStatus(source).label) in str(raised.value)
        assert str(DonationStatus(target).label) in str(raised.value)
    assert "已到账" in str(IllegalTransitionError("succeeded", "pending"))  # the Chinese labels, for staff


# -- database constraints -------------------------------------------------------------------------------------

NOW = timezone.now()


def online(**fields) -> dict:
    return {"channel": Channel.ONLINE, "requested_amount": Decimal("10.00"), "idempotency_key": uuid.UUID(int=1),
            **fields}


def in_kind(**fields) -> dict:
    return {"channel": Channel.IN_KIND, "requested_amount": Decimal("10.00"), "in_kind_description": "大米",
            "valuation_basis": ValuationBasis.INVOICE, **fields}


ILLEGAL_ROWS = {
    "in-kind without valuation basis": in_kind(valuation_basis=""),
    "in-kind without description": in_kind(in_kind_description=""),
    "online without idempotency key or plan": online(idempotency_key=None),
    "zero requested amount": online(requested_amount=Decimal("0.00")),
    "negative received amount": online(amount=Decimal("-1.00")),
    "unknown status": online(status="lost"),
    "unknown channel": online(channel="crypto"),
    "succeeded without amount": online(status=DonationStatus.SUCCEEDED, received_at=NOW),
    "refunded without received time": online(status=DonationStatus.REFUNDED, amount=Decimal("10.00")),
}
LEGAL_ROWS = [
    in_kind(),
    online(),
    online(idempotency_key=uuid.UUID(int=2), status=DonationStatus.SUCCEEDED, amount=Decimal("10.00"),
           received_at=NOW),
]


@pytest.mark.django_db
@pytest.mark.parametrize("fields", ILLEGAL_ROWS.values(), ids=ILLEGAL_ROWS.keys())
def test_database_refuses_an_illegal_gift_row(fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        Donation.objects.create(**fields)
    assert not Donation.objects.exists()


@pytest.mark.django_db
def test_database_accepts_the_legal_versions():
    """The same rows with the missing piece supplied are saved, so each refusal above is about that piece."""
    for fields in LEGAL_ROWS:
        Donation.objects.create(**fields)
    assert Donation.objects.count() == len(LEGAL_ROWS)


def test_the_illegal_move_message_is_chinese_even_on_an_english_request():
    with translation.override("en"):
        message = str(IllegalTransitionError("refunded", "succeeded"))
    assert message == "捐赠状态不能从「已全额退款」变为「已到账」。"
