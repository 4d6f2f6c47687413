"""登记为线下捐赠 from a bank line: the offline-gift form of the donations admin without what the line already
fixes (method, amount, 银行流水号, payer), which the service takes from the line itself."""

from __future__ import annotations

from django import forms

from donations.admin_forms import OfflineGiftForm


class LineGiftForm(OfflineGiftForm):
    FIXED = ("channel", "amount", "bank_reference", "in_kind_description", "in_kind_quantity", "in_kind_unit")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in (*self.FIXED, "valuation_basis"):
            self.fields.pop(name, None)


class MonthForm(forms.Form):
    account = forms.CharField(label="银行科目", required=False)
    month = forms.RegexField(label="月份", regex=r"^\d{4}-(0[1-9]|1[0-2])$", required=False,
                             error_messages={"invalid": "月份请写成 2026-11。"})  # fmt: skip
