"""复核 of large offline gifts (segregation of duties on income): at or above OFFLINE_GIFT_CONFIRMATION_AMOUNT a gift
is recorded 待复核 — nothing posts, no receipt serial, the fund does not move — until another person holding
``donations.confirm_offline_gift`` confirms it (it posts once) or rejects it (nothing posts)."""

from __future__ import annotations

import csv
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from bulk.engine import import_run
from bulk.files import table_read
from bulk.importers import importer_for
from donations.models import Channel, Donation, DonationStatus
from donations.selectors import donation_lookup
from donations.services import DonationError, OfflineGift, donation_record_offline
from donations.services.offline import (
    CONFIRM_ACTION,
    REJECT_ACTION,
    donation_confirm_offline,
    donation_reject_offline,
    donations_record_offline_bulk,
)
from donations.tokens import receipt_token
from ledger.models import Transaction
from ledger.selectors import fund_figures
from tests.bulk.conftest import gift_row, gift_sheet
from tests.factories import staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def threshold(settings):
    settings.OFFLINE_GIFT_CONFIRMATION_AMOUNT = Decimal("50000.00")


def _gift(project, amount: str, ref: str = "BK-BIG-1") -> OfflineGift:
    return OfflineGift(project=project, channel=Channel.BANK, amount=Decimal(amount),
                       received_at=timezone.now() - timedelta(days=1), bank_reference=ref, display_name="某公司")


def _record(project, finance, amount: str = "50000.00", ref: str = "BK-BIG-1") -> Donation:
    return donation_record_offline(gift=_gift(project, amount, ref), recorded_by=finance)


def test_below_the_amount_a_gift_posts_at_once_as_before(project, finance):
    gift = _record(project, finance, "49999.99")
    assert gift.status == DonationStatus.SUCCEEDED and gift.receipt_serial
    assert Transaction.objects.filter(source=f"donation:{gift.public_id}").count() == 1


def test_at_the_amount_nothing_posts_before_confirmation(project, finance):
    gift = _record(project, finance)

    gift.refresh_from_db()
    assert gift.status == DonationStatus.AWAITING_CONFIRMATION
    assert gift.get_status_display() == "待复核"
    assert (gift.receipt_serial, gift.transaction_id, gift.amount) == (None, None, Decimal("50000.00"))
    assert not Transaction.objects.exists()
    assert fund_figures(project.code).raised == 0
    assert not gift.is_received


def test_the_recorder_cannot_confirm_or_reject_their_own_gift(project, finance, approver):
    finance_boss = staff_user("caiwu-boss", "财务", "审核人")  # holds the permission, but recorded the gift
    gift = _record(project, finance_boss)

    with pytest.raises(DonationError, match="登记人不能复核自己登记的捐赠"):
        donation_confirm_offline(donation=gift, user=finance_boss)
    with pytest.raises(DonationError, match="登记人不能复核自己登记的捐赠"):
        donation_reject_offline(donation=gift, user=finance_boss, reason="看错了")
    with pytest.raises(DonationError, match="没有复核线下捐赠的权限"):
        donation_confirm_offline(donation=gift, user=finance)  # another person, but no permission
    gift.refresh_from_db()
    assert gift.status == DonationStatus.AWAITING_CONFIRMATION and not Transaction.objects.exists()


def test_confirmation_posts_once_with_its_audit_entry(project, finance, approver, approver2):
    gift = _record(project, finance)

    confirmed = donation_confirm_offline(donation=gift, user=approver)
    again = donation_confirm_offline(donation=gift, user=approver2)  # a second click, another reviewer

    assert confirmed.status == again.status == DonationStatus.SUCCEEDED
    assert again.reviewed_by == approver and again.receipt_serial == confirmed.receipt_serial
    assert Transaction.objects.filter(source=f"donation:{gift.public_id}").count() == 1
    assert fund_figures(project.code).raised == Decimal("50000.00")
    (entry,) = ModelLogEntry.objects.filter(action=CONFIRM_ACTION)
    assert (entry.user_id, entry.data["transaction"]) == (approver.pk, confirmed.transaction_id)
    with pytest.raises(DonationError, match="只有待复核的捐赠才能驳回"):
        donation_reject_offline(donation=gift, user=approver2, reason="迟到的驳回")


def test_rejection_posts_nothing_and_frees_the_bank_reference(project, finance, approver):
    gift = _record(project, finance)

    with pytest.raises(DonationError, match="驳回必须填写原因"):
        donation_reject_offline(donation=gift, user=approver, reason="  ")
    rejected = donation_reject_offline(donation=gift, user=approver, reason="金额与银行流水不符")

    assert rejected.status == DonationStatus.REJECTED and rejected.get_status_display() == "已驳回"
    assert (rejected.bank_reference, rejected.rejected_bank_reference) == (None, "BK-BIG-1")
    assert not Transaction.objects.exists()
    assert ModelLogEntry.objects.get(action=REJECT_ACTION).data["reason"] == "金额与银行流水不符"
    with pytest.raises(DonationError, match="只有待复核的捐赠才能确认入账"):
        donation_confirm_offline(donation=gift, user=approver)
    redo = _record(project, finance, "5000.00")  # the same statement line, recorded again correctly
    assert redo.status == DonationStatus.SUCCEEDED and redo.bank_reference == "BK-BIG-1"


def test_an_unconfirmed_gift_is_not_shown_to_the_donor(project, finance, client):
    gift = _record(project, finance)

    assert client.get(reverse("donations:receipt", args=[receipt_token(gift)])).status_code == 404
    assert donation_lookup(serial="", contact="") is None


def test_the_bulk_service_inserts_large_gifts_awaiting(project, finance):
    small, big = donations_record_offline_bulk(
        gifts=[_gift(project, "100.00", "BK-S"), _gift(project, "80000.00", "BK-B")], recorded_by=finance
    )
    assert (small.status, big.status) == (DonationStatus.SUCCEEDED, DonationStatus.AWAITING_CONFIRMATION)
    stored = Donation.objects.get(bank_reference="BK-B")
    assert (stored.status, stored.receipt_serial, stored.transaction_id) == ("awaiting_confirmation", None, None)
    assert list(Transaction.objects.values_list("source", flat=True)) == [f"donation:{small.public_id}"]


def test_the_import_previews_and_records_large_rows_awaiting(project, finance, tmp_path):
    path = tmp_path / "gifts.csv"
    rows = gift_sheet(gift_row(**{"银行流水号": "BK-1", "金额(元)": "100"}),
                      gift_row(**{"银行流水号": "BK-2", "金额(元)": "50000"}))
    with path.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows(rows)

    preview = import_run(importer_for("gifts")(user=finance), table_read(path), dry_run=True)
    assert "待复核" not in preview.rows[0].note and "待复核" in preview.rows[1].note
    result = import_run(importer_for("gifts")(user=finance), table_read(path), dry_run=False)

    assert result.imported, result.error_messages()
    assert result.rows[1].note.startswith("待复核")
    assert Donation.objects.get(bank_reference="BK-2").status == DonationStatus.AWAITING_CONFIRMATION
    assert Transaction.objects.count() == 1


def test_the_admin_lists_offers_and_confirms(project, finance, approver, client):
    gift = _record(project, finance)
    index = reverse("gifts:index")
    review = reverse("gifts:review", args=[gift.pk, "confirm"])

    client.force_login(finance)
    assert review not in client.get(index, {"status": "awaiting_confirmation"}).content.decode()
    assert client.post(review).status_code == 302  # refused (Wagtail sends the user back to the dashboard)
    gift.refresh_from_db()
    assert gift.status == DonationStatus.AWAITING_CONFIRMATION
    client.force_login(approver)
    listing = client.get(index, {"status": "awaiting_confirmation"}).content.decode()
    assert "待复核" in listing and review in listing
    page = client.get(review).content.decode()
    assert "确认入账" in page and "50,000.00" in page
    client.post(review)

    gift.refresh_from_db()
    assert gift.status == DonationStatus.SUCCEEDED and gift.reviewed_by == approver


def test_the_admin_rejection_needs_a_reason(project, finance, approver, client):
    gift = _record(project, finance)
    client.force_login(approver)
    url = reverse("gifts:review", args=[gift.pk, "reject"])

    assert "驳回必须填写原因" in client.post(url, {"reason": ""}).content.decode()
    client.post(url, {"reason": "重复登记"})

    gift.refresh_from_db()
    assert (gift.status, gift.rejection_reason) == (DonationStatus.REJECTED, "重复登记")
