from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from projects.models import STATUS_TRANSITIONS, Project, Status
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def test_valid_project_passes_full_clean():
    project = ProjectFactory.build(code="XT100")
    project.full_clean()


@pytest.mark.parametrize("code", ["xt100", "1XT", "X", "XT 100", "血透100", "X" * 33])
def test_code_must_be_an_uppercase_identifier(code):
    project = ProjectFactory.build(code=code)
    with pytest.raises(ValidationError) as excinfo:
        project.full_clean()
    assert "项目编号" in str(excinfo.value.message_dict["code"])


def test_code_is_unique():
    ProjectFactory(code="XT100")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectFactory(code="XT100")


def test_target_must_be_positive_with_chinese_message():
    project = ProjectFactory.build(target_amount=Decimal("0"))
    with pytest.raises(ValidationError) as excinfo:
        project.full_clean()
    assert excinfo.value.message_dict["target_amount"] == ["筹款目标必须大于 0。"]


def test_database_refuses_non_positive_target():
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectFactory(target_amount=Decimal("-1.00"))


def test_end_date_before_start_is_refused_by_clean_and_database():
    project = ProjectFactory.build(start_date=date(2026, 5, 1), end_date=date(2026, 4, 30))
    with pytest.raises(ValidationError) as excinfo:
        project.full_clean()
    assert "结束日期不能早于开始日期" in excinfo.value.message_dict["end_date"][0]
    with pytest.raises(IntegrityError), transaction.atomic():
        project.save()


def test_open_ended_project_is_allowed():
    ProjectFactory.build(end_date=None).full_clean()


def test_target_keeps_two_decimal_places():
    project = ProjectFactory(target_amount=Decimal("945000.50"))
    project.refresh_from_db()
    assert project.target_amount == Decimal("945000.50")
    assert isinstance(project.target_amount, Decimal)


ALL_MOVES = [(a, b) for a in Status for b in Status if a != b]


@pytest.mark.parametrize(("old", "new"), ALL_MOVES)
def test_status_state_machine(old, new):
    project = ProjectFactory(status=old)
    project.status = new
    if new in STATUS_TRANSITIONS[old]:
        project.full_clean()
    else:
        with pytest.raises(ValidationError) as excinfo:
            project.full_clean()
        assert "项目状态不能从" in excinfo.value.message_dict["status"][0]


def test_closed_is_terminal_and_fundraising_can_close_directly():
    assert STATUS_TRANSITIONS[Status.CLOSED] == frozenset()
    assert Status.CLOSED in STATUS_TRANSITIONS[Status.FUNDRAISING]
    assert Status.FUNDRAISING not in STATUS_TRANSITIONS[Status.IMPLEMENTING]


def test_str_shows_code_and_name():
    assert str(Project(code="XT100", name="血透100")) == "XT100 血透100"


def test_code_cannot_change_once_created():
    project = ProjectFactory(code="XT100")
    project.code = "XT200"
    with pytest.raises(ValidationError) as excinfo:
        project.full_clean()
    assert "项目编号创建后不能修改" in excinfo.value.message_dict["code"][0]


def test_restricted_flag_is_fixed_once_the_fund_has_entries():
    from django.utils import timezone

    from ledger.chart import BANK
    from ledger.services import LegSpec, transaction_post
    from projects.services import project_fund_accounts

    project = ProjectFactory(code="XT100", is_restricted=True)
    project.is_restricted = False
    project.full_clean()  # no books yet: still a plan, may change
    project.is_restricted = True
    income = project_fund_accounts(project=project).income
    transaction_post(
        kind="donation",
        occurred_at=timezone.now(),
        legs=[LegSpec(BANK, "D", Decimal("10.00")), LegSpec(income.code, "C", Decimal("10.00"))],
        source="test:restricted",
    )
    project.is_restricted = False
    with pytest.raises(ValidationError) as excinfo:
        project.full_clean()
    assert "定向(限定性)属性不能再修改" in excinfo.value.message_dict["is_restricted"][0]
