"""Non-page views: the public ledger browser (/transparency/). Thin: parse, call selectors, render."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from decimal import Decimal

from django import forms
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from donations.models import WITHHELD_NAME
from donations.selectors import donor_names_withheld
from ledger.labels import DETAILS, detail_rows, dictionary_tables
from ledger.models import TransactionKind
from ledger.selectors import account_funds, latest_tree_head, public_entries, transactions_filtered
from projects.disclosure import medical_fund_codes
from projects.models import Project
from projects.selectors import project_funding_many

from .models import query_without_page

PAGE_SIZE = 50


class LedgerFilterForm(forms.Form):
    project = forms.ModelChoiceField(
        label=_("Project"),
        queryset=Project.objects.order_by("code"),
        to_field_name="code",
        required=False,
        empty_label=_("All projects"),
    )
    kind = forms.ChoiceField(label=_("Type"), choices=[("", _("All types")), *TransactionKind.choices], required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The start date must not be after the end date."))
        return data


def transparency(request):
    form = LedgerFilterForm(request.GET or None)
    if form.is_valid() or not form.is_bound:
        data = form.cleaned_data if form.is_bound else {}
        project = data.get("project")
        transactions = transactions_filtered(
            fund_code=project.code if project else None,
            kind=data.get("kind") or None,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
    else:
        transactions = transactions_filtered().none()
    page_obj = Paginator(transactions, PAGE_SIZE).get_page(request.GET.get("page"))
    funds_by_account = account_funds()
    funds = _fund_rows()
    names = {project.code: project.name for project, _funding in funds}
    medical = medical_fund_codes()
    entries = public_entries(page_obj.object_list)
    withheld = donor_names_withheld(entry.leaf_index for entry in entries)
    rows = [_entry_row(entry, funds_by_account, names, medical, withheld) for entry in entries]
    context = {
        "filter_form": form,
        "page_obj": page_obj,
        "entries": rows,
        "filter_query": query_without_page(request),
        "funds": funds,
        "tree_head": _tree_head(),
    }
    return render(request, "cms/transparency.html", context)


def transparency_dictionary(request):
    """The data dictionary of the open data: what each key and value of a public record means."""
    context = {"details": list(DETAILS.items()), **dictionary_tables()}
    return render(request, "cms/transparency_dictionary.html", context)


def _entry_row(
    entry, funds_by_account: dict[str, str], names: dict[str, str], medical: set[str], withheld: set[int]
) -> dict:
    record = entry.record
    details = record["details"]
    if entry.leaf_index in withheld and "donor" in details:  # an old record's name, hidden or erased since
        details = {**details, "donor": WITHHELD_NAME}
    return {
        "leaf_index": entry.leaf_index,
        "record": record,
        "amount": sum((Decimal(leg["amount"]) for leg in record["legs"] if leg["side"] == "D"), Decimal("0")),
        "fund_names": [
            names.get(code, code)
            for code in sorted(
                {funds_by_account[leg["account"]] for leg in record["legs"] if leg["account"] in funds_by_account}
            )
        ],
        "occurred": datetime.strptime(record["occurred_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC),
        "kind_label": TransactionKind(record["kind"]).label,
        "details": detail_rows(details, medical),
        "leaf_hash_b64": base64.b64encode(entry.leaf_hash).decode(),
    }


def _fund_rows() -> list[tuple[Project, object]]:
    projects = list(Project.objects.order_by("code"))
    funding = project_funding_many(projects)
    return [(project, funding[project.pk]) for project in projects]


def _tree_head() -> dict | None:
    head = latest_tree_head()
    if head is None:
        return None
    return {
        "tree_size": head.tree_size,
        "published": head.signed_at,
        "timestamp_ms": head.timestamp_ms,
        "root_hex": bytes(head.root_hash).hex(),
        "root_b64": base64.b64encode(bytes(head.root_hash)).decode(),
        "signature_b64": base64.b64encode(bytes(head.signature)).decode(),
        "public_key_b64": base64.b64encode(bytes(head.public_key)).decode(),
    }
