"""The dashboard panel 待办与基金余额: pending approvals for approvers, payments for finance, restricted funds'
balances for project staff; nothing for 编辑."""

from decimal import Decimal

import pytest

from projects.services import (
    DisbursementDraft,
    beneficiary_register,
    disbursement_approve,
    disbursement_create,
    disbursement_submit,
)
from tests.factories import ProjectFactory, beneficiary_data
from tests.projects.test_admin_disbursements import html, login

pytestmark = pytest.mark.django_db

PANEL = "待办与基金余额"


@pytest.fixture
def waiting(officer, funded_project):
    person = beneficiary_register(data=beneficiary_data(7), created_by=officer)
    draft = DisbursementDraft(
        project=funded_project,
        beneficiary=person,
        amount=Decimal("1200.00"),
        purpose="医疗救助",
        disbursed_on=funded_project.start_date,
    )
    return disbursement_submit(disbursement=disbursement_create(draft=draft, user=officer), user=officer)


def test_the_approver_sees_the_pending_item_with_a_link(approver, waiting):
    page = html(login(approver).get("/admin/"))
    assert PANEL in page and "待我审批(1)" in page
    assert f"/admin/disbursements/inspect/{waiting.pk}/" in page
    assert 'id="pending-pay"' not in page  # an approver does not pay


def test_finance_sees_what_waits_for_payment(approver, finance, waiting, funded_project):
    client = login(finance)
    assert f"/admin/disbursements/inspect/{waiting.pk}/" not in html(client.get("/admin/"))
    disbursement_approve(disbursement=waiting, user=approver)
    page = html(client.get("/admin/"))
    assert "待支付(1)" in page and f"/admin/disbursements/inspect/{waiting.pk}/" in page


def test_restricted_funds_table(approver, approver2, waiting, funded_project):
    ProjectFactory(code="GENERAL", name="总会统筹", is_restricted=False)
    disbursement_approve(disbursement=waiting, user=approver)
    page = html(login(approver2).get("/admin/"))
    assert "定向基金余额" in page
    assert "GY-ORPHAN" in page and "总会统筹" not in page
    # raised 10,000 · spent 0 · committed 1,200 · available 8,800
    for figure in ("10000.00", "1200.00", "8800.00"):
        assert figure in page, figure


def test_the_officer_sees_balances_but_no_approvals(officer, waiting):
    page = html(login(officer).get("/admin/"))
    assert PANEL in page and "待我审批" not in page
    assert f"/admin/disbursements/inspect/{waiting.pk}/" not in page


def test_the_editor_sees_no_panel(editor, waiting):
    response = login(editor).get("/admin/")
    assert response.status_code == 200
    page = html(response)
    assert PANEL not in page and "GY-ORPHAN" not in page
    assert f"/admin/disbursements/inspect/{waiting.pk}/" not in page
