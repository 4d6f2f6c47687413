"""Background work for projects, through Django's task framework (django-tasks; immediate by default).

The e-mails of ``projects.notifications``: a task carries only ids, reads the rows when it runs and sends one
message per recipient.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.mail import get_connection
from django_tasks import task


@task()
def send_work_notice(notice: str, kind: str, pk: int, actor_pk: int | None) -> int:
    """提交/审批通过/退回 notice to the people who must act next; returns how many were sent."""
    from projects.notifications import work_notice_messages

    messages = work_notice_messages(notice, kind, pk, actor_pk)
    return get_connection().send_messages(messages) if messages else 0


@task()
def send_overdue_digest(user_pk: int) -> int:
    """One person's digest of what waited more than WORK_OVERDUE_DAYS; nothing when nothing is overdue."""
    from projects.notifications import digest_message
    from projects.selectors.work import work_for

    user = get_user_model().objects.filter(pk=user_pk, is_active=True).first()
    if user is None or not user.email:
        return 0
    message = digest_message(user, work_for(user, overdue_only=True))
    return message.send() if message else 0
