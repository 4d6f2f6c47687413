"""Forms for 拨付管理. They parse input only: every rule (state, maker-checker, fund balance, caps, privacy of the
purpose) lives in ``projects.services``, whose Chinese refusals the views put back on the form."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.html import format_html_join
from wagtail.admin.widgets import AdminDateInput
from wagtail.documents import get_document_model
from wagtail.documents.widgets import AdminDocumentChooser

from projects.admin.beneficiary_chooser import project_linked_chooser
from projects.admin.common import BeneficiaryChoiceField
from projects.models import ACTIVE_STATUSES, Beneficiary, Disbursement, Payee, PaymentMethod, Project
from projects.services import DisbursementDraft

DOCUMENT_SLOTS = 3  # empty choosers offered beside the documents already attached


class MultipleDocumentChooser(forms.Widget):
    """Wagtail's document chooser, once per attached document plus a few empty ones. Wagtail has no multiple
    chooser for a many-to-many field outside InlinePanel, and every chooser posts under the same name."""

    def __init__(self, slots: int = DOCUMENT_SLOTS, attrs=None):
        super().__init__(attrs)
        self.slots = slots
        self.chooser = AdminDocumentChooser()

    @property
    def media(self):
        return self.chooser.media

    def format_value(self, value) -> list:
        return [getattr(v, "pk", v) for v in (value or [])]

    def render(self, name, value, attrs=None, renderer=None):
        base_id = (attrs or {}).get("id", f"id_{name}")
        values = [*self.format_value(value), *([None] * self.slots)]
        choosers = ((self.chooser.render(name, pk, {"id": f"{base_id}_{i}"}),) for i, pk in enumerate(values))
        return format_html_join("", '<div class="w-mb-2">{}</div>', choosers)

    def value_from_datadict(self, data, files, name):
        return [v for v in data.getlist(name) if v]

    def value_omitted_from_data(self, data, files, name):
        return False  # no chooser chosen means "no documents", not "unchanged"


def open_projects():
    return Project.objects.filter(status__in=ACTIVE_STATUSES).order_by("code")


class DisbursementForm(forms.Form):
    """新建/修改拨付草稿; the view turns it into a ``DisbursementDraft`` for the service."""

    project = forms.ModelChoiceField(label="项目", queryset=open_projects())
    beneficiary = BeneficiaryChoiceField(
        label="受助人",
        queryset=Beneficiary.objects.all(),
        widget=project_linked_chooser(),
        help_text="按姓名或完整身份证号搜索;默认只列出已登记在所选项目的人员。",
    )
    amount = forms.DecimalField(label="金额(元)", max_digits=14, decimal_places=2, min_value=0)
    purpose = forms.CharField(label="用途(公开)", max_length=100, help_text="会公示。不要写病情、学校等隐私。")
    disbursed_on = forms.DateField(
        label="计划支付日期",
        widget=AdminDateInput,
        help_text="计划哪天付款(也是本次拨付所属的登记期)。实际支付日期在「支付」时由财务记录,不能是将来的日期。",
    )
    method = forms.ChoiceField(label="支付方式", choices=PaymentMethod.choices, initial=PaymentMethod.BANK)
    payee = forms.ChoiceField(label="收款方", choices=Payee.choices, initial=Payee.BENEFICIARY)
    payee_name = forms.CharField(
        label="收款单位", max_length=100, required=False, help_text="代付时填写医院/学校/供应商名称。不公开。"
    )
    notes = forms.CharField(label="内部备注", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    documents = forms.ModelMultipleChoiceField(
        label="证明材料",
        queryset=get_document_model().objects.all(),
        required=False,
        widget=MultipleDocumentChooser,
        help_text="发票、票据、签收单等,可选多份。",
    )

    def __init__(self, *args, instance: Disbursement | None = None, **kwargs):
        if instance is not None and not kwargs.get("initial"):
            kwargs["initial"] = initial_from(instance)
        super().__init__(*args, **kwargs)
        if instance is not None:  # a draft of a project closed since stays editable on its own project
            self.fields["project"].queryset = Project.objects.filter(
                pk__in=[instance.project_id, *open_projects().values_list("pk", flat=True)]
            ).order_by("code")

    def to_draft(self) -> DisbursementDraft:
        data = self.cleaned_data
        return DisbursementDraft(
            project=data["project"],
            beneficiary=data["beneficiary"],
            amount=data["amount"],
            purpose=data["purpose"],
            disbursed_on=data["disbursed_on"],
            method=data["method"],
            payee=data["payee"],
            payee_name=data["payee_name"],
            notes=data["notes"],
            documents=tuple(data["documents"]),
        )


def initial_from(disbursement: Disbursement) -> dict:
    names = ("project", "beneficiary", "amount", "purpose", "disbursed_on", "method", "payee", "payee_name", "notes")
    return {
        **{name: getattr(disbursement, name) for name in names},
        "documents": list(disbursement.documents.order_by("pk")),
    }


class BatchForm(forms.Form):
    """新建批量发放: the service adds every enrolment of the project active on the payment date."""

    project = forms.ModelChoiceField(label="项目", queryset=open_projects())
    title = forms.CharField(label="批次名称", max_length=100, help_text="如「2026年秋季学期孤儿助学金」。")
    disbursed_on = forms.DateField(
        label="计划支付日期", widget=AdminDateInput, help_text="按这一天有效的救助对象登记生成名单。"
    )
    purpose = forms.CharField(label="用途(公开)", max_length=100, help_text="会公示。不要写病情、学校等隐私。")
    method = forms.ChoiceField(label="支付方式", choices=PaymentMethod.choices, initial=PaymentMethod.BANK)


class ConfirmForm(forms.Form):
    """提交审批、支付: nothing to fill in, only a confirmation."""


class PayForm(forms.Form):
    """支付: the day the money actually moved. The service refuses a future date or one before the approval."""

    paid_on = forms.DateField(
        label="实际支付日期",
        widget=AdminDateInput,
        required=False,  # empty: today (the service's default)
        initial=timezone.localdate,
        help_text="款项实际转出或发放的日期,默认今天;可填更早的转账日期,不能填将来的日期。年度上限按这一天所在年度核对。",
    )


class CommentForm(forms.Form):
    comment = forms.CharField(
        label="审批意见", max_length=200, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReasonForm(forms.Form):
    """The reason is required by the service, which gives the Chinese message when it is missing."""

    reason = forms.CharField(label="原因", max_length=200, required=False, widget=forms.Textarea(attrs={"rows": 3}))
