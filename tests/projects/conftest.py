"""Staff in each group, and a funded project, for the disbursement tests."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from donations.models import Channel
from donations.services import OfflineGift, donation_record_offline
from tests.factories import ProjectFactory, staff_user


@pytest.fixture
def officer(db):
    return staff_user("guanyuan", "项目官员")


@pytest.fixture
def approver(db):
    return staff_user("shenhe", "审核人")


@pytest.fixture
def approver2(db):
    return staff_user("shenhe2", "审核人")


@pytest.fixture
def finance(db):
    return staff_user("caiwu", "财务")


@pytest.fixture
def auditor(db):
    return staff_user("shenji", "审计")


@pytest.fixture
def editor(db):
    return staff_user("bianji", "编辑")


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
