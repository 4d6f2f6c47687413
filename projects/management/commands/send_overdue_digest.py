"""The daily overdue digest, from cron: ``python manage.py send_overdue_digest [--dry-run]``.

One e-mail per person listing what has waited for them more than ``WORK_OVERDUE_DAYS`` days (returned drafts to
their maker, submissions to the approvers who may sign them, approvals to finance); nobody with nothing overdue is
written to. Each e-mail is a task on the queue (``projects.tasks.send_overdue_digest``). Schedule it once a day
(docs/operations.md).
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from projects.notifications import digest_candidates
from projects.selectors.work import work_for
from projects.tasks import send_overdue_digest


class Command(BaseCommand):
    help = "逾期待办提醒:给每位有逾期事项(等待超过 WORK_OVERDUE_DAYS 天)的工作人员发送一封汇总邮件。"

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只列出会收到提醒的人和事项数,不发送。")

    def handle(self, *args, dry_run=False, **options):
        sent = 0
        for user in digest_candidates():
            overdue = work_for(user, overdue_only=True).total
            if not overdue:
                continue
            self.stdout.write(f"{user.get_username()}:{overdue} 项")
            if not dry_run:
                send_overdue_digest.enqueue(user.pk)
            sent += 1
        verb = "将发送" if dry_run else "已发送"
        self.stdout.write(f"逾期待办提醒(超过 {settings.WORK_OVERDUE_DAYS} 天):{verb} {sent} 封。")
