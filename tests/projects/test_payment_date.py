"""One payment date (issue 18.1): the day the money moves is recorded by 支付, is never in the future, dates the
ledger transaction, and is the year the yearly cap counts. A planned date in a later year cannot step around the cap.

The dates are relative to today, so the tests hold whatever day they run."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from ledger.models import Transaction
from projects.audit import audit_run
from projects.models import Disbursement, DisbursementStatus
from projects.selectors.disbursements import fund_spending_between, project_disbursements_public
from projects.services import (
    DisbursementError,
    batch_approve,
    batch_create,
    batch_pay,
    batch_submit,
    disbursement_approve,
    disbursement_pay,
    disbursement_reverse,
)
from tests.factories import ProjectFactory
from tests.projects.conftest import give
from tests.projects.disbursement_flows import approved, disbursement_transactions, enrol, paid, person, submitted

pytestmark = pytest.mark.django_db

CAP = "12000.00"
GRANT = "11000.00"


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def project(finance):
    project = ProjectFactory(code="GY-CAP", name="孤儿助学")
    give(project, "100000.00", finance_user=finance)
    return project


@pytest.fixture
def capped(project, officer, today):
    beneficiary = person(41)
    enrol(beneficiary, project, amount=GRANT, start=today.replace(month=1, day=1), cap=CAP, user=officer)
    return beneficiary


def in_year(today, years: int):
    """A planned date ``years`` after today, inside that calendar year."""
    return today.replace(year=today.year + years, day=min(today.day, 28))


def test_four_years_of_planned_dates_paid_the_same_day_hold_the_cap(project, capped, officer, approver, finance, today):
    """The reported sequence: ¥11,000 planned for this year and each of the next three, all approved and paid today.
    Today the first payment goes through; the second would make ¥22,000 this year and is refused at payment."""
    grants = [
        approved(project, capped, GRANT, officer=officer, approver=approver, on=in_year(today, n)) for n in range(4)
    ]
    first = disbursement_pay(disbursement=grants[0], user=finance)
    assert first.paid_on == today
    for later in grants[1:]:
        with pytest.raises(DisbursementError, match=f"{today.year} 年累计 ¥22,000.00.*年度上限 ¥12,000.00"):
            disbursement_pay(disbursement=later, user=finance)
    assert disbursement_transactions().count() == 1
    assert Disbursement.objects.filter(status=DisbursementStatus.PAID).count() == 1
    assert set(Disbursement.objects.exclude(pk=first.pk).values_list("status", flat=True)) == {"approved"}


def test_the_ledger_and_the_public_list_carry_the_real_date_not_the_plan(
    project, capped, officer, approver, finance, today
):
    planned = in_year(today, 3)
    done = paid(project, capped, "500.00", officer=officer, approver=approver, finance=finance, on=planned)
    txn = Transaction.objects.get(pk=done.transaction_id)
    assert timezone.localdate(txn.occurred_at) == today == done.paid_on
    assert done.disbursed_on == planned  # the plan is kept beside the real date
    (shown,) = project_disbursements_public(project)
    assert shown.paid_on == today
    (traced,) = fund_spending_between(project, Decimal("0"), Decimal("500.00"))
    assert traced.disbursement.paid_on == today


def test_a_payment_dated_in_the_future_is_refused_and_nothing_moves(project, capped, officer, approver, finance, today):
    grant = approved(project, capped, "500.00", officer=officer, approver=approver, on=today)
    with pytest.raises(DisbursementError, match="晚于今天"):
        disbursement_pay(disbursement=grant, user=finance, paid_on=today + timedelta(days=1))
    with pytest.raises(DisbursementError, match="晚于今天"):
        disbursement_pay(disbursement=grant, user=finance, paid_on=in_year(today, 4).replace(month=1, day=1))
    grant.refresh_from_db()
    assert grant.status == DisbursementStatus.APPROVED and grant.paid_on is None
    assert not disbursement_transactions().exists()


def test_an_earlier_transfer_is_dated_on_its_day_in_the_ledger(project, capped, officer, approver, finance, today):
    """Finance records yesterday's bank transfer today: the ledger's effective date is yesterday, its recording
    time is now; the date cannot be before the approval."""
    grant = approved(project, capped, "500.00", officer=officer, approver=approver, on=today)
    Disbursement.objects.filter(pk=grant.pk).update(approved_at=timezone.now() - timedelta(days=5))
    with pytest.raises(DisbursementError, match="早于审批通过的日期"):
        disbursement_pay(disbursement=grant, user=finance, paid_on=today - timedelta(days=6))
    yesterday = today - timedelta(days=1)
    done = disbursement_pay(disbursement=grant, user=finance, paid_on=yesterday)
    txn = Transaction.objects.get(pk=done.transaction_id)
    assert timezone.localdate(txn.occurred_at) == yesterday
    assert timezone.localdate(txn.recorded_at) == today
    assert project_disbursements_public(project)[0].paid_on == yesterday


def test_a_plan_dated_last_year_counts_in_this_year(project, capped, officer, approver, finance, today):
    """A plan dated in a past year is paid this year at the earliest, so submission and approval count it there."""
    last_year = today.replace(year=today.year - 1, day=min(today.day, 28))
    capped.enrolments.update(start_date=last_year.replace(month=1, day=1))
    paid(project, capped, GRANT, officer=officer, approver=approver, finance=finance, on=today)
    with pytest.raises(DisbursementError, match=f"{today.year} 年累计 ¥22,000.00"):
        submitted(project, capped, GRANT, officer=officer, on=last_year)


def test_a_batch_planned_for_next_year_cannot_step_around_the_cap(project, capped, officer, approver, finance, today):
    paid(project, capped, GRANT, officer=officer, approver=approver, finance=finance, on=today)
    batch = batch_create(
        project=project, title="下一年助学金", disbursed_on=in_year(today, 1), purpose="助学金", user=officer
    )
    batch = batch_submit(batch=batch, user=officer)
    batch = batch_approve(batch=batch, user=approver)  # planned next year: nothing counted there yet
    with pytest.raises(DisbursementError, match=f"{today.year} 年累计 ¥22,000.00"):
        batch_pay(batch=batch, user=finance)
    batch.refresh_from_db()
    assert batch.status == DisbursementStatus.APPROVED and batch.paid_on is None
    assert disbursement_transactions().count() == 1


def test_a_batch_is_paid_on_one_real_date(project, capped, officer, approver, finance, today):
    batch = batch_create(
        project=project, title="本年助学金", disbursed_on=in_year(today, 1), purpose="助学金", user=officer
    )
    batch = batch_approve(batch=batch_submit(batch=batch, user=officer), user=approver)
    with pytest.raises(DisbursementError, match="晚于今天"):
        batch_pay(batch=batch, user=finance, paid_on=today + timedelta(days=1))
    batch = batch_pay(batch=batch, user=finance)
    assert batch.paid_on == today
    assert set(batch.items.values_list("paid_on", flat=True)) == {today}
    occurred = {timezone.localdate(t.occurred_at) for t in disbursement_transactions()}
    assert occurred == {today}


def test_a_reversed_payment_frees_the_cap_for_a_new_one_and_no_more(project, capped, officer, approver, finance, today):
    first = paid(project, capped, GRANT, officer=officer, approver=approver, finance=finance, on=today)
    disbursement_reverse(disbursement=first, user=finance, reason="银行退票")
    again = paid(project, capped, GRANT, officer=officer, approver=approver, finance=finance, on=in_year(today, 1))
    assert again.paid_on == today
    third = approved(project, capped, GRANT, officer=officer, approver=approver, on=in_year(today, 2))
    with pytest.raises(DisbursementError, match="年度上限"):
        disbursement_pay(disbursement=third, user=finance)


def test_a_second_approval_says_it_is_already_approved(project, capped, officer, approver, approver2, today):
    grant = approved(project, capped, "500.00", officer=officer, approver=approver, on=today)
    with pytest.raises(DisbursementError, match="^已审批,无需重复审批。$"):
        disbursement_approve(disbursement=grant, user=approver2)


def test_the_admin_pay_form_refuses_a_future_date_in_chinese(project, capped, officer, approver, finance, today):
    grant = approved(project, capped, "500.00", officer=officer, approver=approver, on=today)
    client = Client()
    client.force_login(finance)
    url = f"/admin/disbursements/pay/{grant.pk}/"
    page = client.get(url).content.decode()
    assert "实际支付日期" in page
    future = (today + timedelta(days=400)).isoformat()
    response = client.post(url, {"paid_on": future})
    assert response.status_code == 200
    assert "晚于今天" in response.content.decode()
    grant.refresh_from_db()
    assert grant.status == DisbursementStatus.APPROVED
    assert client.post(url, {"paid_on": today.isoformat()}).status_code == 302
    grant.refresh_from_db()
    assert grant.paid_on == today


def test_the_audit_counts_payments_in_the_year_they_were_paid(project, officer, approver, finance, today, settings):
    """民生监察's 同一人多项目受助 groups by the real payment year: two projects' grants planned for different years
    but paid this year are this year's."""
    settings.AUDIT_MULTI_PROJECT_YEARLY_TOTAL = Decimal("1000.00")
    other = ProjectFactory(code="GY-OTHER", name="临时救助")
    give(other, "5000.00", finance_user=finance)
    beneficiary = person(43)
    paid(project, beneficiary, "800.00", officer=officer, approver=approver, finance=finance, on=today)
    paid(other, beneficiary, "800.00", officer=officer, approver=approver, finance=finance, on=in_year(today, 1))
    (finding,) = [f for f in audit_run(year=today.year) if f.check == "multi_project"]
    assert f"{today.year} 年从 2 个项目" in finding.detail
    assert not [f for f in audit_run(year=today.year + 1) if f.check == "multi_project"]
