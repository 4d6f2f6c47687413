"""The dashboard panel 待办与基金余额: what waits for this user (approvals, payments) and the restricted funds'
balances. It reads through selectors only (``pending_for``, ``project_funding_many``)."""

from __future__ import annotations

from django.contrib.admin.utils import quote
from django.urls import reverse
from wagtail.admin.ui.components import Component

from ledger.money import quantize
from projects.models import DisbursementBatch
from projects.selectors import project_funding_many, projects_active
from projects.selectors.disbursements import pending_for

INSPECT_URL_NAMES = {"disbursement": "disbursements:inspect", "disbursementbatch": "disbursement-batches:inspect"}


def panel_visible_to(user) -> bool:
    """Staff who may read anything of projects (not 编辑, who never sees beneficiaries or disbursements)."""
    return user.is_active and any(p.startswith("projects.view_") for p in user.get_all_permissions())


def pending_row(subject) -> dict:
    is_batch = isinstance(subject, DisbursementBatch)
    return {
        "kind": "批次" if is_batch else "拨付",
        "title": str(subject),
        "project": subject.project,
        "amount": quantize(subject.amount_total),
        "disbursed_on": subject.disbursed_on,
        "approvals": f"{subject.round_approvals}/{subject.required_approvals}",
        "url": reverse(INSPECT_URL_NAMES[subject._meta.model_name], args=(quote(subject.pk),)),
    }


def restricted_fund_rows() -> list[dict]:
    projects = list(projects_active().filter(is_restricted=True).order_by("code"))
    funding = project_funding_many(projects)
    return [{"project": p, "funding": funding[p.pk]} for p in projects]


class PendingAndFundsPanel(Component):
    name = "pending_and_funds"
    template_name = "projects/admin/dashboard_panel.html"
    order = 90  # above Wagtail's own panels: money waiting for a decision comes first

    def get_context_data(self, parent_context):
        user = parent_context["request"].user
        pending = pending_for(user)
        return {
            "to_approve": [pending_row(s) for s in pending["approve"]],
            "to_pay": [pending_row(s) for s in pending["pay"]],
            "can_approve": user.has_perm("projects.approve_disbursement"),
            "can_pay": user.has_perm("projects.pay_disbursement"),
            "funds": restricted_fund_rows(),
        }
