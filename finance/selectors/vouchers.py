"""Vouchers as the admin lists and shows them; amounts of posted vouchers are read from the ledger's legs."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum

from finance.models import Side, Voucher
from ledger.models import Leg


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
