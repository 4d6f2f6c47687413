"""Public forms: the donate form and the donor look-up form. Messages are in Chinese (and English under /en/)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ledger.privacy import PersonalDataError, check_public_details

from .validators import validate_mobile

OTHER = "other"


class DonationForm(forms.Form):
    amount_choice = forms.ChoiceField(label=_("Amount"), widget=forms.RadioSelect, required=False)
    custom_amount = forms.DecimalField(
        label=_("Other amount (yuan)"), required=False, max_digits=12, decimal_places=2, min_value=Decimal("0.01")
    )
    frequency = forms.ChoiceField(
        label=_("How often"),
        choices=[("once", _("Once")), ("monthly", _("Monthly (card only)"))],
        initial="once",
        widget=forms.RadioSelect,
    )
    is_anonymous = forms.BooleanField(label=_("Give anonymously"), required=False)
    display_name = forms.CharField(
        label=_("Name to show on the donor wall"), max_length=60, required=False,
        help_text=_("Leave empty to appear as Anonymous."),
    )
    message = forms.CharField(label=_("Message"), max_length=200, required=False, widget=forms.Textarea({"rows": 2}))
    phone = forms.CharField(
        label=_("Mobile phone (for looking up your receipt)"), max_length=20, required=False,
        validators=[validate_mobile],
    )
    email = forms.EmailField(label=_("Email (for your receipt)"), required=False)

    def __init__(self, *args, presets: list[Decimal] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.presets = presets or [Decimal("50"), Decimal("100"), Decimal("200"), Decimal("500")]
        choices = [(str(p), f"¥{p:,.0f}" if p == p.to_integral() else f"¥{p:,.2f}") for p in self.presets]
        self.fields["amount_choice"].choices = [*choices, (OTHER, _("Other amount"))]
        self.fields["custom_amount"].widget.attrs.update(
            {"min": str(settings.DONATION_MIN_AMOUNT), "max": str(settings.DONATION_MAX_AMOUNT), "step": "0.01",
             "inputmode": "decimal"}
        )

    def detail_fields(self):
        """The fields after the amount and frequency, in order (the template lays those two out itself)."""
        return [self[name] for name in ("is_anonymous", "display_name", "message", "phone", "email")]

    def clean_display_name(self) -> str:
        name = self.cleaned_data["display_name"].strip()
        try:
            check_public_details({"donor": name})
        except PersonalDataError:
            raise forms.ValidationError(_("A display name must not contain a phone number or an email.")) from None
        return name

    def clean(self):
        data = super().clean()
        choice, custom = data.get("amount_choice"), data.get("custom_amount")
        if choice not in (OTHER, "", None) and custom is not None and custom != Decimal(choice):
            # Two different amounts: charging either could surprise the donor, so ask.
            self.add_error("custom_amount", _("You chose ¥%(preset)s and typed ¥%(typed)s: please keep only one.")
                           % {"preset": choice, "typed": custom})
            return data
        amount = custom if choice in (OTHER, "", None) else Decimal(choice)
        if amount is None:
            self.add_error("custom_amount", _("Choose an amount or enter one."))
            return data
        low, high = settings.DONATION_MIN_AMOUNT, settings.DONATION_MAX_AMOUNT
        if not low <= amount <= high:
            message = _("An online gift must be between ¥%(low)s and ¥%(high)s.") % {"low": low, "high": high}
            self.add_error("custom_amount", message)
        data["amount"] = amount
        if data.get("is_anonymous"):
            data["display_name"] = ""
        return data


class LookupForm(forms.Form):
    serial = forms.CharField(label=_("Receipt number"), max_length=20, widget=forms.TextInput({"autocomplete": "off"}))
    contact = forms.CharField(
        label=_("Last 4 digits of your phone, or your email"), max_length=254,
        widget=forms.TextInput({"autocomplete": "off"}),
    )


class NameCheckForm(forms.Form):
    """The verify page's name check: the public name and the salt printed on the donor's receipt."""

    name = forms.CharField(label=_("Public name"), max_length=100)
    salt = forms.CharField(label=_("Salt (from your receipt)"), max_length=64)
