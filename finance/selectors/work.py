"""财务待办: what in the books waits for whom. The dashboard panel reads here.

- 待我审核的凭证: submitted vouchers to someone holding ``finance.approve_voucher`` who did not make them and has not
  approved them in this submission round; oldest submission first.
- 退回的凭证: drafts returned to their maker (a return reason) and not yet resubmitted.
- 待复核的线下捐赠: offline gifts recorded 待复核 to someone holding ``donations.confirm_offline_gift`` who did not
  record them.
- 未对账的线下捐赠: bank gifts no statement line has matched, older than ``BANK_RECONCILE_UNMATCHED_DAYS`` (a count).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum

from donations.models import Donation, DonationStatus
from donations.services.offline import CONFIRM_PERMISSION
from finance.models import Side, Voucher, VoucherApproval, VoucherStatus
from finance.selectors.bank import unmatched_offline_gifts

ROWS_SHOWN = 10


@dataclass
class Section:
    rows: list = field(default_factory=list)
    count: int = 0


def _with_totals(vouchers: QuerySet[Voucher]) -> QuerySet[Voucher]:
    """An unposted voucher's amount is its lines' debit total (the ledger has nothing of it yet)."""
    return vouchers.annotate(total=Sum("lines__amount", filter=Q(lines__side=Side.DEBIT)))


def _section(queryset: QuerySet) -> Section:
    return Section(rows=list(queryset[:ROWS_SHOWN]), count=queryset.count())


def vouchers_to_approve(user) -> QuerySet[Voucher]:
    signed = VoucherApproval.objects.filter(voucher=OuterRef("pk"), round=OuterRef("submission_round"), approver=user)
    return _with_totals(
        Voucher.objects.filter(status=VoucherStatus.SUBMITTED)
        .exclude(created_by=user)
        .exclude(Exists(signed))
        .order_by("submitted_at", "pk")
    )


def vouchers_returned(user) -> QuerySet[Voucher]:
    return _with_totals(
        Voucher.objects.filter(status=VoucherStatus.DRAFT, created_by=user)
        .exclude(return_reason="")
        .order_by("created_at", "pk")
    )


def gifts_to_confirm(user) -> QuerySet[Donation]:
    return (
        Donation.objects.filter(status=DonationStatus.AWAITING_CONFIRMATION)
        .exclude(recorded_by=user)
        .select_related("project")
        .order_by("created_at", "pk")
    )


def finance_work(user) -> dict[str, Section]:
    """The sections this user may act on (a key is missing when the user holds no permission for it)."""
    work: dict[str, Section] = {}
    if user.has_perm("finance.approve_voucher"):
        work["vouchers_to_approve"] = _section(vouchers_to_approve(user))
    if user.has_perm("finance.add_voucher"):
        work["vouchers_returned"] = _section(vouchers_returned(user))
    if user.has_perm(CONFIRM_PERMISSION):
        work["gifts_to_confirm"] = _section(gifts_to_confirm(user))
    if user.has_perm("finance.view_bankstatement"):
        work["gifts_unreconciled"] = Section(count=unmatched_offline_gifts().count())
    return work
