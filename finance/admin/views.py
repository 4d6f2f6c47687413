"""记账凭证 in the admin: list, draft (from a template), record page, and one POST per step.

Who may do what is the services' decision (财务 drafts and submits; 审核人 approves, returns, cancels a submitted one,
reverses; 审计 reads); these screens only mirror it. Nothing here deletes a voucher.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.defaults import permission_denied
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.log_actions import log

from finance import services
from finance.entry_templates import ENTRY_TEMPLATES
from finance.models import Voucher, VoucherStatus
from finance.selectors import voucher_list, voucher_totals
from finance.selectors.vouchers import template_lines

from .forms import VoucherForm, draft_from, line_formset


class FinanceView(WagtailAdminTemplateMixin, TemplateView):
    permission = "finance.view_voucher"
    header_icon = "doc-full"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            # A plain 403 rather than raising: Wagtail turns a raised PermissionDenied into a redirect home.
            return permission_denied(request, PermissionDenied("没有此操作的权限。"))
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": reverse("finance_vouchers"), "label": "记账凭证"}]


class VoucherListView(FinanceView):
    template_name = "finance/admin/voucher_list.html"
    page_title = "记账凭证"

    def get_context_data(self, **kwargs):
        status = self.request.GET.get("status", "")
        status = status if status in VoucherStatus.values else ""
        return super().get_context_data(
            vouchers=voucher_list(status=status)[:500],
            status=status,
            statuses=VoucherStatus.choices,
            templates=ENTRY_TEMPLATES,
            can_add=self.request.user.has_perm("finance.add_voucher"),
            **kwargs,
        )


class VoucherEditView(FinanceView):
    """制单 (new, optionally from ``?template=``) and 修改草稿 (``pk``)."""

    template_name = "finance/admin/voucher_form.html"
    permission = "finance.add_voucher"

    def get_page_title(self):
        return "修改凭证草稿" if self.kwargs.get("pk") else "新建记账凭证"

    def voucher(self) -> Voucher | None:
        pk = self.kwargs.get("pk")
        return get_object_or_404(Voucher, pk=pk) if pk else None

    def get(self, request, *args, **kwargs):
        voucher = self.voucher()
        if voucher is not None:
            initial = {"voucher_date": voucher.voucher_date, "summary": voucher.summary, "notes": voucher.notes}
            lines = [
                {"account": line.account.code, "side": line.side, "amount": line.amount, "summary": line.summary}
                for line in voucher.lines.select_related("account")
            ]
        else:
            template = ENTRY_TEMPLATES.get(request.GET.get("template", ""))
            initial = {"summary": template.summary} if template else {}
            lines = template_lines(template) if template else []
        return self.render_to_response(
            self.get_context_data(form=VoucherForm(initial=initial), formset=line_formset(initial=lines))
        )

    def post(self, request, *args, **kwargs):
        form = VoucherForm(request.POST, request.FILES)
        formset = line_formset(request.POST)
        if form.is_valid() and formset.is_valid():
            draft = draft_from(form, formset, template=request.GET.get("template", ""))
            try:
                voucher = self.save(draft)
            except services.VoucherError as error:
                form.add_error(None, str(error))
            except PermissionDenied as error:
                return permission_denied(request, error)
            else:
                messages.success(request, f"凭证草稿已保存:{voucher}")
                return redirect("finance_voucher", pk=voucher.pk)
        return self.render_to_response(self.get_context_data(form=form, formset=formset))

    def save(self, draft) -> Voucher:
        voucher, user = self.voucher(), self.request.user
        if voucher is None:
            voucher = services.voucher_create(draft=draft, user=user)
        else:
            voucher = services.voucher_update_draft(voucher=voucher, draft=draft, user=user)
        if upload := self.request.FILES.get("attachment"):
            services.voucher_attach_document(voucher=voucher, user=user, file=upload)
        return voucher


class VoucherRecordView(FinanceView):
    template_name = "finance/admin/voucher_record.html"

    def get_page_title(self):
        return f"记账凭证 {self.object}"

    def get(self, request, *args, **kwargs):
        self.object = get_object_or_404(Voucher.objects.select_related("transaction", "reverses"), pk=kwargs["pk"])
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        voucher, user = self.object, self.request.user
        return super().get_context_data(
            voucher=voucher,
            lines=voucher.lines.select_related("account"),
            totals=voucher_totals(voucher),
            approvals=voucher.approvals.filter(round=voucher.submission_round).select_related("approver"),
            documents=voucher.documents.all(),
            reversal=Voucher.objects.filter(reverses=voucher).first(),
            actions=[a for a in ACTIONS.values() if a.offered(voucher, user)],
            **kwargs,
        )


class Action:
    def __init__(self, name, label, service, status, permission, reason=""):
        self.name, self.label, self.service, self.status = name, label, service, status
        self.permission, self.reason = permission, reason

    @property
    def log_action(self) -> str:
        return f"finance.voucher.{self.name}"

    def offered(self, voucher: Voucher, user) -> bool:
        return voucher.status == self.status and user.has_perm(self.permission)


ACTIONS = {
    a.name: a
    for a in [
        Action("submit", "提交审核", services.voucher_submit, VoucherStatus.DRAFT, "finance.submit_voucher"),
        Action("cancel", "作废", services.voucher_cancel, VoucherStatus.DRAFT, "finance.change_voucher", "作废原因"),
        Action(
            "approve", "审核通过并过账", services.voucher_approve, VoucherStatus.SUBMITTED, "finance.approve_voucher"
        ),
        Action(
            "return",
            "退回修改",
            services.voucher_return,
            VoucherStatus.SUBMITTED,
            "finance.approve_voucher",
            "退回原因",
        ),
        Action(
            "cancel_submitted",
            "作废",
            services.voucher_cancel,
            VoucherStatus.SUBMITTED,
            "finance.approve_voucher",
            "作废原因",
        ),
        Action(
            "reverse", "冲正", services.voucher_reverse, VoucherStatus.POSTED, "finance.approve_voucher", "冲正原因"
        ),
    ]
}


def log_data(voucher: Voucher, result: Voucher, kwargs: dict) -> dict:
    """What the history keeps of a step: its reason, the voucher's status after it, and what it posted."""
    voucher.refresh_from_db()
    data = {key: value for key, value in kwargs.items() if value}
    data["status"] = voucher.status
    if voucher.transaction_id:
        data["transaction"] = voucher.transaction_id
    if result.pk != voucher.pk:  # a reversal is a voucher of its own
        data["reversing_voucher"] = str(result)
    return data


class VoucherActionView(FinanceView):
    """One step, by POST: the service decides, the record page shows the outcome or the refusal."""

    http_method_names = ["post"]

    def post(self, request, pk, action):
        voucher = get_object_or_404(Voucher, pk=pk)
        step = ACTIONS.get(action)
        if step is None:
            return permission_denied(request, PermissionDenied("未知的操作。"))
        kwargs = {"reason": request.POST.get("reason", "")} if step.reason else {}
        try:
            with transaction.atomic():  # the step and its audit-log entry, or neither
                result = step.service(voucher=voucher, user=request.user, **kwargs)
                log(voucher, step.log_action, user=request.user, data=log_data(voucher, result, kwargs))
        except PermissionDenied as error:
            return permission_denied(request, error)
        except services.VoucherError as error:
            messages.error(request, f"{step.label}未完成:{error}")
            return redirect("finance_voucher", pk=pk)
        messages.success(request, f"{step.label}完成:{result}")
        return redirect("finance_voucher", pk=result.pk)
