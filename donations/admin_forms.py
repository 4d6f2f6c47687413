"""Forms for the donations admin (捐赠管理). They parse input only: every rule about money lives in the services
(``donation_record_offline``, ``donation_record_official_receipt``, ``donation_reverse``), whose Chinese
``ValidationError``s are put back on the fields they name by ``add_service_errors``."""

from __future__ import annotations

import uuid

from django import forms
from wagtail.admin.widgets import AdminDateTimeInput

from donations.models import Channel, Donation, Donor, ValuationBasis
from donations.models.donations import OFFLINE_CHANNELS
from donations.services import OfflineGift
from projects.models import ACTIVE_STATUSES, Project

OFFLINE_CHOICES = [(c.value, c.label) for c in OFFLINE_CHANNELS]


class OfflineGiftForm(forms.Form):
    """登记线下捐赠: a bank transfer, cash or an in-kind gift already received."""

    channel = forms.ChoiceField(label="捐赠方式", choices=OFFLINE_CHOICES, initial=Channel.BANK,
                                widget=forms.RadioSelect)
    project = forms.ModelChoiceField(
        label="捐赠项目",
        queryset=Project.objects.filter(status__in=ACTIVE_STATUSES).order_by("code"),
        required=False,
        empty_label="非限定性资金(总会统筹)",
        help_text="留空表示捐给总会非限定性资金(统筹使用)。",
    )
    amount = forms.DecimalField(label="金额(元)", max_digits=14, decimal_places=2,
                                help_text="物资捐赠填写估值金额。")
    received_at = forms.DateTimeField(label="到账时间", widget=AdminDateTimeInput)
    donor = forms.ModelChoiceField(label="捐赠人", queryset=Donor.objects.order_by("name", "pk"), required=False,
                                   empty_label="(不关联捐赠人)")
    display_name = forms.CharField(label="公开署名", max_length=60, required=False,
                                   help_text="捐赠人同意公开的署名;不填则按捐赠人设置显示或显示为「匿名」。")
    is_anonymous = forms.BooleanField(label="匿名", required=False)
    bank_reference = forms.CharField(label="银行流水号", max_length=64, required=False,
                                     help_text="银行转账必填;同一流水号只能登记一次。")
    in_kind_description = forms.CharField(label="物资名称", max_length=200, required=False)
    in_kind_quantity = forms.DecimalField(label="数量", max_digits=14, decimal_places=2, required=False)
    in_kind_unit = forms.CharField(label="单位", max_length=20, required=False, help_text="如 袋、箱、台。")
    valuation_basis = forms.ChoiceField(label="估值依据", choices=[("", "—"), *ValuationBasis.choices],
                                        required=False)
    # One key per form shown: a double submit (or a re-post after a timeout) records the gift once.
    submission_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def to_gift(self) -> OfflineGift:
        data = self.cleaned_data
        return OfflineGift(
            project=data["project"],
            channel=data["channel"],
            amount=data["amount"],
            received_at=data["received_at"],
            donor=data["donor"],
            display_name=data["display_name"],
            is_anonymous=data["is_anonymous"],
            bank_reference=data["bank_reference"],
            in_kind_description=data["in_kind_description"],
            in_kind_quantity=data["in_kind_quantity"],
            in_kind_unit=data["in_kind_unit"],
            valuation_basis=data["valuation_basis"],
            submission_key=data["submission_key"],
        )


class OfficialReceiptForm(forms.ModelForm):
    """登记公益事业捐赠票据: the only change staff may make to a recorded gift."""

    class Meta:
        model = Donation
        fields = ["official_receipt_code", "official_receipt_number", "official_receipt_check"]


class ReversalForm(forms.Form):
    """冲正: the reason is required by ``donation_reverse``, which gives the message when it is missing."""

    reason = forms.CharField(label="冲正原因", max_length=200, required=False, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="说明登记错误的原因;冲正后该笔捐赠保留在记录中,标记为「已冲正」。")


class RejectionForm(forms.Form):
    """复核驳回: the reason is required by ``donation_reject_offline``, which gives the message when it is missing."""

    reason = forms.CharField(label="驳回原因", max_length=200, required=False, widget=forms.Textarea(attrs={"rows": 3}))
