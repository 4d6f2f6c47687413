"""拨付 through the Wagtail admin, as each group: the officer drafts and submits, the approver approves, finance
pays; the services refuse everything else with a Chinese message and nothing changes. Buttons follow the same
rules (for display only)."""

from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from wagtail.documents import get_document_model
from wagtail.models import ModelLogEntry
from wagtail.permissions import policy_registry

from ledger.models import Transaction, TransactionKind
from projects.models import Approval, Disbursement, DisbursementStatus
from projects.selectors import project_funding
from projects.services import DisbursementDraft, beneficiary_register, disbursement_create, disbursement_submit
from tests.factories import ProjectFactory, beneficiary_data, staff_user
from tests.projects.conftest import give

pytestmark = pytest.mark.django_db

BASE = "/admin/disbursements/"
ACTIONS = ("submit", "approve", "return", "pay", "cancel", "reverse")


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name: str, pk: int | None = None) -> str:
    return f"{BASE}{name}/{pk}/" if pk is not None else f"{BASE}{name}/"


def refused(response) -> bool:
    """403, or Wagtail's own refusal: back to the dashboard with 'no permission'."""
    return response.status_code == 403 or (response.status_code == 302 and response["Location"] == "/admin/")


def form_data(project, beneficiary, **overrides) -> dict:
    data = {
        "project": project.pk,
        "beneficiary": beneficiary.pk,
        "amount": "800.00",
        "purpose": "学费补助",
        "disbursed_on": "2026-03-01",
        "method": "bank",
        "payee": "beneficiary",
        "payee_name": "",
        "notes": "",
    }
    return {**data, **overrides}


@pytest.fixture
def person(officer):
    return beneficiary_register(data=beneficiary_data(3), created_by=officer)


def draft(project, beneficiary, user, amount="800.00") -> Disbursement:
    return disbursement_create(
        draft=DisbursementDraft(
            project=project,
            beneficiary=beneficiary,
            amount=Decimal(amount),
            purpose="学费补助",
            disbursed_on=project.start_date,
        ),
        user=user,
    )


def submitted(project, beneficiary, officer, amount="800.00") -> Disbursement:
    return disbursement_submit(disbursement=draft(project, beneficiary, officer, amount), user=officer)


def html(response) -> str:
    return response.content.decode()


def logged(subject, action: str) -> ModelLogEntry | None:
    return ModelLogEntry.objects.for_instance(subject).filter(action=action).first()


# --- the whole cycle --------------------------------------------------------------------------------------------


def test_officer_drafts_submits_approver_approves_finance_pays(officer, approver, finance, funded_project, person):
    as_officer, as_approver, as_finance = login(officer), login(approver), login(finance)

    response = as_officer.post(url("new"), form_data(funded_project, person))
    assert response.status_code == 302, html(response)[:3000]
    disbursement = Disbursement.objects.get()
    assert response["Location"] == url("inspect", disbursement.pk)
    assert (disbursement.status, disbursement.created_by, disbursement.amount) == ("draft", officer, Decimal("800"))
    assert logged(disbursement, "wagtail.create")

    page = html(as_officer.get(url("inspect", disbursement.pk)))
    assert url("submit", disbursement.pk) in page and url("approve", disbursement.pk) not in page
    assert as_officer.get(url("submit", disbursement.pk)).status_code == 200
    assert as_officer.post(url("submit", disbursement.pk))["Location"] == url("inspect", disbursement.pk)
    disbursement.refresh_from_db()
    assert disbursement.status == DisbursementStatus.SUBMITTED
    assert logged(disbursement, "projects.disbursement.submit").user == officer

    # The officer is offered no approval, and a forged POST is refused by the service without a change.
    assert url("approve", disbursement.pk) not in html(as_officer.get(url("inspect", disbursement.pk)))
    response = as_officer.post(url("approve", disbursement.pk), {"comment": "自己批"})
    assert response.status_code == 403 and "没有审批拨付的权限" in html(response)
    assert not Approval.objects.exists()

    page = html(as_approver.get(url("inspect", disbursement.pk)))
    assert url("approve", disbursement.pk) in page and url("pay", disbursement.pk) not in page
    response = as_approver.post(url("approve", disbursement.pk), {"comment": "材料齐全,同意"})
    assert response.status_code == 302
    disbursement.refresh_from_db()
    assert disbursement.status == DisbursementStatus.APPROVED
    assert logged(disbursement, "projects.disbursement.approve").data["comment"] == "材料齐全,同意"
    page = html(as_approver.get(url("inspect", disbursement.pk)))
    assert "材料齐全,同意" in page and "shenhe" in page  # the approval history
    assert url("pay", disbursement.pk) not in page

    response = as_approver.post(url("pay", disbursement.pk))
    assert response.status_code == 403 and "没有支付拨付的权限" in html(response)
    disbursement.refresh_from_db()
    assert disbursement.status == DisbursementStatus.APPROVED and disbursement.transaction_id is None

    available_before = project_funding(funded_project).available + Decimal("800.00")  # committed counts already
    assert url("pay", disbursement.pk) in html(as_finance.get(url("inspect", disbursement.pk)))
    assert as_finance.post(url("pay", disbursement.pk)).status_code == 302
    disbursement.refresh_from_db()
    assert disbursement.status == DisbursementStatus.PAID and disbursement.paid_by == finance
    txn = Transaction.objects.get(pk=disbursement.transaction_id)
    assert txn.kind == TransactionKind.DISBURSEMENT
    assert logged(disbursement, "projects.disbursement.pay").data["transaction"] == txn.sequence
    page = html(as_finance.get(url("inspect", disbursement.pk)))
    assert f"#{txn.sequence}" in page and "/transparency/?project=GY-ORPHAN" in page
    assert project_funding(funded_project).available == available_before - Decimal("800.00")


def test_the_form_shows_the_chosen_beneficiary_masked(officer, funded_project, person):
    page = html(login(officer).get(url("edit", draft(funded_project, person, officer).pk)))
    assert person.masked_name in page and person.id_number_masked in page
    assert person.name not in page and beneficiary_data(3).id_number not in page


def test_a_refused_draft_shows_the_chinese_message_and_saves_nothing(officer, funded_project, person):
    response = login(officer).post(url("new"), form_data(funded_project, person, purpose="联系 13912345678"))
    assert response.status_code == 200
    assert "用途会公示,不能包含身份证号、手机号或银行账号" in html(response)
    assert not Disbursement.objects.exists()


def test_supporting_documents_through_the_document_chooser(officer, funded_project, person):
    invoice, receipt = (
        get_document_model().objects.create(title=title, file=ContentFile(b"%PDF-1.4", name=f"{title}.pdf"))
        for title in ("医院发票", "签收单")
    )
    client = login(officer)
    new_page = html(client.get(url("new")))
    assert new_page.count('name="documents"') >= 2 and "new DocumentChooser" in new_page
    data = {**form_data(funded_project, person), "documents": [invoice.pk, "", receipt.pk]}
    assert client.post(url("new"), data).status_code == 302
    disbursement = Disbursement.objects.get()
    assert set(disbursement.documents.all()) == {invoice, receipt}
    assert "医院发票" in html(client.get(url("inspect", disbursement.pk)))
    assert "签收单" in html(client.get(url("edit", disbursement.pk)))  # chosen documents are shown for editing
    client.post(url("edit", disbursement.pk), {**form_data(funded_project, person), "documents": [receipt.pk]})
    assert list(disbursement.documents.all()) == [receipt]


def test_only_a_draft_is_editable(officer, funded_project, person):
    client = login(officer)
    disbursement = draft(funded_project, person, officer)
    assert (
        client.post(url("edit", disbursement.pk), form_data(funded_project, person, amount="900.00")).status_code == 302
    )
    disbursement.refresh_from_db()
    assert disbursement.amount == Decimal("900.00")
    assert logged(disbursement, "wagtail.edit")

    disbursement_submit(disbursement=disbursement, user=officer)
    assert url("edit", disbursement.pk) not in html(client.get(url("inspect", disbursement.pk)))
    response = client.post(url("edit", disbursement.pk), form_data(funded_project, person, amount="1.00"))
    assert response["Location"] == url("inspect", disbursement.pk)
    disbursement.refresh_from_db()
    assert disbursement.amount == Decimal("900.00")


# --- maker-checker, dual approval and the fund guard, through the screens -----------------------------------------


def test_an_approver_who_submitted_is_refused_with_the_chinese_message(funded_project, person):
    both = staff_user("jianren", "项目官员", "审核人")
    disbursement = submitted(funded_project, person, both)
    client = login(both)
    assert url("approve", disbursement.pk) not in html(client.get(url("inspect", disbursement.pk)))
    response = client.post(url("approve", disbursement.pk), {"comment": "同意"})
    assert response.status_code == 200
    assert "审批人不能是经办人或提交人" in html(response)
    disbursement.refresh_from_db()
    assert disbursement.status == DisbursementStatus.SUBMITTED and not Approval.objects.exists()


def test_above_the_threshold_two_approvers_are_needed(settings, officer, approver, approver2, finance, person):
    project = ProjectFactory(code="XT100", name="血透100")
    give(project, "100000.00", finance_user=finance)
    amount = settings.DISBURSEMENT_DUAL_APPROVAL_AMOUNT + Decimal("0.01")
    disbursement = submitted(project, person, officer, amount=str(amount))
    assert disbursement.required_approvals == 2

    first = login(approver)
    response = first.post(url("approve", disbursement.pk), {"comment": "同意"}, follow=True)
    assert "还需另一位审核人审批" in html(response)
    disbursement.refresh_from_db()
    assert disbursement.status == DisbursementStatus.SUBMITTED
    assert url("approve", disbursement.pk) not in html(first.get(url("inspect", disbursement.pk)))
    assert "您已审批过本次提交" in html(first.post(url("approve", disbursement.pk), {"comment": "再批"}))

    assert login(approver2).post(url("approve", disbursement.pk), {"comment": "复核同意"}).status_code == 302
    disbursement.refresh_from_db()
    assert disbursement.status == DisbursementStatus.APPROVED
    assert Approval.objects.filter(disbursement=disbursement).count() == 2


def test_an_approval_beyond_the_restricted_fund_shows_the_chinese_message(officer, approver, funded_project, person):
    disbursement = submitted(funded_project, person, officer, amount="20000.00")  # the fund holds 10,000
    response = login(approver).post(url("approve", disbursement.pk), {"comment": "同意"})
    assert response.status_code == 200
    assert "可用余额不足" in html(response)
    disbursement.refresh_from_db()
    assert disbursement.status == DisbursementStatus.SUBMITTED and not Approval.objects.exists()
    assert not logged(disbursement, "projects.disbursement.approve")


# --- return, cancel, reverse -------------------------------------------------------------------------------------


def test_return_needs_a_reason_and_goes_back_to_draft(officer, approver, funded_project, person):
    disbursement = submitted(funded_project, person, officer)
    client = login(approver)
    assert "请填写退回原因" in html(client.post(url("return", disbursement.pk), {"reason": " "}))
    disbursement.refresh_from_db()
    assert disbursement.status == DisbursementStatus.SUBMITTED
    client.post(url("return", disbursement.pk), {"reason": "缺少发票"})
    disbursement.refresh_from_db()
    assert (disbursement.status, disbursement.return_reason) == ("draft", "缺少发票")
    assert "缺少发票" in html(login(officer).get(url("inspect", disbursement.pk)))


def test_the_officer_cancels_a_draft_with_a_reason(officer, funded_project, person):
    disbursement = draft(funded_project, person, officer)
    client = login(officer)
    assert url("cancel", disbursement.pk) in html(client.get(url("inspect", disbursement.pk)))
    assert "请填写作废原因" in html(client.post(url("cancel", disbursement.pk), {"reason": ""}))
    client.post(url("cancel", disbursement.pk), {"reason": "重复录入"})
    disbursement.refresh_from_db()
    assert (disbursement.status, disbursement.cancel_reason) == ("cancelled", "重复录入")


def _paid(project, person, officer, approver, finance) -> Disbursement:
    disbursement = submitted(project, person, officer)
    login(approver).post(url("approve", disbursement.pk), {"comment": ""})
    login(finance).post(url("pay", disbursement.pk))
    disbursement.refresh_from_db()
    assert disbursement.status == DisbursementStatus.PAID
    return disbursement


def test_finance_reverses_a_payment_with_a_reason(officer, approver, finance, funded_project, person):
    disbursement = _paid(funded_project, person, officer, approver, finance)
    client = login(finance)
    assert url("reverse", disbursement.pk) in html(client.get(url("inspect", disbursement.pk)))
    assert "冲正必须填写原因" in html(client.post(url("reverse", disbursement.pk), {"reason": ""}))
    disbursement.refresh_from_db()
    assert disbursement.status == DisbursementStatus.PAID
    assert client.post(url("reverse", disbursement.pk), {"reason": "银行退回:账户已销户"}).status_code == 302
    disbursement.refresh_from_db()
    assert (disbursement.status, disbursement.reversal_reason) == ("reversed", "银行退回:账户已销户")
    assert Transaction.objects.filter(kind=TransactionKind.REVERSAL).count() == 1
    assert logged(disbursement, "projects.disbursement.reverse").data["reason"] == "银行退回:账户已销户"
    assert project_funding(funded_project).spent == Decimal("0.00")

    history = html(login(approver).get(url("history", disbursement.pk)))
    for label in ("拨付审批通过", "拨付支付", "拨付冲正:银行退回:账户已销户"):  # submitted by the service
        assert label in history, label


# --- who sees what ------------------------------------------------------------------------------------------------


def test_the_editor_is_refused_on_every_url(editor, officer, funded_project, person):
    disbursement = submitted(funded_project, person, officer)
    client = login(editor)
    for path in [
        BASE,
        url("new"),
        url("inspect", disbursement.pk),
        url("edit", disbursement.pk),
        url("history", disbursement.pk),
        *(url(a, disbursement.pk) for a in ACTIONS),
    ]:
        assert refused(client.get(path)), path
    for path in [url("new"), url("edit", disbursement.pk), *(url(a, disbursement.pk) for a in ACTIONS)]:
        assert refused(client.post(path, {"reason": "x", "comment": "x"})), path
    disbursement.refresh_from_db()
    assert disbursement.status == DisbursementStatus.SUBMITTED and not Approval.objects.exists()


def test_the_auditor_reads_but_every_action_is_refused(auditor, officer, approver, finance, funded_project, person):
    paid = _paid(funded_project, person, officer, approver, finance)
    waiting = submitted(funded_project, beneficiary_register(data=beneficiary_data(4), created_by=officer), officer)
    client = login(auditor)
    assert client.get(BASE).status_code == 200
    for subject in (paid, waiting):
        page = html(client.get(url("inspect", subject.pk)))
        assert "审批记录" in page and "可执行的操作" not in page
        for action in ACTIONS:
            response = client.post(url(action, subject.pk), {"reason": "审计", "comment": "审计"})
            assert response.status_code == 403 and "没有" in html(response), action
    assert refused(client.get(url("new")))
    paid.refresh_from_db()
    waiting.refresh_from_db()
    assert (paid.status, waiting.status) == ("paid", "submitted")
    assert Approval.objects.count() == 1


def test_nobody_deletes_a_disbursement(officer, funded_project, person):
    disbursement = draft(funded_project, person, officer)
    admin = staff_user("root", "项目官员")
    admin.is_superuser = True
    admin.save()
    assert login(admin).get(f"{BASE}delete/{disbursement.pk}/").status_code == 404
    assert not policy_registry.get_by_type(Disbursement).user_has_permission(admin, "delete")


def test_list_columns_filters_and_search(officer, approver, funded_project, person):
    other = ProjectFactory(code="AXFM", name="爱心复明")
    submitted(funded_project, person, officer)
    draft(other, person, officer, amount="300.00")
    client = login(approver)
    page = html(client.get(BASE))
    for label in ("项目", "受助人", "金额(元)", "用途(公开)", "状态", "支付日期", "经办人", "待审批", "草稿"):
        assert label in page, label
    assert person.masked_name in page and person.name not in page
    page = html(client.get(BASE, {"status": "submitted"}))
    assert "待审批" in page and "300.00" not in page
    page = html(client.get(BASE, {"q": "AXFM"}))
    assert "300.00" in page and "800.00" not in page
    page = html(client.get(BASE, {"project": funded_project.pk}))
    assert "800.00" in page and "300.00" not in page
    page = html(client.get(BASE, {"disbursed_on_from": "2026-01-01", "disbursed_on_to": "2026-01-31"}))
    assert "800.00" in page and "300.00" in page
    page = html(client.get(BASE, {"disbursed_on_from": "2027-01-01"}))
    assert "800.00" not in page and "300.00" not in page
    page = html(client.get(BASE, {"method": "cash"}))
    assert "800.00" not in page and "300.00" not in page
