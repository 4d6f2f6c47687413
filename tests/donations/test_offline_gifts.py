"""Offline gifts recorded by finance staff (银行转账、现金、物资捐赠) and their correction by reversal (冲正),
checked against the ledger's legs and public records."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from donations.models import Channel, Donation, DonationStatus, Donor, ValuationBasis
from donations.services import (
    DonationError,
    OfflineGift,
    donation_record_offline,
    donation_record_payment,
    donation_reverse,
)
from ledger.merkle import donor_commitment
from ledger.models import Leg, Transaction, TransactionKind
from ledger.selectors import fund_figures
from projects.models import Status
from tests.donations.events import pending_gift
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

RECEIVED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
INCOME = "4101.XT100"


@pytest.fixture
def bank(project) -> OfflineGift:
    return OfflineGift(project=project, channel=Channel.BANK, amount=Decimal("500.00"), received_at=RECEIVED,
                       bank_reference="BOC20260302-0001")


@pytest.fixture
def in_kind(project) -> OfflineGift:
    return OfflineGift(project=project, channel=Channel.IN_KIND, amount=Decimal("2000.00"), received_at=RECEIVED,
                       in_kind_description="大米", in_kind_quantity=Decimal("100"), in_kind_unit="袋",
                       valuation_basis=ValuationBasis.INVOICE)


def legs(transaction: Transaction) -> dict[tuple[str, str], Decimal]:
    return {(leg.account.code, leg.side): leg.amount for leg in Leg.objects.filter(transaction=transaction)}


def raised() -> Decimal:
    return fund_figures("XT100").raised


def refused(gift: OfflineGift, field: str) -> ValidationError:
    with pytest.raises(ValidationError) as error:
        donation_record_offline(gift=gift)
    assert field in error.value.message_dict, error.value.message_dict
    assert not Donation.objects.exists()
    assert not Transaction.objects.exists()
    return error.value


# -- recording ------------------------------------------------------------------------------------------------


def test_bank_transfer_posts_to_bank_deposits(bank):
    donation = donation_record_offline(gift=bank)
    donation.refresh_from_db()
    assert donation.status == DonationStatus.SUCCEEDED
    assert (donation.amount, donation.received_at) == (Decimal("500.00"), RECEIVED)
    assert donation.receipt_serial == "JZ2026-000001"
    assert donation.transaction.kind == TransactionKind.DONATION
    assert legs(donation.transaction) == {("1002", "D"): Decimal("500.00"), (INCOME, "C"): Decimal("500.00")}
    assert raised() == Decimal("500.00")


@pytest.mark.parametrize("reference", ["", "   "])
def test_bank_transfer_needs_its_reference(bank, reference):
    message = refused(replace(bank, bank_reference=reference), "bank_reference").message_dict["bank_reference"]
    assert "银行流水号" in message[0]


def test_same_bank_reference_twice_is_refused_in_chinese(bank):
    donation_record_offline(gift=bank)
    with pytest.raises(ValidationError) as error:
        donation_record_offline(gift=replace(bank, bank_reference=" BOC20260302-0001 ", amount=Decimal("9.00")))
    assert error.value.message_dict["bank_reference"] == ["银行流水号 BOC20260302-0001 已经登记过,不能重复入账。"]
    assert Donation.objects.count() == 1
    assert Transaction.objects.count() == 1
    assert raised() == Decimal("500.00")


def test_cash_posts_to_cash_on_hand(project):
    cash = OfflineGift(project=project, channel=Channel.CASH, amount=Decimal("66.60"), received_at=RECEIVED)
    donation = donation_record_offline(gift=cash)
    assert legs(donation.transaction) == {("1001", "D"): Decimal("66.60"), (INCOME, "C"): Decimal("66.60")}
    assert raised() == Decimal("66.60")


def test_in_kind_gift_posts_its_valuation_to_inventory(in_kind):
    donation = donation_record_offline(gift=in_kind)
    assert donation.transaction.kind == TransactionKind.IN_KIND
    assert legs(donation.transaction) == {("1201", "D"): Decimal("2000.00"), (INCOME, "C"): Decimal("2000.00")}
    assert Leg.objects.get(transaction=donation.transaction, side="D").account.name.endswith("库存物资")
    details = json.loads(donation.transaction.record)["details"]
    assert (details["items"], details["quantity"], details["valuation"]) == ("大米", "100袋", "invoice")
    assert raised() == Decimal("2000.00")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("in_kind_description", " "),
        ("in_kind_quantity", None),
        ("in_kind_quantity", Decimal("0")),
        ("in_kind_unit", ""),
        ("valuation_basis", ""),
    ],
)
def test_in_kind_gift_needs_items_quantity_unit_and_basis(in_kind, field, value):
    refused(replace(in_kind, **{field: value}), field)


def test_closed_project_takes_no_gifts(bank):
    closed = ProjectFactory(code="OLD1", status=Status.CLOSED)
    error = refused(replace(bank, project=closed), "project")
    assert "已结项" in error.message_dict["project"][0]


def test_future_receipt_date_is_refused(bank):
    refused(replace(bank, received_at=timezone.now() + timedelta(hours=1)), "received_at")


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-5.00"), Decimal("1.005")])
def test_amount_must_be_positive_whole_fen(bank, amount):
    refused(replace(bank, amount=amount), "amount")


# -- reversal (冲正) -------------------------------------------------------------------------------------------


def test_reversal_undoes_the_gift_in_the_ledger(bank):
    donation = donation_record_offline(gift=bank)
    donation_reverse(donation=donation, reason="重复登记")
    donation.refresh_from_db()
    assert donation.status == DonationStatus.REVERSED
    assert donation.reversal_reason == "重复登记"
    reversal = Transaction.objects.get(kind=TransactionKind.REVERSAL)
    assert reversal.reverses_id == donation.transaction_id
    assert legs(reversal) == {("1002", "C"): Decimal("500.00"), (INCOME, "D"): Decimal("500.00")}
    assert raised() == Decimal("0.00")


def test_reversing_twice_is_refused(bank):
    donation = donation_record_offline(gift=bank)
    donation_reverse(donation=donation, reason="重复登记")
    with pytest.raises(DonationError):
        donation_reverse(donation=donation, reason="再冲一次")
    assert Transaction.objects.filter(kind=TransactionKind.REVERSAL).count() == 1
    donation.refresh_from_db()
    assert donation.reversal_reason == "重复登记"
    assert raised() == Decimal("0.00")


def test_online_gift_cannot_be_reversed(project):
    online = pending_gift(project, amount="100.00")
    donation_record_payment(donation=online, amount=Decimal("100.00"), currency="CNY", received_at=RECEIVED)
    with pytest.raises(DonationError, match="退款"):
        donation_reverse(donation=online, reason="误操作")
    online.refresh_from_db()
    assert online.status == DonationStatus.SUCCEEDED
    assert not Transaction.objects.filter(kind=TransactionKind.REVERSAL).exists()
    assert raised() == Decimal("100.00")


@pytest.mark.parametrize("reason", ["", "   "])
def test_reversal_needs_a_reason(bank, reason):
    donation = donation_record_offline(gift=bank)
    with pytest.raises(DonationError, match="原因"):
        donation_reverse(donation=donation, reason=reason)
    donation.refresh_from_db()
    assert donation.status == DonationStatus.SUCCEEDED
    assert not Transaction.objects.filter(kind=TransactionKind.REVERSAL).exists()
    assert raised() == Decimal("500.00")


# -- the public record ----------------------------------------------------------------------------------------

PHONE, EMAIL = "13912345678", "lisi@example.com"


@pytest.mark.parametrize(
    ("donor_fields", "gift_fields", "shown", "hidden"),
    [
        ({"name": "李四", "show_name_publicly": True}, {}, "李四", None),
        ({"name": "王秘密", "show_name_publicly": False}, {}, "匿名", "王秘密"),
        ({"name": "王秘密"}, {"display_name": "一位老师"}, "一位老师", "王秘密"),
        ({"name": "李四", "show_name_publicly": True}, {"display_name": "李四", "is_anonymous": True}, "匿名", "李四"),
    ],
)
def test_public_record_commits_to_the_public_name_and_never_holds_names_or_contacts(
    project, donor_fields, gift_fields, shown, hidden
):
    donor = Donor.objects.create(phone=PHONE, email=EMAIL, **donor_fields)
    cash = OfflineGift(project=project, channel=Channel.CASH, amount=Decimal("10.00"), received_at=RECEIVED,
                       donor=donor, **gift_fields)
    donation = donation_record_offline(gift=cash)
    donation.refresh_from_db()
    text = donation.transaction.record  # the exact public bytes (canonical JSON, unescaped Chinese)
    details = json.loads(text)["details"]
    assert "donor" not in details
    assert donation.name_committed == shown
    assert details["donor_commitment"] == donor_commitment(shown, bytes.fromhex(donation.name_salt))
    assert shown not in text and donor.name not in text
    assert PHONE not in text and EMAIL not in text and "lisi" not in text
    if hidden:
        assert hidden not in text
