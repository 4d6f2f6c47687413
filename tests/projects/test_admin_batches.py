"""批量发放 through the Wagtail admin: created from a project's active enrolments, reviewed (items, total, count),
trimmed while a draft, submitted, approved as one unit and paid all at once — each step through its view."""

from datetime import date
from decimal import Decimal

import pytest
from wagtail.models import ModelLogEntry

from ledger.models import Transaction, TransactionKind
from projects.models import Approval, DisbursementBatch, DisbursementStatus, StandardUnit
from projects.services import batch_create, batch_submit, beneficiary_register, enrolment_create
from tests.factories import beneficiary_data
from tests.projects.test_admin_disbursements import html, login, refused

pytestmark = pytest.mark.django_db

BASE = "/admin/disbursement-batches/"
ACTIONS = ("submit", "approve", "return", "pay", "cancel")
TITLE = "2026年春季学期孤儿助学金"


def url(name: str, pk: int | None = None) -> str:
    return f"{BASE}{name}/{pk}/" if pk is not None else f"{BASE}{name}/"


@pytest.fixture
def enrolled(officer, funded_project):
    """Three orphans enrolled at 1,500 元 a term from 2026-02-01."""
    people = []
    for n in (11, 12, 13):
        person = beneficiary_register(data=beneficiary_data(n, born="20070301"), created_by=officer)
        enrolment_create(
            beneficiary=person,
            project=funded_project,
            standard_amount=Decimal("1500.00"),
            standard_unit=StandardUnit.PER_YEAR,
            start_date=date(2026, 2, 1),
            created_by=officer,
        )
        people.append(person)
    return people


def batch_form(project, **overrides) -> dict:
    data = {"project": project.pk, "title": TITLE, "disbursed_on": "2026-03-01", "purpose": "助学金", "method": "bank"}
    return {**data, **overrides}


def a_batch(project, officer) -> DisbursementBatch:
    return batch_create(project=project, title=TITLE, disbursed_on=date(2026, 3, 1), purpose="助学金", user=officer)


def test_create_review_trim_submit_approve_pay(officer, approver, finance, funded_project, enrolled):
    as_officer = login(officer)
    response = as_officer.post(url("new"), batch_form(funded_project))
    assert response.status_code == 302, html(response)[:3000]
    batch = DisbursementBatch.objects.get()
    assert response["Location"] == url("inspect", batch.pk)
    assert ModelLogEntry.objects.for_instance(batch).filter(action="wagtail.create").exists()

    page = html(as_officer.get(url("inspect", batch.pk)))
    assert "共 3 人" in page and "4,500.00" in page
    for person in enrolled:
        assert person.masked_name in page and person.name not in page
    first = batch.items.order_by("pk").first()
    remove = f"{BASE}remove-item/{batch.pk}/{first.pk}/"
    assert remove in page
    assert as_officer.get(remove).status_code == 200
    assert as_officer.post(remove)["Location"] == url("inspect", batch.pk)
    assert batch.items.count() == 2
    assert "共 2 人" in html(as_officer.get(url("inspect", batch.pk)))

    assert as_officer.post(url("submit", batch.pk)).status_code == 302
    batch.refresh_from_db()
    assert batch.status == DisbursementStatus.SUBMITTED
    page = html(as_officer.get(url("inspect", batch.pk)))
    assert remove.replace(str(first.pk), str(batch.items.first().pk)) not in page  # no trimming once submitted
    assert url("approve", batch.pk) not in page
    response = as_officer.post(url("approve", batch.pk), {"comment": "同意"})
    assert response.status_code == 403 and "没有审批批次的权限" in html(response)

    as_approver = login(approver)
    assert url("approve", batch.pk) in html(as_approver.get(url("inspect", batch.pk)))
    assert as_approver.post(url("approve", batch.pk), {"comment": "名单已核对"}).status_code == 302
    batch.refresh_from_db()
    assert batch.status == DisbursementStatus.APPROVED
    assert set(batch.items.values_list("status", flat=True)) == {DisbursementStatus.APPROVED}
    response = as_approver.post(url("pay", batch.pk))
    assert response.status_code == 403 and "没有支付批次的权限" in html(response)

    as_finance = login(finance)
    assert url("pay", batch.pk) in html(as_finance.get(url("inspect", batch.pk)))
    assert as_finance.post(url("pay", batch.pk)).status_code == 302
    batch.refresh_from_db()
    assert batch.status == DisbursementStatus.PAID and batch.paid_by == finance
    assert Transaction.objects.filter(kind=TransactionKind.DISBURSEMENT).count() == 2
    assert set(batch.items.values_list("status", flat=True)) == {DisbursementStatus.PAID}
    entry = ModelLogEntry.objects.for_instance(batch).get(action="projects.batch.pay")
    assert entry.data["items"] == 2 and entry.data["total"] == "3000.00"
    page = html(as_finance.get(url("inspect", batch.pk)))
    assert "名单已核对" in page and "已支付" in page


def test_an_item_cannot_be_removed_once_submitted(officer, funded_project, enrolled):
    batch = batch_submit(batch=a_batch(funded_project, officer), user=officer)
    item = batch.items.first()
    response = login(officer).post(f"{BASE}remove-item/{batch.pk}/{item.pk}/")
    assert "只能从草稿批次中移除" in html(response)
    assert batch.items.count() == 3


def test_refusals_are_shown_in_chinese(officer, funded_project, enrolled):
    client = login(officer)
    response = client.post(url("new"), batch_form(funded_project, disbursed_on="2026-01-15"))
    assert "没有有效的救助对象登记" in html(response)
    a_batch(funded_project, officer)
    response = client.post(url("new"), batch_form(funded_project))
    assert "同一批次不能发放两次" in html(response)
    assert DisbursementBatch.objects.count() == 1


def test_an_item_of_a_batch_moves_only_with_its_batch(officer, funded_project, enrolled):
    batch = a_batch(funded_project, officer)
    item = batch.items.first()
    client = login(officer)
    page = html(client.get(f"/admin/disbursements/inspect/{item.pk}/"))
    assert "/admin/disbursements/submit/" not in page and "/admin/disbursements/edit/" not in page
    assert "请在批次中统一操作" in html(client.post(f"/admin/disbursements/submit/{item.pk}/"))
    item.refresh_from_db()
    assert item.status == DisbursementStatus.DRAFT


def test_return_then_cancel(officer, approver, funded_project, enrolled):
    batch = batch_submit(batch=a_batch(funded_project, officer), user=officer)
    client = login(approver)
    assert "请填写退回原因" in html(client.post(url("return", batch.pk), {"reason": ""}))
    client.post(url("return", batch.pk), {"reason": "名单需更新"})
    batch.refresh_from_db()
    assert (batch.status, batch.return_reason) == ("draft", "名单需更新")
    login(officer).post(url("cancel", batch.pk), {"reason": "改为下月发放"})
    batch.refresh_from_db()
    assert batch.status == DisbursementStatus.CANCELLED
    assert set(batch.items.values_list("status", flat=True)) == {DisbursementStatus.CANCELLED}


def test_the_editor_is_refused_and_the_auditor_only_reads(editor, auditor, officer, funded_project, enrolled):
    batch = batch_submit(batch=a_batch(funded_project, officer), user=officer)
    item = batch.items.first()
    as_editor, as_auditor = login(editor), login(auditor)
    paths = [
        BASE,
        url("new"),
        url("inspect", batch.pk),
        url("history", batch.pk),
        f"{BASE}remove-item/{batch.pk}/{item.pk}/",
        *(url(a, batch.pk) for a in ACTIONS),
    ]
    for path in paths:
        assert refused(as_editor.get(path)), path
        assert refused(as_editor.post(path, {"reason": "x"})), path
    assert as_auditor.get(BASE).status_code == 200
    page = html(as_auditor.get(url("inspect", batch.pk)))
    assert TITLE in page and "可执行的操作" not in page
    for action in ACTIONS:
        response = as_auditor.post(url(action, batch.pk), {"reason": "审计", "comment": "审计"})
        assert response.status_code == 403 and "没有" in html(response), action
    assert refused(as_auditor.get(url("new")))
    batch.refresh_from_db()
    assert batch.status == DisbursementStatus.SUBMITTED and batch.items.count() == 3
    assert not Approval.objects.exists()


def test_list_shows_count_total_and_filters(approver, officer, funded_project, enrolled):
    a_batch(funded_project, officer)
    client = login(approver)
    page = html(client.get(BASE))
    for label in (TITLE, "人数", "合计(元)", "4,500.00", "草稿", "支付日期"):
        assert label in page, label
    assert TITLE not in html(client.get(BASE, {"status": "paid"}))
    assert TITLE in html(client.get(BASE, {"q": funded_project.code}))
    assert f"{BASE}edit/" not in page and f"{BASE}delete/" not in page
