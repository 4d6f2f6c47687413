"""The dashboard: 待我处理 shows each person what waits for them — drafts returned to their maker, submissions to
approve (not their own, not already signed this round), approvals to pay for finance — with counts, links and
how long each has waited; 定向基金余额 shows the restricted funds; 编辑 see neither."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from projects.models import Disbursement
from projects.services import disbursement_approve, disbursement_return
from tests.factories import ProjectFactory, staff_user
from tests.projects.disbursement_flows import draft, person, submitted
from tests.projects.test_admin_disbursements import html, login

pytestmark = pytest.mark.django_db

PANEL = "待我处理"
OVERDUE = '<span class="w-status w-status--label">已逾期</span>'


def record(disbursement) -> str:
    return f"/admin/disbursements/inspect/{disbursement.pk}/"


@pytest.fixture
def waiting(officer, funded_project):
    return submitted(funded_project, person(7), "1200.00", officer=officer)


def test_the_approver_sees_the_pending_item_with_a_link(approver, waiting):
    page = html(login(approver).get("/admin/"))
    assert PANEL in page and "待我审批(1)" in page
    assert record(waiting) in page and "已审批 0/1" in page
    assert 'id="pending-pay"' not in page and 'id="pending-returned"' not in page  # an approver neither pays nor drafts


def test_what_i_already_signed_this_round_leaves_my_list_but_not_the_others(
    settings, approver, approver2, officer, funded_project
):
    settings.DISBURSEMENT_DUAL_APPROVAL_AMOUNT = Decimal("500.00")
    dual = submitted(funded_project, person(8), "800.00", officer=officer)
    disbursement_approve(disbursement=dual, user=approver)
    mine = html(login(approver).get("/admin/"))
    assert "待我审批(0)" in mine and record(dual) not in mine
    theirs = html(login(approver2).get("/admin/"))
    assert "待我审批(1)" in theirs and record(dual) in theirs and "已审批 1/2" in theirs


def test_an_approver_who_made_it_does_not_see_it(funded_project, approver):
    both = staff_user("jianren", "项目官员", "审核人")
    own = submitted(funded_project, person(9), "300.00", officer=both)
    page = html(login(both).get("/admin/"))
    assert "待我审批(0)" in page and record(own) not in page
    assert record(own) in html(login(approver).get("/admin/"))


def test_a_returned_draft_waits_for_its_maker(officer, approver, waiting):
    disbursement_return(disbursement=waiting, user=approver, reason="缺少医院发票")
    page = html(login(officer).get("/admin/"))
    assert "退回待修改(1)" in page and record(waiting) in page and "缺少医院发票" in page
    other_officer = staff_user("guanyuan2", "项目官员")
    assert record(waiting) not in html(login(other_officer).get("/admin/"))  # only its maker
    assert "待我审批(0)" in html(login(approver).get("/admin/"))


def test_a_plain_draft_is_not_work_waiting(officer, funded_project):
    fresh = draft(funded_project, person(10), "300.00", user=officer)
    page = html(login(officer).get("/admin/"))
    assert "退回待修改(0)" in page and record(fresh) not in page


def test_finance_sees_what_waits_for_payment(approver, finance, waiting):
    client = login(finance)
    assert record(waiting) not in html(client.get("/admin/"))
    disbursement_approve(disbursement=waiting, user=approver)
    page = html(client.get("/admin/"))
    assert "待支付(1)" in page and record(waiting) in page and "不到 1 天" in page  # waiting since the approval
    assert 'id="pending-approve"' not in page  # finance does not approve


def test_old_items_are_flagged_overdue(settings, approver, waiting):
    settings.WORK_OVERDUE_DAYS = 3
    page = html(login(approver).get("/admin/"))
    assert OVERDUE not in page and "不到 1 天" in page
    Disbursement.objects.filter(pk=waiting.pk).update(submitted_at=timezone.now() - timedelta(days=5))
    page = html(login(approver).get("/admin/"))
    assert "5 天" in page and OVERDUE in page


def test_restricted_funds_table(approver, approver2, waiting, funded_project):
    ProjectFactory(code="GENERAL", name="总会统筹", is_restricted=False)
    disbursement_approve(disbursement=waiting, user=approver)
    page = html(login(approver2).get("/admin/"))
    assert "定向基金余额" in page
    assert "GY-ORPHAN" in page and "总会统筹" not in page
    # raised 10,000 · spent 0 · committed 1,200 · available 8,800
    for figure in ("10,000.00", "1,200.00", "8,800.00"):  # with separators, as on the public pages
        assert figure in page, figure


def test_the_auditor_sees_balances_but_no_work(auditor, waiting):
    page = html(login(auditor).get("/admin/"))
    assert 'id="restricted-funds-heading"' in page and PANEL not in page  # the balances: a panel of their own
    assert record(waiting) not in page


def test_the_editor_sees_no_panel(editor, waiting):
    response = login(editor).get("/admin/")
    assert response.status_code == 200
    page = html(response)
    assert PANEL not in page and "定向基金余额" not in page and "GY-ORPHAN" not in page
    assert record(waiting) not in page
