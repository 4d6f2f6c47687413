"""The voucher draft form and its lines (an inline formset). Parsing only: the rules live in ``finance.services``."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from finance.models import Side
from finance.services import VoucherDraft, VoucherLineDraft
from ledger.chart import FIRST_LEVEL
from ledger.models import Account


def account_choices() -> list[tuple[str, str]]:
    """Every account of the books, and the standard ones not yet created (created on first use)."""
    existing = {a.code: f"{a.code} {a.name}" for a in Account.objects.order_by("code")}
    for code, spec in FIRST_LEVEL.items():
        existing.setdefault(code, f"{code} {spec.name}")
    return [("", "——请选择科目——"), *sorted(existing.items())]


class VoucherForm(forms.Form):
    voucher_date = forms.DateField(
        label="凭证日期",
        initial=timezone.localdate,
        # An <input type="date"> takes only ISO dates: the localized format left it empty, so saving said 必需字段.
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    summary = forms.CharField(label="摘要(公开)", max_length=100, help_text="会公开。不要写人名、身份证号、账号。")
    notes = forms.CharField(label="内部备注", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    attachment = forms.FileField(label="附件(不公开)", required=False, help_text="发票、合同、工资表等。")


class VoucherLineForm(forms.Form):
    account = forms.ChoiceField(label="会计科目", choices=())
    side = forms.ChoiceField(label="方向", choices=[("", "—"), *Side.choices])
    amount = forms.DecimalField(label="金额(元)", min_value=None)
    summary = forms.CharField(label="摘要(公开)", max_length=100)
    fund_code = forms.CharField(label="基金代码", max_length=32, required=False)

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = choices


LineFormSet = forms.formset_factory(VoucherLineForm, extra=2)


def line_formset(data=None, initial=None):
    return LineFormSet(data, initial=initial, prefix="lines", form_kwargs={"choices": account_choices()})


def draft_from(form: VoucherForm, formset, template: str = "") -> VoucherDraft:
    lines = [
        VoucherLineDraft(
            account=f.cleaned_data["account"],
            side=f.cleaned_data["side"],
            amount=f.cleaned_data["amount"],
            summary=f.cleaned_data["summary"],
            fund_code=f.cleaned_data.get("fund_code", ""),
        )
        for f in formset.forms
        if f.has_changed() and f.cleaned_data
    ]
    data = form.cleaned_data
    return VoucherDraft(
        voucher_date=data["voucher_date"], summary=data["summary"], notes=data["notes"], lines=lines, template=template
    )
