"""The state changes of 拨付 and 批量发放 offered in the admin, one row each, and the confirmation view that runs them.

Each action is a thin step: parse the confirmation form, call the service, write the audit log (same database
transaction), message, redirect. The services decide (permission, state, maker-checker, fund balance, caps);
``offered`` only mirrors them so that nobody is shown a button for a step that would be refused. A refused POST
changes nothing: a missing permission answers 403 with the service's Chinese message, any other refusal shows
the message on the confirmation page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from django import forms
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import BaseObjectMixin, WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.log_actions import log

from ledger.money import quantize
from projects.models import Disbursement, DisbursementBatch, DisbursementStatus
from projects.notifications import announce
from projects.services import (
    DisbursementError,
    batch_approve,
    batch_cancel,
    batch_pay,
    batch_remove_item,
    batch_return,
    batch_submit,
    batch_total,
    disbursement_approve,
    disbursement_cancel,
    disbursement_pay,
    disbursement_return,
    disbursement_reverse,
    disbursement_submit,
)

from .disbursement_forms import CommentForm, ConfirmForm, PayForm, ReasonForm

S = DisbursementStatus


@dataclass(frozen=True)
class Action:
    label: str
    done: str
    codename: str  # the permission the service requires (for showing the button only)
    statuses: tuple[str, ...]
    form_class: type[forms.Form] = ConfirmForm
    warning: str = ""
    icon: str = "arrow-right"
    kind: str = ""  # "disbursement" or "batch"
    name: str = ""  # URL segment and audit-log suffix
    run: Callable | None = None  # (subject, user, **form data) -> subject

    @property
    def log_action(self) -> str:
        return f"projects.{self.kind}.{self.name}"


STEPS: dict[str, Action] = {
    "submit": Action(
        label="提交审批",
        done="已提交审批",
        codename="submit_disbursement",
        statuses=(S.DRAFT,),
        warning="提交后不能再修改;审批人不能是经办人或提交人。",
        icon="upload",
    ),
    "approve": Action(
        label="审批通过",
        done="已审批通过",
        codename="approve_disbursement",
        statuses=(S.SUBMITTED,),
        form_class=CommentForm,
        warning="审批通过会占用项目定向基金的可用余额。",
        icon="check",
    ),
    "return": Action(
        label="退回修改",
        done="已退回修改",
        codename="approve_disbursement",
        statuses=(S.SUBMITTED,),
        form_class=ReasonForm,
        warning="退回后回到草稿,本轮已有的审批不再计数。",
        icon="arrow-left",  # Wagtail 8 has no "undo" icon
    ),
    "pay": Action(
        label="支付",
        done="已支付并记入账本",
        codename="pay_disbursement",
        statuses=(S.APPROVED,),
        form_class=PayForm,
        warning="支付会在公开账本中记入支出交易,不能撤销,只能冲正。",
        icon="success",
    ),
    "cancel": Action(
        label="作废",
        done="已作废",
        codename="change_disbursement",  # a draft; once submitted, approve_disbursement (see ``offered``)
        statuses=(S.DRAFT, S.SUBMITTED, S.APPROVED),
        form_class=ReasonForm,
        warning="作废后不能恢复。",
        icon="cross",
    ),
    "reverse": Action(
        label="冲正",
        done="已冲正,账本已记入冲正交易",
        codename="reverse_disbursement",
        statuses=(S.PAID,),
        form_class=ReasonForm,
        warning="冲正会在公开账本中记入一笔反向交易,款项退回基金。此操作不能撤销。",
        icon="rotate",
    ),
}


def _bind(kind: str, services: dict[str, Callable]) -> dict[str, Action]:
    """The steps of one kind of subject, each calling its service with the subject under its own keyword."""

    def call(service):
        return lambda subject, user, **data: service(**{kind: subject}, user=user, **data)

    return {name: replace(STEPS[name], kind=kind, name=name, run=call(service)) for name, service in services.items()}


DISBURSEMENT_ACTIONS = _bind(
    "disbursement",
    {
        "submit": disbursement_submit,
        "approve": disbursement_approve,
        "return": disbursement_return,
        "pay": disbursement_pay,
        "cancel": disbursement_cancel,
        "reverse": disbursement_reverse,
    },
)
BATCH_ACTIONS = _bind(
    "batch",
    {
        "submit": batch_submit,
        "approve": batch_approve,
        "return": batch_return,
        "pay": batch_pay,
        "cancel": batch_cancel,
    },
)
REMOVE_ITEM_ACTION = "projects.batch.remove_item"


def round_approver_ids(subject) -> set[int]:
    return {a.approver_id for a in subject.approvals.all() if a.round == subject.submission_round}


def offered(action: Action, subject, user) -> bool:
    """Whether to show the button (display only: the service decides)."""
    if subject.status not in action.statuses:
        return False
    if isinstance(subject, Disbursement) and subject.batch_id and action.name != "reverse":
        return False  # an item moves with its batch; only a paid item can be reversed on its own
    codename = action.codename
    if action.name == "cancel" and subject.status != S.DRAFT:
        codename = "approve_disbursement"
    if not user.has_perm(f"projects.{codename}"):
        return False
    if action.name == "approve":
        makers = (subject.created_by_id, subject.submitted_by_id)
        return user.pk not in makers and user.pk not in round_approver_ids(subject)
    return True


def offered_actions(actions: dict[str, Action], subject, user, url_name: Callable[[str], str]) -> list[dict]:
    return [
        {"label": a.label, "icon": a.icon, "name": a.name, "url": reverse(url_name(a.name), args=(quote(subject.pk),))}
        for a in actions.values()
        if offered(a, subject, user)
    ]


def success_message(action: Action, subject) -> str:
    if action.name == "approve" and subject.status == S.SUBMITTED:
        signed = len(round_approver_ids(subject))
        return f"{subject}:已记录您的审批({signed}/{subject.required_approvals}),还需另一位审核人审批。"
    return f"{subject}:{action.done}。"


def log_data(action: Action, subject, data: dict) -> dict:
    logged = {key: value for key, value in data.items() if value}
    logged["status"] = subject.status
    if action.name == "pay" and isinstance(subject, Disbursement):
        logged["transaction"] = subject.transaction_id
    if isinstance(subject, DisbursementBatch):
        logged.update(items=subject.items.count(), total=str(quantize(batch_total(subject))))
    return logged


class SubjectActionView(PermissionCheckedMixin, WagtailAdminTemplateMixin, BaseObjectMixin, FormView):
    """Confirmation page (GET) and the step itself (POST) for one ``Action``."""

    permission_required = "view"  # who may act is the service's decision, with its own Chinese message
    template_name = "projects/admin/disbursement_action.html"
    action: Action = None
    index_url_name = None
    inspect_url_name = None
    header_icon = "tasks"

    def get_form_class(self):
        return self.action.form_class

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if "reason" in form.fields:
            form.fields["reason"].label = f"{self.action.label}原因"
        return form

    def get_page_title(self):
        return self.action.label

    def get_page_subtitle(self):
        return str(self.object)

    @cached_property
    def inspect_url(self) -> str:
        return reverse(self.inspect_url_name, args=(quote(self.object.pk),))

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": self.model._meta.verbose_name_plural},
            {"url": self.inspect_url, "label": str(self.object)},
            {"url": "", "label": self.get_page_title()},
        ]

    def perform(self, data: dict):
        subject = self.action.run(self.object, self.request.user, **data)
        log(subject, self.action.log_action, user=self.request.user, data=log_data(self.action, subject, data))
        announce(self.action.name, subject, actor=self.request.user)  # e-mailed once the transaction commits
        return subject

    def form_valid(self, form):
        try:
            with transaction.atomic():  # the change and its audit-log entry, or neither
                subject = self.perform(form.cleaned_data)
        except PermissionDenied as error:
            form.add_error(None, str(error) or "没有执行此操作的权限。")
            return self.render_to_response(self.get_context_data(form=form), status=403)
        except DisbursementError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, self.message(subject))
        return redirect(self.inspect_url)

    def message(self, subject) -> str:
        return success_message(self.action, subject)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        subject = self.object
        context.update(
            subject=subject,
            is_batch=isinstance(subject, DisbursementBatch),
            warning=self.action.warning,
            action_url=self.request.path,
            media=context["form"].media,
            submit_button_label=f"确认{self.action.label}",
            submit_button_active_label="正在处理…",
        )
        if context["is_batch"]:
            context.update(item_count=subject.items.count(), total=quantize(batch_total(subject)))
        return context


class BatchRemoveItemView(SubjectActionView):
    """移出批次: take one beneficiary out of a draft batch (``batch_remove_item``)."""

    model = DisbursementBatch
    action = Action(
        label="移出批次",
        done="已移出批次",
        codename="change_disbursement",
        statuses=(S.DRAFT,),
        warning="移出后,该受助人本批次的拨付草稿会被删除;批次其他受助人不受影响。",
        icon="minus",
        kind="batch",
        name="remove_item",
    )

    @cached_property
    def item(self) -> Disbursement:
        return get_object_or_404(
            Disbursement.objects.select_related("beneficiary"), pk=self.kwargs["item_pk"], batch=self.object
        )

    def get_page_subtitle(self):
        return f"{self.object} · {self.item.beneficiary.masked_name}"

    def perform(self, data: dict):
        item = self.item
        details = {"beneficiary": item.beneficiary.masked_name, "amount": str(item.amount)}
        batch_remove_item(batch=self.object, item=item, user=self.request.user)
        log(self.object, REMOVE_ITEM_ACTION, user=self.request.user, data=details)
        return self.object

    def message(self, subject) -> str:
        return f"已将 {self.item.beneficiary.masked_name} 移出批次「{subject}」。"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "item": self.item}
