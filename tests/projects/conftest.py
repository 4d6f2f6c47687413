"""A funded project for the disbursement tests (the staff fixtures are in tests/conftest.py)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from donations.models import Channel
from donations.services import OfflineGift, donation_record_offline
from tests.factories import ProjectFactory


def give(project, amount, *, finance_user, days_ago=10, name="爱心人士"):
    """A bank gift to ``project`` recorded through the offline-gift service (so it is in the ledger)."""
    return donation_record_offline(
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


@pytest.fixture
def funded_project(db, finance):
    project = ProjectFactory(code="GY-ORPHAN", name="福彩圆梦·孤儿助学")
    give(project, "10000.00", finance_user=finance)
    return project
