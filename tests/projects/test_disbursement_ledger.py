"""Money out: the restricted-fund guard (available = raised − paid − approved but unpaid), the yearly caps, and what
paying and reversing post to the ledger — including that the public record shows a masked name and never the
person's full name, ID number, phone, village or bank account."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from donations.services import donation_reverse
from ledger.chart import BANK, CASH, INVENTORY, expense_code
from ledger.models import Leg, Transaction, TransactionKind
from ledger.selectors import fund_figures
from projects.models import ConsentGiver, DisbursementStatus, PaymentMethod
from projects.selectors import project_funding
from projects.services import (
    DisbursementError,
    beneficiary_register,
    consent_record,
    disbursement_approve,
    disbursement_cancel,
    disbursement_pay,
    disbursement_reverse,
    disbursement_submit,
)
from tests.factories import ProjectFactory, beneficiary_data
from tests.projects.conftest import give
from tests.projects.disbursement_flows import (
    approved,
    disbursement_transactions,
    draft,
    enrol,
    paid,
    person,
    submitted,
)

pytestmark = pytest.mark.django_db

S = DisbursementStatus


@pytest.fixture
def someone(db):
    return person(1)


@pytest.fixture
def project(db, finance):
    """A restricted fund with ¥10,000 raised."""
    project = ProjectFactory(code="XT100", name="血透100")
    project.gift = give(project, "10000.00", finance_user=finance)
    return project


# -- the fund guard --------------------------------------------------------------------------------------------


def test_approved_but_unpaid_is_committed(project, someone, officer, approver):
    approved(project, someone, "6000.00", officer=officer, approver=approver)
    funding = project_funding(project)
    assert (funding.raised, funding.spent, funding.committed) == (
        Decimal("10000.00"),
        Decimal("0.00"),
        Decimal("6000.00"),
    )
    assert funding.available == Decimal("4000.00")


def test_an_approval_beyond_available_is_refused(project, someone, officer, approver):
    approved(project, someone, "6000.00", officer=officer, approver=approver)
    too_much = submitted(project, someone, "4000.01", officer=officer)
    with pytest.raises(DisbursementError) as raised:
        disbursement_approve(disbursement=too_much, user=approver)
    assert "可用余额不足" in str(raised.value)
    assert "¥4,000.00" in str(raised.value) and "¥4,000.01" in str(raised.value)
    too_much.refresh_from_db()
    assert too_much.status == S.SUBMITTED
    assert not too_much.approvals.exists()  # the sign-off is rolled back with the refusal
    exactly = submitted(project, someone, "4000.00", officer=officer)
    assert disbursement_approve(disbursement=exactly, user=approver).status == S.APPROVED
    assert project_funding(project).available == Decimal("0.00")


def test_paid_money_is_no_longer_available(project, someone, officer, approver, finance):
    paid(project, someone, "7000.00", officer=officer, approver=approver, finance=finance)
    funding = project_funding(project)
    assert (funding.spent, funding.committed, funding.available) == (Decimal("7000.00"), 0, Decimal("3000.00"))
    with pytest.raises(DisbursementError, match="可用余额不足"):
        approved(project, someone, "3000.01", officer=officer, approver=approver)


def test_a_cancelled_approval_frees_the_money(project, someone, officer, approver):
    first = approved(project, someone, "9000.00", officer=officer, approver=approver)
    waiting = submitted(project, someone, "5000.00", officer=officer)
    with pytest.raises(DisbursementError):
        disbursement_approve(disbursement=waiting, user=approver)
    disbursement_cancel(disbursement=first, user=approver, reason="受助人已获其他救助")
    assert disbursement_approve(disbursement=waiting, user=approver).status == S.APPROVED


def test_a_payment_is_refused_when_the_fund_fell_short_after_approval(project, someone, officer, approver, finance):
    disbursement = approved(project, someone, "6000.00", officer=officer, approver=approver)
    donation_reverse(donation=project.gift, reason="银行回单重复登记")  # raised drops to 0
    with pytest.raises(DisbursementError) as raised:
        disbursement_pay(disbursement=disbursement, user=finance)
    assert "可用余额不足" in str(raised.value)
    disbursement.refresh_from_db()
    assert disbursement.status == S.APPROVED and disbursement.transaction_id is None
    assert not disbursement_transactions().exists()


def test_an_unrestricted_project_is_not_guarded(someone, officer, approver, finance):
    general = ProjectFactory(code="GEN", is_restricted=False)
    done = paid(general, someone, "500.00", officer=officer, approver=approver, finance=finance)
    assert done.status == S.PAID


# -- yearly caps -----------------------------------------------------------------------------------------------


def test_the_yearly_cap_counts_everything_live_in_the_year(project, someone, officer, approver, finance):
    enrol(someone, project, cap="1000.00")
    paid(project, someone, "500.00", officer=officer, approver=approver, finance=finance, on=date(2026, 2, 1))
    approved(project, someone, "300.00", officer=officer, approver=approver, on=date(2026, 3, 1))
    with pytest.raises(DisbursementError, match="年度上限"):
        submitted(project, someone, "200.01", officer=officer, on=date(2026, 12, 31))
    assert submitted(project, someone, "200.00", officer=officer, on=date(2026, 12, 31)).status == S.SUBMITTED
    with pytest.raises(DisbursementError, match="年度上限"):
        submitted(project, someone, "0.01", officer=officer, on=date(2026, 6, 1))
    # A new calendar year starts from zero.
    assert submitted(project, someone, "1000.00", officer=officer, on=date(2027, 1, 1)).status == S.SUBMITTED


def test_a_cancelled_disbursement_frees_the_cap(project, someone, officer, approver):
    enrol(someone, project, cap="1000.00")
    first = submitted(project, someone, "800.00", officer=officer)
    second = draft(project, someone, "300.00", user=officer)
    with pytest.raises(DisbursementError, match="年度上限"):
        disbursement_submit(disbursement=second, user=officer)
    disbursement_cancel(disbursement=first, user=approver, reason="重复申请")
    assert disbursement_submit(disbursement=second, user=officer).status == S.SUBMITTED


def test_the_cap_is_per_beneficiary_and_uncapped_enrolments_are_free(project, someone, officer):
    enrol(someone, project, cap="1000.00")
    other = person(2)
    enrol(other, project)  # no cap
    submitted(project, someone, "1000.00", officer=officer)
    assert submitted(project, other, "3000.00", officer=officer).status == S.SUBMITTED


# -- ledger postings -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "credit"), [(PaymentMethod.BANK, BANK), (PaymentMethod.CASH, CASH), (PaymentMethod.IN_KIND, INVENTORY)]
)
def test_paying_posts_one_transaction_from_the_funds_expense(
    method, credit, project, someone, officer, approver, finance
):
    disbursement = paid(project, someone, "1234.56", officer=officer, approver=approver, finance=finance, method=method)
    transactions = list(disbursement_transactions())
    assert len(transactions) == 1
    txn = transactions[0]
    assert disbursement.transaction == txn
    assert txn.kind == TransactionKind.DISBURSEMENT
    assert txn.source == f"disbursement:{disbursement.public_id}"
    legs = sorted((leg.side, leg.account.code, leg.amount) for leg in Leg.objects.filter(transaction=txn))
    assert legs == [("C", credit, Decimal("1234.56")), ("D", expense_code("XT100"), Decimal("1234.56"))]
    assert expense_code("XT100") == "5101.XT100"
    assert fund_figures("XT100").spent == Decimal("1234.56")
    disbursement.refresh_from_db()
    assert disbursement.paid_by == finance and disbursement.paid_at is not None


def test_paying_twice_is_refused_and_posts_nothing_more(project, someone, officer, approver, finance):
    disbursement = paid(project, someone, "100.00", officer=officer, approver=approver, finance=finance)
    before = Transaction.objects.count()
    with pytest.raises(DisbursementError):
        disbursement_pay(disbursement=disbursement, user=finance)
    assert Transaction.objects.count() == before
    assert fund_figures("XT100").spent == Decimal("100.00")


def test_reversal_posts_a_reversing_transaction_and_restores_available(project, someone, officer, approver, finance):
    disbursement = paid(project, someone, "2500.00", officer=officer, approver=approver, finance=finance)
    assert project_funding(project).available == Decimal("7500.00")
    with pytest.raises(DisbursementError, match="原因"):
        disbursement_reverse(disbursement=disbursement, user=finance, reason=" ")
    disbursement_reverse(disbursement=disbursement, user=finance, reason="银行退票:账户已销户")
    disbursement.refresh_from_db()
    assert disbursement.status == S.REVERSED
    assert disbursement.reversal_reason == "银行退票:账户已销户"
    reversal = Transaction.objects.get(reverses=disbursement.transaction)
    assert reversal.kind == TransactionKind.REVERSAL
    legs = sorted((leg.side, leg.account.code, leg.amount) for leg in Leg.objects.filter(transaction=reversal))
    assert legs == [("C", "5101.XT100", Decimal("2500.00")), ("D", BANK, Decimal("2500.00"))]
    funding = project_funding(project)
    assert (funding.spent, funding.available) == (Decimal("0.00"), Decimal("10000.00"))
    assert (funding.beneficiaries, funding.disbursements) == (0, 0)
    with pytest.raises(DisbursementError):
        disbursement_reverse(disbursement=disbursement, user=finance, reason="再冲一次")
    assert Transaction.objects.filter(kind=TransactionKind.REVERSAL).count() == 1


PRIVATE = {
    "name": "李小明",
    "id_number": "11010519491231002X",
    "phone": "13912345678",
    "bank_account": "6228480402564890018",
    "village": "和平社区",
}


@pytest.mark.parametrize(("consent", "shown"), [(True, "李*明"), (False, "李*")])
def test_the_public_record_shows_a_masked_name_and_region_only(consent, shown, project, officer, approver, finance):
    beneficiary = beneficiary_register(
        data=beneficiary_data(3, district="广安区", town="浓洄街道", guardian_phone="13800001111", **PRIVATE)
    )
    if consent:
        consent_record(
            beneficiary=beneficiary, given_by=ConsentGiver.SELF, giver_name="李小明", given_on=date(2026, 1, 5)
        )
    disbursement = paid(project, beneficiary, "800.00", officer=officer, approver=approver, finance=finance)
    disbursement_reverse(disbursement=disbursement, user=finance, reason="银行退票")
    records = [t.record for t in Transaction.objects.filter(kind__in=["disbursement", "reversal"])]
    assert len(records) == 2
    paid_record = Transaction.objects.get(kind="disbursement").record
    assert f'"beneficiary":"{shown}"' in paid_record
    assert '"region":"广安区"' in paid_record  # 血透100 is medical aid: the 区县 only (projects.disclosure)
    assert "浓洄街道" not in paid_record
    for text in records:
        for value in (*PRIVATE.values(), "11010519491231002x", "13800001111", "0402564890018", "12345678"):
            assert value not in text


def test_a_person_enrolled_in_the_project_is_not_paid_outside_every_enrolment(officer, funded_project):
    """Without an explicit enrolment the service finds the active one; if the person is enrolled in the project but
    no enrolment covers the date, the payment is refused rather than slipping past the end date and the cap."""
    from datetime import date

    from projects.models import StandardUnit
    from projects.services import DisbursementDraft, DisbursementError, beneficiary_register, disbursement_create
    from projects.services import enrolment_create as enrol
    from tests.factories import beneficiary_data

    person = beneficiary_register(data=beneficiary_data(901), created_by=officer)
    enrol(
        beneficiary=person,
        project=funded_project,
        standard_amount=Decimal("500.00"),
        standard_unit=StandardUnit.PER_MONTH,
        start_date=date(2026, 1, 1),
        end_date=date(2026, 3, 31),
        created_by=officer,
    )
    draft = DisbursementDraft(
        project=funded_project,
        beneficiary=person,
        amount=Decimal("500.00"),
        purpose="生活补助",
        disbursed_on=date(2026, 4, 1),
    )
    with pytest.raises(DisbursementError, match="登记期"):
        disbursement_create(draft=draft, user=officer)
    inside = disbursement_create(
        draft=DisbursementDraft(**{**draft.__dict__, "disbursed_on": date(2026, 3, 31)}), user=officer
    )
    assert inside.enrolment is not None and inside.enrolment.end_date == date(2026, 3, 31)
