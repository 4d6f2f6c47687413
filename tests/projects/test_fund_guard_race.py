"""Racing approvals and payments on PostgreSQL: the project's row lock, not luck, keeps a restricted fund from going
below zero. Each thread has its own connection and real commits (``transaction=True``); on SQLite these tests are
deselected, not passed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from donations.services import donation_reverse
from ledger.selectors import fund_figures
from projects.models import Disbursement, DisbursementStatus
from projects.selectors import project_funding
from projects.services import (
    DisbursementError,
    batch_approve,
    batch_create,
    batch_submit,
    disbursement_approve,
    disbursement_pay,
)
from tests.concurrency import race as shared_race
from tests.factories import ProjectFactory, staff_user
from tests.projects.conftest import give
from tests.projects.disbursement_flows import approved, disbursement_transactions, enrol, person, submitted

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

S = DisbursementStatus


def race(*calls: Callable[[], object]) -> list[str]:
    return shared_race(*calls, refusal=DisbursementError)


def one_ok_one_refused(outcomes: list[str]) -> None:
    assert outcomes.count("ok") == 1, outcomes
    refused = next(o for o in outcomes if o != "ok")
    assert "可用余额不足" in refused


@pytest.fixture
def finance2(db):
    return staff_user("caiwu2", "财务")


@pytest.fixture
def project(finance):
    project = ProjectFactory(code="RACE", name="竞态测试基金")
    give(project, "10000.00", finance_user=finance)
    return project


def test_two_approvals_that_together_exceed_the_fund(project, officer, approver, approver2):
    first = submitted(project, person(1), "6000.00", officer=officer)
    second = submitted(project, person(2), "6000.00", officer=officer)

    outcomes = race(
        lambda: disbursement_approve(disbursement=first, user=approver),
        lambda: disbursement_approve(disbursement=second, user=approver2),
    )

    one_ok_one_refused(outcomes)
    statuses = sorted(Disbursement.objects.values_list("status", flat=True))
    assert statuses == [S.APPROVED, S.SUBMITTED]
    funding = project_funding(project)
    assert (funding.committed, funding.available) == (Decimal("6000.00"), Decimal("4000.00"))


def test_paying_the_same_disbursement_twice_at_once_posts_once(project, officer, approver, finance, finance2):
    """Payment moves money from committed to spent, so two payments of different approved disbursements never
    compete for the balance (the approvals already did); what two racing payments can do is pay one thing twice."""
    disbursement = approved(project, person(1), "6000.00", officer=officer, approver=approver)

    outcomes = race(
        lambda: disbursement_pay(disbursement=disbursement, user=finance),
        lambda: disbursement_pay(disbursement=disbursement, user=finance2),
    )

    assert outcomes.count("ok") == 1, outcomes
    assert "已支付" in next(o for o in outcomes if o != "ok")
    assert disbursement_transactions().count() == 1
    disbursement.refresh_from_db()
    assert disbursement.status == S.PAID
    assert fund_figures("RACE").spent == Decimal("6000.00")


def test_two_payments_of_an_overcommitted_fund_are_both_refused(project, officer, approver, finance, finance2):
    """Gifts taken back after approval leave ¥10,000 for ¥12,000 approved: neither payment may go ahead, however
    they interleave (paying one would leave the other's approval unbacked)."""
    first = approved(project, person(1), "6000.00", officer=officer, approver=approver)
    extra = give(project, "2000.00", finance_user=finance, days_ago=1, name="临时")
    second = approved(project, person(2), "6000.00", officer=officer, approver=approver)
    donation_reverse(donation=extra, reason="重复登记")

    outcomes = race(
        lambda: disbursement_pay(disbursement=first, user=finance),
        lambda: disbursement_pay(disbursement=second, user=finance2),
    )

    assert all("可用余额不足" in o for o in outcomes), outcomes
    assert not disbursement_transactions().exists()


def test_two_payments_that_fit_together_both_go_through(project, officer, approver, finance, finance2):
    first = approved(project, person(1), "6000.00", officer=officer, approver=approver)
    second = approved(project, person(2), "4000.00", officer=officer, approver=approver)

    outcomes = race(
        lambda: disbursement_pay(disbursement=first, user=finance),
        lambda: disbursement_pay(disbursement=second, user=finance2),
    )

    assert outcomes == ["ok", "ok"]
    assert disbursement_transactions().count() == 2
    assert fund_figures("RACE").spent == Decimal("10000.00")
    assert project_funding(project).available == Decimal("0.00")


def test_a_batch_approval_racing_a_single_approval(project, officer, approver, approver2):
    for n in range(1, 5):
        enrol(person(n), project, amount="1500.00", start=date(2026, 1, 1))  # a batch of 4 × 1,500 = 6,000
    batch = batch_create(project=project, title="秋季", disbursed_on=date(2026, 9, 1), purpose="助学金", user=officer)
    batch = batch_submit(batch=batch, user=officer)
    single = submitted(project, person(9), "4500.00", officer=officer)

    outcomes = race(
        lambda: batch_approve(batch=batch, user=approver),
        lambda: disbursement_approve(disbursement=single, user=approver2),
    )

    one_ok_one_refused(outcomes)
    funding = project_funding(project)
    assert funding.committed in (Decimal("6000.00"), Decimal("4500.00"))
    assert funding.available >= 0
    batch.refresh_from_db()
    single.refresh_from_db()
    assert (batch.status == S.APPROVED) != (single.status == S.APPROVED)


def test_two_payments_that_together_exceed_a_yearly_cap(officer, approver, finance, finance2):
    """Two ¥11,000 grants to one person planned for different years, paid at once by two finance officers: both are
    paid this year, so the project lock lets exactly one through against a ¥12,000 cap."""
    today = timezone.localdate()
    project = ProjectFactory(code="RACE-CAP", name="年度上限竞态")
    give(project, "50000.00", finance_user=finance)
    beneficiary = person(7)
    enrol(beneficiary, project, amount="11000.00", start=today.replace(month=1, day=1), cap="12000.00", user=officer)
    plans = [today, today.replace(year=today.year + 1, day=min(today.day, 28))]
    first, second = (
        approved(project, beneficiary, "11000.00", officer=officer, approver=approver, on=on) for on in plans
    )

    outcomes = race(
        lambda: disbursement_pay(disbursement=first, user=finance),
        lambda: disbursement_pay(disbursement=second, user=finance2),
    )

    assert outcomes.count("ok") == 1, outcomes
    assert "年度上限" in next(o for o in outcomes if o != "ok")
    assert Disbursement.objects.filter(status=S.PAID, paid_on=today).count() == 1
    assert disbursement_transactions().count() == 1
