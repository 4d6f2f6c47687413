"""The dashboard panels: 待我处理 (what waits for this user, by role) and 定向基金余额 (restricted funds' balances).
They read through selectors only (``work_for``, ``project_funding_many``).

待我处理 shows, to whoever may act on them: drafts returned to their maker (退回待修改), submissions this user may
approve (待我审批: not their own, not already signed this round), approvals waiting for payment (待支付, 财务).
Each heading counts them all; the rows are the oldest, with how long they have waited and 已逾期 past
``WORK_OVERDUE_DAYS``.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from wagtail.admin.ui.components import Component

from ledger.money import quantize
from projects.models import DisbursementStatus
from projects.notifications import inspect_path, kind_of
from projects.selectors import project_funding_many, projects_active
from projects.selectors.work import Queue, overdue_cutoff, work_for

MAKER_PERMISSIONS = ("projects.add_disbursement", "projects.add_disbursementbatch")
SECTIONS = (  # queue, heading, element id, empty message, who sees the section
    ("returned", "退回待修改", "pending-returned", "没有退回给您修改的草稿。", MAKER_PERMISSIONS),
    ("to_approve", "待我审批", "pending-approve", "没有待您审批的拨付。", ("projects.approve_disbursement",)),
    ("to_pay", "待支付", "pending-pay", "没有待支付的拨付。", ("projects.pay_disbursement",)),
)
STATUS_FILTERS = {"returned": DisbursementStatus.DRAFT, "to_approve": DisbursementStatus.SUBMITTED}


def panel_visible_to(user) -> bool:
    """Staff who may read anything of projects (not 编辑, who never sees beneficiaries or disbursements)."""
    return user.is_active and any(p.startswith("projects.view_") for p in user.get_all_permissions())


def has_any(user, permissions) -> bool:
    return any(user.has_perm(p) for p in permissions)


def waited(since) -> str:
    days = (timezone.now() - since).days if since else 0
    return f"{days} 天" if days else "不到 1 天"


def work_row(subject, cutoff) -> dict:
    note = subject.return_reason if subject.status == DisbursementStatus.DRAFT else ""
    if subject.status == DisbursementStatus.SUBMITTED:
        note = f"已审批 {subject.round_approvals}/{subject.required_approvals}"
    return {
        "kind": "批次" if kind_of(subject) == "batch" else "拨付",
        "title": str(subject),
        "project": subject.project,
        "amount": quantize(subject.amount_total),
        "disbursed_on": subject.disbursed_on,
        "waited": waited(subject.waiting_since),
        "overdue": bool(subject.waiting_since and subject.waiting_since < cutoff),
        "note": note,
        "url": inspect_path(kind_of(subject), subject.pk),
    }


def all_url(name: str) -> str:
    status = STATUS_FILTERS.get(name, DisbursementStatus.APPROVED)
    return f"{reverse('disbursements:index')}?{urlencode({'status': status})}"


def section(name: str, heading: str, element_id: str, empty: str, queue: Queue, cutoff) -> dict:
    return {
        "heading": heading,
        "id": element_id,
        "empty": empty,
        "count": queue.count,
        "rows": [work_row(s, cutoff) for s in queue.rows],
        "more_url": all_url(name) if queue.count > len(queue.rows) else "",
    }


class MyWorkPanel(Component):
    name = "my_work"
    template_name = "projects/admin/dashboard_work.html"
    order = 80  # above Wagtail's own panels and the balances: work waiting for this person comes first

    def get_context_data(self, parent_context):
        user = parent_context["request"].user
        work, cutoff = work_for(user), overdue_cutoff()
        queues = dict(work.queues())
        sections = [
            section(name, heading, element_id, empty, queues[name], cutoff)
            for name, heading, element_id, empty, permissions in SECTIONS
            if has_any(user, permissions) or queues[name].count
        ]
        return {"sections": sections, "overdue_days": settings.WORK_OVERDUE_DAYS}


def my_work_visible_to(user) -> bool:
    roles = (*MAKER_PERMISSIONS, "projects.approve_disbursement", "projects.pay_disbursement")
    return panel_visible_to(user) and has_any(user, roles)


def restricted_fund_rows() -> list[dict]:
    projects = list(projects_active().filter(is_restricted=True).order_by("code"))
    funding = project_funding_many(projects)
    return [{"project": p, "funding": funding[p.pk]} for p in projects]


class FundsPanel(Component):
    name = "restricted_funds"
    template_name = "projects/admin/dashboard_panel.html"
    order = 90

    def get_context_data(self, parent_context):
        return {"funds": restricted_fund_rows()}
