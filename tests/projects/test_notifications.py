"""Work reaches the people who must do it: a submission is e-mailed to the approvers (never its maker or
submitter), a final approval to finance, a return to its maker; through the task queue, after the commit, so a
refused or rolled-back step sends nothing. The mails name people only by masked name and link to the record."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction

from projects.models import Disbursement
from projects.notifications import announce
from projects.services import batch_create
from tests.factories import id_number, staff_user
from tests.projects.disbursement_flows import draft, enrol, person, submitted
from tests.projects.test_admin_disbursements import login

pytestmark = pytest.mark.django_db

BASE = "/admin/disbursements/"
BATCHES = "/admin/disbursement-batches/"


@pytest.fixture(autouse=True)
def _immediate_tasks_and_locmem_mail(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def staff(officer, approver, approver2, finance, auditor):
    return {"officer": officer, "approver": approver, "approver2": approver2, "finance": finance}


@pytest.fixture
def patient(officer):
    return person(21, name="张卫三")


def act(user, path: str, data: dict, capture):
    with capture(execute=True):
        return login(user).post(path, data)


def recipients(outbox) -> list[str]:
    return sorted(address for message in outbox for address in message.to)


def test_a_submission_is_mailed_to_the_approvers_only(
    staff, funded_project, patient, mailoutbox, django_capture_on_commit_callbacks
):
    disbursement = draft(funded_project, patient, "800.00", user=staff["officer"])
    response = act(staff["officer"], f"{BASE}submit/{disbursement.pk}/", {}, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert recipients(mailoutbox) == ["shenhe2@example.org", "shenhe@example.org"]  # one message each
    assert all(len(m.to) == 1 for m in mailoutbox)
    message = mailoutbox[0]
    assert "待审批" in message.subject and "张*三" in message.subject
    assert f"http://testserver/admin/disbursements/inspect/{disbursement.pk}/" in message.body
    for private in ("张卫三", id_number(21, "19600101"), "13900000021"):
        assert private not in message.subject + message.body


def test_a_maker_who_is_also_an_approver_is_not_told_of_their_own_submission(
    staff, funded_project, patient, mailoutbox, django_capture_on_commit_callbacks
):
    both = staff_user("jianren", "项目官员", "审核人")
    disbursement = draft(funded_project, patient, "800.00", user=both)
    act(both, f"{BASE}submit/{disbursement.pk}/", {}, django_capture_on_commit_callbacks)
    assert recipients(mailoutbox) == ["shenhe2@example.org", "shenhe@example.org"]


def test_the_final_approval_is_mailed_to_finance(
    staff, funded_project, patient, mailoutbox, django_capture_on_commit_callbacks
):
    disbursement = submitted(funded_project, patient, "800.00", officer=staff["officer"])
    act(staff["approver"], f"{BASE}approve/{disbursement.pk}/", {"comment": "同意"}, django_capture_on_commit_callbacks)
    assert recipients(mailoutbox) == ["caiwu@example.org"]
    assert "待支付" in mailoutbox[0].subject and "已审批通过,等待支付" in mailoutbox[0].body


def test_a_first_of_two_approvals_tells_nobody_the_second_tells_finance(
    settings, staff, funded_project, patient, mailoutbox, django_capture_on_commit_callbacks
):
    settings.DISBURSEMENT_DUAL_APPROVAL_AMOUNT = Decimal("500.00")
    disbursement = submitted(funded_project, patient, "800.00", officer=staff["officer"])
    act(staff["approver"], f"{BASE}approve/{disbursement.pk}/", {"comment": ""}, django_capture_on_commit_callbacks)
    assert mailoutbox == []
    act(staff["approver2"], f"{BASE}approve/{disbursement.pk}/", {"comment": ""}, django_capture_on_commit_callbacks)
    assert recipients(mailoutbox) == ["caiwu@example.org"]


def test_a_return_is_mailed_to_its_maker_with_the_reason(
    staff, funded_project, patient, mailoutbox, django_capture_on_commit_callbacks
):
    disbursement = submitted(funded_project, patient, "800.00", officer=staff["officer"])
    act(
        staff["approver"],
        f"{BASE}return/{disbursement.pk}/",
        {"reason": "缺少医院发票"},
        django_capture_on_commit_callbacks,
    )
    assert recipients(mailoutbox) == ["guanyuan@example.org"]
    assert "已退回修改" in mailoutbox[0].subject and "缺少医院发票" in mailoutbox[0].body


def test_a_refused_step_sends_nothing(staff, funded_project, patient, mailoutbox, django_capture_on_commit_callbacks):
    disbursement = submitted(funded_project, patient, "800.00", officer=staff["officer"])
    refused = act(
        staff["officer"], f"{BASE}approve/{disbursement.pk}/", {"comment": ""}, django_capture_on_commit_callbacks
    )
    assert refused.status_code == 403  # the officer may not approve
    too_big = submitted(funded_project, person(22), "20000.00", officer=staff["officer"])
    over = act(staff["approver"], f"{BASE}approve/{too_big.pk}/", {"comment": ""}, django_capture_on_commit_callbacks)
    assert over.status_code == 200 and "可用" in over.content.decode()  # the fund holds only 10,000
    assert mailoutbox == []
    assert Disbursement.objects.get(pk=too_big.pk).status == "submitted"
    act(staff["approver"], f"{BASE}approve/{disbursement.pk}/", {"comment": ""}, django_capture_on_commit_callbacks)
    assert recipients(mailoutbox) == ["caiwu@example.org"]  # the step that succeeded, and only it


def test_a_rolled_back_step_sends_nothing(
    staff, funded_project, patient, mailoutbox, django_capture_on_commit_callbacks
):
    disbursement = submitted(funded_project, patient, "800.00", officer=staff["officer"])
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                announce("submit", disbursement, actor=staff["officer"])
                raise RuntimeError("the audit log could not be written")
        except RuntimeError:
            pass
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        announce("submit", disbursement, actor=staff["officer"])
    assert recipients(mailoutbox) == ["shenhe2@example.org", "shenhe@example.org"]  # committed: sent


def test_batches_are_announced_the_same_way(staff, funded_project, mailoutbox, django_capture_on_commit_callbacks):
    for n in (31, 32):
        enrol(person(n), funded_project, user=staff["officer"])
    batch = batch_create(
        project=funded_project,
        title="2026年春季助学金",
        disbursed_on=date(2026, 3, 1),
        purpose="助学金",
        user=staff["officer"],
    )
    act(staff["officer"], f"{BATCHES}submit/{batch.pk}/", {}, django_capture_on_commit_callbacks)
    assert recipients(mailoutbox) == ["shenhe2@example.org", "shenhe@example.org"]
    assert f"/admin/disbursement-batches/inspect/{batch.pk}/" in mailoutbox[0].body
    assert "批次「2026年春季助学金」" in mailoutbox[0].body and "¥2,000.00" in mailoutbox[0].body
    mailoutbox.clear()
    act(staff["approver"], f"{BATCHES}approve/{batch.pk}/", {"comment": ""}, django_capture_on_commit_callbacks)
    assert recipients(mailoutbox) == ["caiwu@example.org"]


def test_inactive_staff_and_staff_without_an_address_are_skipped(
    staff, funded_project, patient, mailoutbox, django_capture_on_commit_callbacks
):
    staff["approver2"].is_active = False
    staff["approver2"].save()
    staff_user("noemail", "审核人").__class__.objects.filter(username="noemail").update(email="")
    disbursement = draft(funded_project, patient, "800.00", user=staff["officer"])
    act(staff["officer"], f"{BASE}submit/{disbursement.pk}/", {}, django_capture_on_commit_callbacks)
    assert recipients(mailoutbox) == ["shenhe@example.org"]
