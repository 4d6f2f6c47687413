"""Forms for the beneficiary registry admin (受助人管理). They parse input only: every rule (ID checksum, duplicates,
a minor's guardian, overlapping enrolments) lives in ``projects.services``, whose Chinese ``ValidationError``s are
put back on the fields they name by ``add_service_errors``.

The sensitive inputs (ID number, phones, bank account) are plain text on the way in and never filled in on the
way out: an edit form starts them empty, and an empty one means "keep what is stored".
"""

from __future__ import annotations

from django import forms
from django.utils import timezone
from wagtail.admin.widgets import AdminDateInput
from wagtail.documents import get_document_model
from wagtail.documents.widgets import AdminDocumentChooser

from projects.admin.beneficiary_chooser import BeneficiaryChooserWidget
from projects.admin.common import BeneficiaryChoiceField
from projects.models import ACTIVE_STATUSES, Beneficiary, BeneficiaryCategory, ConsentGiver, Project, StandardUnit
from projects.services import BeneficiaryData

KEEP_HELP = "留空表示不修改。"
SENSITIVE_LABELS = {
    "id_number": "身份证号",
    "phone": "联系电话",
    "bank_account": "银行账号",
    "guardian_phone": "监护人电话",
}
CLEARABLE = [("phone", "联系电话"), ("bank_account", "银行账号"), ("guardian_phone", "监护人电话")]


class BeneficiaryForm(forms.Form):
    """登记/修改受助人. With an ``instance`` the plain fields start from it and the sensitive ones start empty."""

    name = forms.CharField(label="姓名", max_length=50)
    id_number = forms.CharField(
        label="身份证号",
        max_length=30,
        required=False,
        help_text="18 位居民身份证号,系统校验校验位;保存后只显示部分号码。",
    )
    category = forms.ChoiceField(label="救助类别", choices=[("", "—"), *BeneficiaryCategory.choices])
    district = forms.CharField(label="区县", max_length=50)
    town = forms.CharField(label="镇街", max_length=50, required=False)
    village = forms.CharField(label="村(社区)", max_length=50, required=False, help_text="不公开。")
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    bank_name = forms.CharField(label="开户行", max_length=100, required=False)
    bank_account = forms.CharField(label="银行账号", max_length=40, required=False)
    guardian_name = forms.CharField(label="监护人姓名", max_length=50, required=False, help_text="未成年受助人必填。")
    guardian_relation = forms.CharField(label="与受助人关系", max_length=20, required=False)
    guardian_phone = forms.CharField(label="监护人电话", max_length=20, required=False)
    notes = forms.CharField(
        label="备注",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="内部备注,不公开。请勿填写病情以外的无关隐私。",
    )
    clear = forms.MultipleChoiceField(
        label="清除已登记的",
        choices=CLEARABLE,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="勾选的项目将被删除(例如受助人已注销该银行账户)。",
    )

    PLAIN = (
        "name",
        "category",
        "district",
        "town",
        "village",
        "bank_name",
        "guardian_name",
        "guardian_relation",
        "notes",
    )

    def __init__(self, *args, instance: Beneficiary | None = None, **kwargs):
        self.instance = instance
        if instance is not None:
            kwargs["initial"] = {name: getattr(instance, name) for name in self.PLAIN}
        super().__init__(*args, **kwargs)
        if instance is None:
            del self.fields["clear"]
            return
        for name in SENSITIVE_LABELS:
            current = getattr(instance, f"{name}_masked")
            self.fields[name].help_text = f"当前:{current}。{KEEP_HELP}" if current else f"当前未登记。{KEEP_HELP}"

    def to_data(self) -> BeneficiaryData:
        """Blank sensitive inputs become ``None`` (keep on edit; the service asks for an ID number on create)."""
        data = self.cleaned_data
        sensitive = {name: (data[name].strip() or None) for name in SENSITIVE_LABELS}
        for name in data.get("clear") or []:
            sensitive[name] = ""
        return BeneficiaryData(**{name: data[name] for name in self.PLAIN}, **sensitive)


class ConsentForm(forms.Form):
    """登记公示授权 (``consent_record`` decides who may give it)."""

    given_by = forms.ChoiceField(
        label="授权人",
        choices=ConsentGiver.choices,
        widget=forms.RadioSelect,
        help_text="未成年受助人的授权须由监护人作出。",
    )
    giver_name = forms.CharField(label="授权人姓名", max_length=50)
    given_on = forms.DateField(label="授权日期", widget=AdminDateInput)
    document = forms.ModelChoiceField(
        label="授权书",
        queryset=get_document_model().objects.all(),
        required=False,
        widget=AdminDocumentChooser,
        help_text="签字的授权书扫描件(可选)。",
    )


class ConsentWithdrawForm(forms.Form):
    withdrawn_on = forms.DateField(label="撤回日期", widget=AdminDateInput, initial=timezone.localdate)


class EnrolmentForm(forms.Form):
    """登记救助对象 (``enrolment_create`` refuses a closed project, a bad standard and overlapping dates)."""

    beneficiary = BeneficiaryChoiceField(
        label="受助人",
        queryset=Beneficiary.objects.all(),
        widget=BeneficiaryChooserWidget,
        help_text="按姓名或完整身份证号搜索。",
    )
    project = forms.ModelChoiceField(
        label="项目", queryset=Project.objects.filter(status__in=ACTIVE_STATUSES).order_by("code")
    )
    standard_amount = forms.DecimalField(label="资助标准(元)", max_digits=14, decimal_places=2)
    standard_unit = forms.ChoiceField(label="计发单位", choices=StandardUnit.choices)
    yearly_cap = forms.DecimalField(
        label="年度上限(元)",
        max_digits=14,
        decimal_places=2,
        required=False,
        help_text="同一受助人本项目每自然年累计上限;不设上限请留空。",
    )
    start_date = forms.DateField(label="开始日期", widget=AdminDateInput)
    end_date = forms.DateField(label="结束日期", widget=AdminDateInput, required=False)
    notes = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class EnrolmentEndForm(forms.Form):
    end_date = forms.DateField(
        label="结束日期",
        widget=AdminDateInput,
        initial=timezone.localdate,
        help_text="结束后,日期晚于结束日期的拨付将被拒绝。",
    )
