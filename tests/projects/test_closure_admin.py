"""结项 in the admin: 财务 proposes from the project list (the leftover read from the ledger, targets limited to active
funds), 审核人 approves or rejects on the record page, the proposer is offered neither, others get a 403; closing by
editing the status is refused while the fund holds money."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client

from ledger.selectors import fund_figures
from projects.models import ClosureStatus, Project, ProjectClosure, Status
from tests.factories import ProjectFactory
from tests.projects.conftest import give
from tests.projects.disbursement_flows import person, submitted
from tests.projects.test_admin import PROJECT_FORM

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def funds(finance):
    giver = ProjectFactory(code="XT100", name="血透100")
    receiver = ProjectFactory(code="FM200", name="爱心复明")
    ProjectFactory(code="OLD1", name="旧项目", status=Status.CLOSED)
    give(giver, "1200.00", finance_user=finance)
    return giver, receiver


def page(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def propose(client, giver, receiver):
    return client.post(
        f"/admin/projects/{giver.pk}/close/",
        {"decision": "transfer", "target": receiver.pk, "reason": "结余转入同类项目", "basis": "依据募捐方案第 5 条"},
    )


def test_the_project_list_offers_closure_to_who_may_propose(funds, finance, approver):
    giver, _ = funds
    url = f"/admin/projects/{giver.pk}/close/"
    assert url in logged_in(finance).get("/admin/projects/").content.decode()
    assert url not in logged_in(approver).get("/admin/projects/").content.decode()


def test_the_form_shows_the_leftover_and_only_active_targets(funds, finance):
    giver, receiver = funds
    html = page(logged_in(finance).get(f"/admin/projects/{giver.pk}/close/"))
    assert "结余(账本)" in html and "¥1,200.00" in html
    assert "爱心复明" in html and "旧项目" not in html
    assert "提交结项决定" in html and "募捐方案" in html


def test_propose_then_approve(funds, finance, approver):
    giver, receiver = funds
    response = propose(logged_in(finance), giver, receiver)
    closure = ProjectClosure.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/admin/projects/closures/{closure.pk}/")
    record = page(logged_in(finance).get(response["Location"]))
    assert "待审批" in record and "审批通过" not in record  # the proposer is not offered the approval
    approver_client = logged_in(approver)
    assert "审批通过(记账并结项)" in page(approver_client.get(response["Location"]))
    approver_client.post(response["Location"], {"action": "approve"})
    closure.refresh_from_db()
    assert closure.status == ClosureStatus.POSTED
    assert Project.objects.get(pk=giver.pk).status == Status.CLOSED
    assert fund_figures("FM200").available == Decimal("1200.00")
    html = page(approver_client.get(response["Location"]))
    assert "已审批并结项" in html and "来源 fund-closure:XT100" in html
    listing = page(approver_client.get("/admin/projects/closures/"))
    assert "血透100" in listing and "已审批并结项" in listing


def test_reject_with_a_reason(funds, finance, approver):
    giver, receiver = funds
    response = propose(logged_in(finance), giver, receiver)
    logged_in(approver).post(response["Location"], {"action": "reject", "reason": "应转为非限定性"})
    closure = ProjectClosure.objects.get()
    assert (closure.status, closure.reject_reason) == (ClosureStatus.REJECTED, "应转为非限定性")
    assert Project.objects.get(pk=giver.pk).status != Status.CLOSED


def test_a_refusal_is_shown_in_chinese(funds, finance, officer):
    giver, receiver = funds
    submitted(giver, person(1), "100.00", officer=officer)
    html = page(logged_in(finance).get(f"/admin/projects/{giver.pk}/close/"))
    assert "已提交或已审批未支付的拨付" in html and "提交结项决定" not in html
    propose(logged_in(finance), giver, receiver)
    assert not ProjectClosure.objects.exists()


def test_who_may_not_gets_a_403(funds, editor, auditor, finance, approver):
    giver, receiver = funds
    assert logged_in(editor).get("/admin/projects/closures/").status_code == 403
    assert logged_in(approver).get(f"/admin/projects/{giver.pk}/close/").status_code == 403
    assert logged_in(auditor).get("/admin/projects/closures/").status_code == 200  # 审计 reads
    response = propose(logged_in(finance), giver, receiver)
    logged_in(auditor).post(response["Location"], {"action": "approve"})
    assert ProjectClosure.objects.get().status == ClosureStatus.PROPOSED


def test_closing_by_editing_the_status_is_refused_while_money_is_left(funds, admin_client):
    giver, _ = funds
    data = {**PROJECT_FORM, "code": "XT100", "name": "血透100", "status": "closed"}
    html = page(admin_client.post(f"/admin/projects/edit/{giver.pk}/", data))
    assert "请通过「结项」办理" in html
    assert Project.objects.get(pk=giver.pk).status != Status.CLOSED


def test_the_approvers_dashboard_lists_pending_closures(funds, finance, approver):
    giver, receiver = funds
    response = propose(logged_in(finance), giver, receiver)
    dashboard = page(logged_in(approver).get("/admin/"))
    assert "待审批结项" in dashboard and response["Location"] in dashboard
    assert "待审批结项" not in page(logged_in(finance).get("/admin/"))  # the proposer does not approve
