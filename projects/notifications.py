"""Work reaches the people who must do it: e-mails when a disbursement or batch changes hands, and the daily
digest of what waited too long. Reads through ``projects.selectors.work``; sends through the task queue.

| step | who is told | never told |
|---|---|---|
| 提交审批 (submit) | every active user holding ``projects.approve_disbursement`` (审核人) | its maker, its submitter |
| 审批通过, final (approved) | every active user holding ``projects.pay_disbursement`` (财务) | the approver who acted |
| 退回修改 (return) | its maker | the approver who returned it |

A partial approval (one of two) sends nothing: the other approvers were told at submission and still see it under
待我审批. Superusers are not written to unless they are in the group. The mail names a beneficiary only by masked
name (the same string as the admin's lists) and links to the record, so it carries no personal data.

``announce`` is called by the admin's action views after the service succeeded, inside their transaction: the
task is enqueued by ``transaction.on_commit``, so a step that fails or is rolled back sends nothing. Steps run
outside the admin (the demo loader, shell) notify nobody.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from projects.models import Disbursement, DisbursementBatch, DisbursementStatus
from projects.selectors.work import Work, subject_rows

SUBJECT_MODELS = {"disbursement": Disbursement, "batch": DisbursementBatch}
INSPECT_URL_NAMES = {"disbursement": "disbursements:inspect", "batch": "disbursement-batches:inspect"}
NOTICES = {  # notice: (subject line prefix, what happened, the permission of those told)
    "submitted": ("待审批", "已提交,等待您审批", "approve_disbursement"),
    "approved": ("待支付", "已审批通过,等待支付", "pay_disbursement"),
    "returned": ("已退回修改", "已被退回修改", None),
}
QUEUE_HEADINGS = {"returned": "退回待修改", "to_approve": "待我审批", "to_pay": "待支付"}


def kind_of(subject) -> str:
    return "batch" if isinstance(subject, DisbursementBatch) else "disbursement"


def notice_for(step: str, subject) -> str | None:
    if step == "submit":
        return "submitted"
    if step == "approve" and subject.status == DisbursementStatus.APPROVED:
        return "approved"  # the final approval; a first of two sends nothing
    if step == "return":
        return "returned"
    return None


def announce(step: str, subject, *, actor) -> None:
    """Enqueue the e-mail this step calls for, once the surrounding transaction commits."""
    notice = notice_for(step, subject)
    if notice is None:
        return
    from projects.tasks import send_work_notice

    kind, pk, actor_pk = kind_of(subject), subject.pk, actor.pk
    transaction.on_commit(lambda: send_work_notice.enqueue(notice, kind, pk, actor_pk))


def person_name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else "—"


def users_with(codename: str):
    users = get_user_model().objects.with_perm(f"projects.{codename}", include_superusers=False)
    return users.filter(is_active=True).exclude(email="").order_by("pk")


def recipients(notice: str, subject, actor_pk: int | None) -> list:
    if notice == "returned":
        maker = subject.created_by
        return [maker] if maker.is_active and maker.email and maker.pk != actor_pk else []
    users = users_with(NOTICES[notice][2]).exclude(pk=actor_pk)
    if notice == "submitted":
        users = users.exclude(pk__in=[subject.created_by_id, subject.submitted_by_id])
    return list(users)


def inspect_path(kind: str, pk: int) -> str:
    return reverse(INSPECT_URL_NAMES[kind], args=(quote(pk),))


def admin_url(kind: str, pk: int) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + inspect_path(kind, pk)


def item_summary(subject, *, now=None) -> dict:
    """One subject as the mails and the dashboard show it (``subject`` read through ``selectors.work``)."""
    kind = kind_of(subject)
    waited = ((now or timezone.now()) - subject.waiting_since).days if getattr(subject, "waiting_since", None) else 0
    return {
        "kind": "批次" if kind == "batch" else "拨付",
        "title": str(subject),
        "project": f"{subject.project.code} {subject.project.name}",
        "amount": f"{subject.amount_total:,.2f}",
        "approvals": f"{subject.round_approvals}/{subject.required_approvals}" if subject.submission_round else "",
        "url": admin_url(kind, subject.pk),
        "waited_days": waited,
    }


def work_notice_messages(notice: str, kind: str, pk: int, actor_pk: int | None) -> list[EmailMessage]:
    """One message per recipient (nobody sees who else was told)."""
    subject = subject_rows(SUBJECT_MODELS[kind]).filter(pk=pk).first()
    if subject is None:
        return []
    prefix, event, _ = NOTICES[notice]
    actor = get_user_model().objects.filter(pk=actor_pk).first()
    item = item_summary(subject)
    context = {
        "item": item,
        "event": event,
        "reason": subject.return_reason if notice == "returned" else "",
        "actor_name": person_name(actor),
    }
    return [
        EmailMessage(
            subject=f"[{settings.WAGTAIL_SITE_NAME}] {prefix}:{item['kind']} {item['title']}",
            body=render_to_string("projects/email/work_notice.txt", {**context, "recipient_name": person_name(user)}),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[user.email],
        )
        for user in recipients(notice, subject, actor_pk)
    ]


def digest_candidates():
    """Everyone who can have work waiting: approvers, payers, and makers of returned drafts."""
    makers = set()
    for model in SUBJECT_MODELS.values():
        returned = model.objects.filter(status=DisbursementStatus.DRAFT).exclude(return_reason="")
        makers.update(returned.values_list("created_by_id", flat=True))
    by_perm = set(users_with("approve_disbursement").values_list("pk", flat=True))
    by_perm |= set(users_with("pay_disbursement").values_list("pk", flat=True))
    users = get_user_model().objects.filter(pk__in=makers | by_perm, is_active=True).exclude(email="")
    return users.order_by("pk")


def digest_message(user, work: Work, *, now=None) -> EmailMessage | None:
    """The overdue digest for one person, or None when nothing of theirs is overdue."""
    if not work.total:
        return None
    sections = [
        {
            "heading": QUEUE_HEADINGS[name],
            "count": queue.count,
            "items": [item_summary(row, now=now) for row in queue.rows],
            "more": max(queue.count - len(queue.rows), 0),
        }
        for name, queue in work.queues()
        if queue.count
    ]
    context = {
        "recipient_name": person_name(user),
        "days": settings.WORK_OVERDUE_DAYS,
        "sections": sections,
        "dashboard_url": settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse("wagtailadmin_home"),
    }
    return EmailMessage(
        subject=f"[{settings.WAGTAIL_SITE_NAME}] 逾期待办 {work.total} 项(超过 {settings.WORK_OVERDUE_DAYS} 天)",
        body=render_to_string("projects/email/overdue_digest.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )
