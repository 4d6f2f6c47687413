"""Vouchers as the admin lists and shows them; amounts of posted vouchers are read from the ledger's legs."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum

from finance.entry_templates import EntryTemplate
from finance.models import Side, Voucher
from ledger.models import Account, Leg


@dataclass(frozen=True)
class VoucherTotals:
    debit: Decimal
    credit: Decimal

    @property
    def balanced(self) -> bool:
        return self.debit == self.credit


def voucher_list(*, status: str = "") -> QuerySet[Voucher]:
    vouchers = Voucher.objects.select_related("created_by").annotate(
        total=Sum("lines__amount", filter=Q(lines__side=Side.DEBIT))
    )
    return vouchers.filter(status=status) if status else vouchers


def voucher_totals(voucher: Voucher) -> VoucherTotals:
    """Debits and credits: from the ledger once posted (the truth), from the lines before."""
    if voucher.transaction_id is not None:
        legs = Leg.objects.filter(transaction_id=voucher.transaction_id)
    else:
        legs = voucher.lines.all()
    debit = legs.filter(side=Side.DEBIT).aggregate(s=Sum("amount"))["s"] or Decimal("0.00")
    credit = legs.filter(side=Side.CREDIT).aggregate(s=Sum("amount"))["s"] or Decimal("0.00")
    return VoucherTotals(debit=debit, credit=credit)


def template_lines(template: EntryTemplate) -> list[dict[str, str]]:
    """A template's lines as the draft form's initial rows. A line whose account has sub-accounts goes to the one
    named with the template's word (5201 → 5201.01 工资福利 for 工资), or to the only one; with no such sub-account
    its account is left for the maker to choose, rather than one the voucher check would refuse. One query."""
    codes = [code for code, _side, _summary in template.lines]
    children: dict[str, list[Account]] = {}
    for child in Account.objects.filter(parent__code__in=codes).select_related("parent").order_by("code"):
        children.setdefault(child.parent.code, []).append(child)
    rows = []
    for code, side, summary in template.lines:
        account = code
        if code in children:
            named = [c for c in children[code] if template.subaccount_word and template.subaccount_word in c.name]
            candidates = named or (children[code] if len(children[code]) == 1 else [])
            account = candidates[0].code if len(candidates) == 1 else ""
        rows.append({"account": account, "side": side, "summary": summary})
    return rows
