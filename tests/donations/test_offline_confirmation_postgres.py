"""On PostgreSQL: two reviewers confirming one 待复核 gift at the same moment post it once (the gift row is locked;
the later confirmation finds it confirmed and changes nothing)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from wagtail.models import ModelLogEntry

from donations.models import Channel, Donation, DonationStatus
from donations.services import DonationError, OfflineGift, donation_record_offline
from donations.services.offline import CONFIRM_ACTION, donation_confirm_offline
from ledger.models import Transaction
from tests.concurrency import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_confirmations_racing_post_once(project, finance, approver, approver2, settings):
    settings.OFFLINE_GIFT_CONFIRMATION_AMOUNT = Decimal("50000.00")
    gift = donation_record_offline(
        gift=OfflineGift(project=project, channel=Channel.BANK, amount=Decimal("60000.00"),
                         received_at=timezone.now() - timedelta(days=1), bank_reference="BK-RACE"),
        recorded_by=finance,
    )
    assert gift.status == DonationStatus.AWAITING_CONFIRMATION

    outcomes = race(
        lambda: donation_confirm_offline(donation=gift, user=approver),
        lambda: donation_confirm_offline(donation=gift, user=approver2),
        refusal=DonationError,
    )

    assert outcomes == ["ok", "ok"]
    gift = Donation.objects.get(pk=gift.pk)
    assert gift.status == DonationStatus.SUCCEEDED and gift.receipt_serial
    assert Transaction.objects.filter(source=f"donation:{gift.public_id}").count() == 1
    assert ModelLogEntry.objects.filter(action=CONFIRM_ACTION).count() == 1
