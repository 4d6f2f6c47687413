"""List, create, edit and inspect views for 拨付 and 批量发放 (the state changes are in ``disbursement_actions``).

Writes go through ``disbursement_create`` / ``disbursement_update_draft`` / ``batch_create``; their Chinese
refusals (``DisbursementError``, ``PermissionDenied``) are shown on the form. Beneficiaries appear only by masked
name and masked ID number. Only a draft that is not part of a batch can be edited; nobody deletes.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.admin.utils import quote
from django.db.models import Count, Prefetch, Sum
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html_join
from django.utils.http import urlencode
from wagtail.admin import messages
from wagtail.admin.views.generic import CreateView, EditView, IndexView, InspectView
from wagtail.admin.widgets.button import Button
from wagtail.log_actions import log

from ledger.money import quantize
from projects.admin.common import ReadableInspectMixin, ServiceFormMixin
from projects.models import Approval, Disbursement, DisbursementBatch, DisbursementStatus
from projects.selectors import project_funding
from projects.services import (
    batch_create,
    batch_total,
    disbursement_create,
    disbursement_update_draft,
)

from .disbursement_actions import BATCH_ACTIONS, DISBURSEMENT_ACTIONS, offered_actions


def person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else "—"


def masked_beneficiary(disbursement: Disbursement) -> str:
    b = disbursement.beneficiary
    return f"{b.masked_name}({b.id_number_masked})"


def is_editable(disbursement: Disbursement) -> bool:
    return disbursement.status == DisbursementStatus.DRAFT and disbursement.batch_id is None


def ledger_links(transaction, project) -> dict | None:
    """Where the public can see a paid disbursement: its entry in the ledger API and the /transparency/ browser
    narrowed to the fund, the kind and the day (the browser has no page per entry)."""
    if transaction is None:
        return None
    day = timezone.localtime(transaction.occurred_at).date().isoformat()
    query = {"project": project.code, "kind": transaction.kind, "date_from": day, "date_to": day}
    try:
        browser = f"{reverse('transparency')}?{urlencode(query)}"
    except NoReverseMatch:
        browser = None
    entry = f"{reverse('ledger:get-entries')}?{urlencode({'start': transaction.sequence, 'end': transaction.sequence})}"
    return {"sequence": transaction.sequence, "browser": browser, "entry": entry}


def approval_rows(subject) -> list[dict]:
    return [
        {
            "approver": person(a.approver),
            "at": a.approved_at,
            "comment": a.comment or "—",
            "round": a.round,
            "current": a.round == subject.submission_round,
        }
        for a in subject.approvals.all()
    ]


def people_rows(subject) -> list[tuple[str, str, datetime | None]]:
    rows = [
        ("经办(创建)", person(subject.created_by), subject.created_at),
        ("提交", person(subject.submitted_by), subject.submitted_at),
        ("审批完成", "", subject.approved_at),
        ("支付", person(subject.paid_by), subject.paid_at),
    ]
    if getattr(subject, "reversed_at", None):
        rows.append(("冲正", person(subject.reversed_by), subject.reversed_at))
    return rows


class InspectUrlAsTitleMixin:
    """The title column opens the record: edits are rare and offered in the row's menu."""

    def get_edit_url(self, instance):
        return self.get_inspect_url(instance)


# --- 拨付 --------------------------------------------------------------------------------------------------------


class DisbursementIndexView(InspectUrlAsTitleMixin, IndexView):
    add_item_label = "新建拨付"

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("project", "beneficiary", "created_by", "batch")

    def get_list_more_buttons(self, instance):
        buttons = [Button("查看", url=self.get_inspect_url(instance), icon_name="info-circle", priority=10)]
        if is_editable(instance) and self.user_has_permission("change"):
            edit_url = reverse(self.edit_url_name, args=(quote(instance.pk),))
            buttons.append(Button("修改草稿", url=edit_url, icon_name="edit", priority=20))
        return buttons


class DisbursementCreateView(ServiceFormMixin, CreateView):
    page_subtitle = "新建拨付"
    submit_button_label = "保存草稿"
    success_message = "已保存拨付草稿 %(object)s。"

    def save_instance(self):
        disbursement = disbursement_create(draft=self.form.to_draft(), user=self.request.user)
        log(disbursement, "wagtail.create", user=self.request.user)
        return disbursement


class DisbursementEditView(ServiceFormMixin, EditView):
    page_title = "修改拨付草稿"
    submit_button_label = "保存草稿"
    success_message = "已保存拨付草稿 %(object)s。"

    def dispatch(self, request, *args, **kwargs):
        self.object = self.get_object()
        if self.user_has_permission("change") and not is_editable(self.object):
            messages.error(request, "只有不属于批次的草稿可以修改;已提交的拨付请先退回修改。")
            return redirect(reverse(self.inspect_url_name, args=(quote(self.object.pk),)))
        return super().dispatch(request, *args, **kwargs)

    def save_instance(self):
        draft = self.form.to_draft()
        disbursement = disbursement_update_draft(disbursement=self.object, draft=draft, user=self.request.user)
        log(disbursement, "wagtail.edit", user=self.request.user)
        return disbursement


class DisbursementInspectView(ReadableInspectMixin, InspectView):
    template_name = "projects/admin/disbursement_inspect.html"
    record_fields = [
        "project",
        "beneficiary",
        "amount",
        "currency",
        "purpose",
        "disbursed_on",
        "method",
        "payee",
        "payee_name",
        "enrolment",
        "batch",
        "documents",
        "notes",
        "status",
        "required_approvals",
        "return_reason",
        "cancel_reason",
        "reversal_reason",
    ]
    action_url_name = None  # "disbursements:%s", set by the viewset

    def get_object(self, queryset=None):
        rows = Disbursement.objects.select_related(
            "project",
            "beneficiary",
            "enrolment__project",
            "enrolment__beneficiary",
            "batch",
            "transaction",
            "created_by",
            "submitted_by",
            "paid_by",
            "reversed_by",
        ).prefetch_related(Prefetch("approvals", Approval.objects.select_related("approver")))
        return get_object_or_404(rows, pk=self.pk)

    def get_beneficiary_display_value(self):
        return masked_beneficiary(self.object)

    def get_documents_display_value(self):
        documents = self.object.documents.order_by("pk")
        return format_html_join("、", '<a href="{}">{}</a>', ((d.url, d.title) for d in documents)) or "—"

    def get_edit_url(self):
        return super().get_edit_url() if is_editable(self.object) else None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        subject = self.object
        context.update(
            subject=subject,
            approvals=approval_rows(subject),
            people=people_rows(subject),
            ledger=ledger_links(subject.transaction, subject.project),
            funding=project_funding(subject.project),
            actions=offered_actions(
                DISBURSEMENT_ACTIONS, subject, self.request.user, lambda name: self.action_url_name % name
            ),
        )
        return context


# --- 批量发放 ----------------------------------------------------------------------------------------------------


class BatchIndexView(InspectUrlAsTitleMixin, IndexView):
    add_item_label = "新建批量发放"

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("project", "created_by")
            .annotate(item_count=Count("items"), item_total=Sum("items__amount"))
        )

    def get_list_more_buttons(self, instance):
        return [Button("查看", url=self.get_inspect_url(instance), icon_name="info-circle", priority=10)]


class BatchCreateView(ServiceFormMixin, CreateView):
    page_subtitle = "新建批量发放"
    submit_button_label = "生成批次草稿"
    success_message = "已生成批次草稿「%(object)s」。"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("instance", None)  # a plain form: the service creates the batch and its items
        return kwargs

    def save_instance(self):
        batch = batch_create(**self.form.cleaned_data, user=self.request.user)
        log(batch, "wagtail.create", user=self.request.user, data={"items": batch.items.count()})
        return batch


class BatchInspectView(ReadableInspectMixin, InspectView):
    template_name = "projects/admin/batch_inspect.html"
    record_fields = [
        "project",
        "title",
        "purpose",
        "disbursed_on",
        "method",
        "status",
        "required_approvals",
        "return_reason",
        "cancel_reason",
    ]
    action_url_name = None  # "<batches>:%s", set by the viewset
    remove_item_url_name = None
    item_inspect_url_name = None

    def get_object(self, queryset=None):
        rows = DisbursementBatch.objects.select_related(
            "project", "created_by", "submitted_by", "paid_by"
        ).prefetch_related(Prefetch("approvals", Approval.objects.select_related("approver")))
        return get_object_or_404(rows, pk=self.pk)

    def get_edit_url(self):
        return None  # a batch is generated, not edited: remove items while it is a draft

    @cached_property
    def items(self) -> list[Disbursement]:
        rows = self.object.items.select_related("beneficiary", "transaction").order_by("pk")
        return list(rows)

    def item_rows(self, can_remove: bool) -> list[dict]:
        def remove(item):
            return reverse(self.remove_item_url_name, args=(quote(self.object.pk), item.pk)) if can_remove else None

        return [
            {
                "item": d,
                "beneficiary": masked_beneficiary(d),
                "category": d.beneficiary.get_category_display(),
                "inspect_url": reverse(self.item_inspect_url_name, args=(quote(d.pk),)),
                "remove_url": remove(d),
                "ledger": ledger_links(d.transaction, self.object.project),
            }
            for d in self.items
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        batch, user = self.object, self.request.user
        can_remove = batch.status == DisbursementStatus.DRAFT and user.has_perm("projects.change_disbursement")
        context.update(
            subject=batch,
            items=self.item_rows(can_remove),
            item_count=len(self.items),
            total=quantize(batch_total(batch)),
            approvals=approval_rows(batch),
            people=people_rows(batch),
            funding=project_funding(batch.project),
            actions=offered_actions(BATCH_ACTIONS, batch, user, lambda name: self.action_url_name % name),
        )
        return context
