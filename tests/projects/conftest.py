"""A funded project for the disbursement tests (the staff fixtures are in tests/conftest.py)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from donations.models import Channel, DonationStatus
from donations.services import OfflineGift, donation_record_offline
from donations.services.offline import donation_confirm_offline
from tests.factories import ProjectFactory, staff_user


def give(project, amount, *, finance_user, days_ago=10, name="爱心人士"):
    """A bank gift to ``project`` recorded through the offline-gift service (so it is in the ledger); a gift at or
    above OFFLINE_GIFT_CONFIRMATION_AMOUNT is confirmed by a second person (审核人), as it must be to post."""
    donation = donation_record_offline(
        gift=OfflineGift(
            project=project,
            channel=Channel.BANK,
            amount=Decimal(amount),
            received_at=timezone.now() - timedelta(days=days_ago),
            display_name=name,
            bank_reference=f"REF-{project.code}-{amount}-{days_ago}-{name}",
        ),
        recorded_by=finance_user,
    )
    if donation.status == DonationStatus.AWAITING_CONFIRMATION:
        donation = donation_confirm_offline(donation=donation, user=_reviewer())
    return donation


def _reviewer():
    from django.contrib.auth import get_user_model

    found = get_user_model().objects.filter(username="fuhe-give").first()
    return get_user_model().objects.get(pk=found.pk) if found else staff_user("fuhe-give", "审核人")


@pytest.fixture
def funded_project(db, finance):
    project = ProjectFactory(code="GY-ORPHAN", name="福彩圆梦·孤儿助学")
    give(project, "10000.00", finance_user=finance)
    return project
