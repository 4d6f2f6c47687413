from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.models import Status
from projects.selectors import FundingSummary, project_funding, project_funding_many, projects_active
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def test_funding_reports_target_and_zero_until_the_ledger_backs_it():
    project = ProjectFactory(target_amount=Decimal("945000.00"))
    funding = project_funding(project)
    assert funding.target == Decimal("945000.00")
    assert funding.raised == Decimal("0.00")
    assert funding.spent == Decimal("0.00")
    assert funding.available == Decimal("0.00")
    assert funding.currency == "CNY"
    assert funding.percent_raised == 0


@pytest.mark.parametrize(
    ("raised", "target", "percent"),
    [("0", "100", 0), ("33.33", "100", 33), ("99.99", "100", 99), ("100", "100", 100), ("250", "100", 100)],
)
def test_percent_raised_is_floored_and_capped(raised, target, percent):
    funding = FundingSummary(target=Decimal(target), raised=Decimal(raised), spent=Decimal("0"), currency="CNY")
    assert funding.percent_raised == percent


def test_available_is_raised_less_spent():
    funding = FundingSummary(target=Decimal("100"), raised=Decimal("80.50"), spent=Decimal("30.25"), currency="CNY")
    assert funding.available == Decimal("50.25")


def test_funding_many_takes_three_queries_whatever_the_number_of_projects():
    """The ledger's running totals, what year-end closings moved, and one grouped query for commitments and 人次."""
    for count in (1, 5):
        projects = [ProjectFactory() for _ in range(count)]
        with CaptureQueriesContext(connection) as ctx:
            result = project_funding_many(projects)
        assert set(result) == {p.pk for p in projects}
        assert len(ctx.captured_queries) <= 3


def test_active_projects_exclude_closed_and_are_newest_first():
    old = ProjectFactory(status=Status.IMPLEMENTING, start_date=date(2025, 1, 1))
    new = ProjectFactory(status=Status.FUNDRAISING, start_date=date(2026, 6, 1))
    ProjectFactory(status=Status.CLOSED, start_date=date(2026, 7, 1))
    assert list(projects_active()) == [new, old]
