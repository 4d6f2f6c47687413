"""send_overdue_digest: one e-mail per person listing only what has waited for them more than WORK_OVERDUE_DAYS
days — submissions to the approvers who may sign them, approvals to finance, returned drafts to their maker —
and nothing to anyone with nothing overdue."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from projects.models import Disbursement
from projects.services import disbursement_approve, disbursement_return
from tests.projects.disbursement_flows import person, submitted

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _immediate_tasks_and_locmem_mail(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.WORK_OVERDUE_DAYS = 3


def age(disbursement, days: int, field: str = "submitted_at") -> None:
    Disbursement.objects.filter(pk=disbursement.pk).update(**{field: timezone.now() - timedelta(days=days)})


@pytest.fixture
def items(officer, approver, approver2, finance, funded_project):
    """Five disbursements: two submitted (5 days, 1 day), two approved (5 days, 1 day), one returned (5 days)."""
    old, fresh = (submitted(funded_project, person(n), "100.00", officer=officer) for n in (41, 42))
    age(old, 5)
    age(fresh, 1)
    paid_old, paid_fresh = (submitted(funded_project, person(n), "200.00", officer=officer) for n in (43, 44))
    for subject, days in ((paid_old, 6), (paid_fresh, 1)):
        disbursement_approve(disbursement=subject, user=approver2)
        age(subject, days, "approved_at")
    returned = submitted(funded_project, person(45), "300.00", officer=officer)
    age(returned, 5)  # returned outside the admin (no audit-log entry): waiting since its submission
    disbursement_return(disbursement=returned, user=approver, reason="金额有误")
    return {"old": old, "fresh": fresh, "paid_old": paid_old, "paid_fresh": paid_fresh, "returned": returned}


def by_recipient(outbox) -> dict[str, str]:
    assert all(len(m.to) == 1 for m in outbox)
    return {m.to[0]: m.subject + "\n" + m.body for m in outbox}


def link(subject) -> str:
    return f"/admin/disbursements/inspect/{subject.pk}/"


def test_each_person_gets_one_mail_listing_only_their_overdue_items(items, mailoutbox, capsys):
    call_command("send_overdue_digest")
    mails = by_recipient(mailoutbox)
    assert sorted(mails) == ["caiwu@example.org", "guanyuan@example.org", "shenhe2@example.org", "shenhe@example.org"]
    assert len(mailoutbox) == 4
    for approver in ("shenhe@example.org", "shenhe2@example.org"):
        assert link(items["old"]) in mails[approver] and link(items["fresh"]) not in mails[approver]
        assert link(items["paid_old"]) not in mails[approver]  # approvers do not pay
    assert link(items["paid_old"]) in mails["caiwu@example.org"]
    assert link(items["paid_fresh"]) not in mails["caiwu@example.org"]
    assert link(items["old"]) not in mails["caiwu@example.org"]
    maker = mails["guanyuan@example.org"]
    assert link(items["returned"]) in maker and "退回待修改" in maker
    assert link(items["old"]) not in maker  # the maker of a submission does not approve it
    assert "已等待 5 天" in mails["shenhe@example.org"] and "超过 3 天" in mails["shenhe@example.org"]
    assert "已发送 4 封" in capsys.readouterr().out


def test_nothing_overdue_sends_nothing(settings, items, mailoutbox):
    settings.WORK_OVERDUE_DAYS = 10
    call_command("send_overdue_digest")
    assert mailoutbox == []


def test_a_dry_run_lists_but_sends_nothing(items, mailoutbox, capsys):
    call_command("send_overdue_digest", "--dry-run")
    out = capsys.readouterr().out
    assert mailoutbox == [] and "shenhe:1 项" in out and "将发送 4 封" in out


def test_an_approver_who_already_signed_is_not_reminded(
    settings, officer, approver, approver2, funded_project, mailoutbox
):
    settings.DISBURSEMENT_DUAL_APPROVAL_AMOUNT = 500
    dual = submitted(funded_project, person(46), "800.00", officer=officer)
    disbursement_approve(disbursement=dual, user=approver)
    age(dual, 4)
    call_command("send_overdue_digest")
    assert list(by_recipient(mailoutbox)) == ["shenhe2@example.org"]
