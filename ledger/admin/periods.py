"""期间结账 in the admin (财务 menu): /admin/finance/periods/.

The months with their status (未结账 / 待批准 / 已结账), a preview of what closing the next month would post (its
restriction releases and, for December, the year-end closing), and the steps: 申请结账 and 申请反结账 (with a
reason) for ``ledger.close_period`` (财务), 批准 and 驳回 for ``ledger.approve_period`` (审核人; never the requester,
which the service refuses whatever the permissions). Each step and its audit-log entry (``ledger.period.<step>``)
commit together or not at all. Viewing needs ``ledger.view_period``.
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.views.defaults import permission_denied
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.log_actions import log

from ledger.models import PeriodAction
from ledger.selectors.periods import close_preview, next_to_close, period_months
from ledger.services.periods import (
    APPROVE_PERMISSION,
    CLOSE_PERMISSION,
    PeriodError,
    latest_closed,
    period_approve,
    period_close_request,
    period_reject,
    period_reopen_request,
)

VIEW_PERMISSION = "ledger.view_period"


class Step:
    def __init__(self, name: str, label: str, permission: str, reason: str = ""):
        self.name, self.label, self.permission, self.reason = name, label, permission, reason

    @property
    def log_action(self) -> str:
        return f"ledger.period.{self.name}"


STEPS = {
    s.name: s
    for s in [
        Step("request_close", "申请结账", CLOSE_PERMISSION),
        Step("request_reopen", "申请反结账", CLOSE_PERMISSION, "反结账原因"),
        Step("approve", "批准", APPROVE_PERMISSION),
        Step("reject", "驳回", APPROVE_PERMISSION, "驳回原因(可选)"),
    ]
}


def parse_month(text: str) -> date:
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError as error:
        raise Http404("期间格式应为 YYYY-MM") from error


class PeriodsView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "ledger/admin/periods.html"
    page_title = "期间结账"
    header_icon = "lock"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(VIEW_PERMISSION):
            return permission_denied(request, PermissionDenied("没有查看期间结账的权限。"))
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        user = self.request.user
        rows = period_months()
        pending = [row for row in rows if row.pending]
        candidate = next_to_close()
        preview_month = pending[0].month if pending and pending[0].pending == PeriodAction.CLOSE else candidate
        latest = latest_closed()
        return super().get_context_data(
            rows=rows,
            candidate=candidate,
            preview=close_preview(preview_month) if preview_month else None,
            latest_closed=latest,
            can_request=user.has_perm(CLOSE_PERMISSION),
            can_approve=user.has_perm(APPROVE_PERMISSION),
            steps=STEPS,
            **kwargs,
        )


class PeriodActionView(PeriodsView):
    """One step, by POST: the service decides; the page shows the outcome or the refusal in Chinese."""

    http_method_names = ["post"]

    def post(self, request, month, action):
        step = STEPS.get(action)
        if step is None:
            raise Http404("未知的操作")
        if not request.user.has_perm(step.permission):
            return permission_denied(request, PermissionDenied(f"没有{step.label}的权限。"))
        when = parse_month(month)
        reason = request.POST.get("reason", "").strip()
        try:
            with transaction.atomic():  # the step and its audit-log entry, or neither
                data = {"month": f"{when:%Y-%m}"}
                if step.name == "request_close":
                    period = period_close_request(month=when, user=request.user)
                elif step.name == "request_reopen":
                    period = period_reopen_request(month=when, user=request.user, reason=reason)
                    data["reason"] = reason
                elif step.name == "reject":
                    pending = _pending_label(when)
                    period = period_reject(month=when, user=request.user, reason=reason)
                    data.update(request=pending, reason=reason)
                else:
                    pending = _pending_label(when)
                    period, posted = period_approve(month=when, user=request.user)
                    data.update(request=pending, transactions=[t.sequence for t in posted])
                data["status"] = period.status
                log(period, step.log_action, user=request.user, data={k: v for k, v in data.items() if v != ""})
        except PermissionDenied as error:
            return permission_denied(request, error)
        except PeriodError as error:
            messages.error(request, f"{step.label}未完成:{error}")
            return redirect("ledger_periods")
        messages.success(request, f"{step.label}完成:会计期间 {when:%Y-%m},当前状态 {period.status_label}。")
        return redirect("ledger_periods")


def _pending_label(month: date) -> str:
    from ledger.models import Period

    period = Period.objects.filter(month=month).first()
    return period.get_pending_display() if period is not None and period.pending else ""
