"""Reads about gifts. Amounts come from the ledger: a gift's amount is its posted transaction's credit legs,
less the legs of its refund transactions (and nothing once reversed)."""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.db.models import Q, Sum
from django.utils import translation

from ledger.chart import STRIPE_CLEARING
from ledger.labels import DetailRow, detail_rows, value_label
from ledger.merkle import donor_commitment
from ledger.models import Account, Leg, Side, Transaction, TransactionKind
from ledger.money import quantize
from ledger.selectors import InclusionCheck, account_balance, inclusion_check
from projects.disclosure import medical_fund_codes
from projects.models import Project
from projects.selectors.closure import LeftoverMove, leftover_given, leftovers_received_before
from projects.selectors.disbursements import TracedDisbursement, fund_paid_total, fund_spending_between

from .models import Donation, DonationRefund
from .models.donations import RECEIVED_STATUSES
from .models.names import NAME_SHOWN_STATES, WITHHELD_NAME

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class GiftFigures:
    received: Decimal  # what the ledger recorded as received
    refunded: Decimal
    reversed: bool

    @property
    def kept(self) -> Decimal:
        return ZERO if self.reversed else self.received - self.refunded


@dataclass(frozen=True)
class WallEntry:
    name: str
    amount: Decimal
    received_at: datetime
    monthly: bool


def gift_figures_many(donations: Iterable[Donation]) -> dict[int, GiftFigures]:
    """Ledger figures for many gifts in three queries."""
    donations = [d for d in donations if d.transaction_id is not None]
    tx_ids = [d.transaction_id for d in donations]
    received = dict(
        Leg.objects.filter(transaction_id__in=tx_ids, side=Side.CREDIT)
        .values("transaction_id")
        .annotate(total=Sum("amount"))
        .values_list("transaction_id", "total")
    )
    refunded = dict(
        DonationRefund.objects.filter(donation__in=donations)
        .values("donation_id")
        .annotate(total=Sum("transaction__legs__amount", filter=_debit_legs()))
        .values_list("donation_id", "total")
    )
    reversed_ids = set(Transaction.objects.filter(reverses_id__in=tx_ids).values_list("reverses_id", flat=True))
    return {
        d.pk: GiftFigures(
            received=quantize(received.get(d.transaction_id) or ZERO),
            refunded=quantize(refunded.get(d.pk) or ZERO),
            reversed=d.transaction_id in reversed_ids,
        )
        for d in donations
    }


def _debit_legs() -> Q:
    return Q(transaction__legs__side=Side.DEBIT)


def gift_figures(donation: Donation) -> GiftFigures | None:
    return gift_figures_many([donation]).get(donation.pk)


def donor_wall(project: Project | None, *, limit: int = 20) -> list[WallEntry]:
    """Recent received gifts to a fund: public name, amount kept, time. Never a phone, an email, a message or a
    name the donor did not choose to show; a name held for review, hidden or erased shows as 爱心人士
    (``Donation.wall_name``)."""
    gifts = list(
        Donation.objects.filter(project=project, status__in=RECEIVED_STATUSES)
        .select_related("donor")
        .order_by("-received_at", "-pk")[:limit]
    )
    figures = gift_figures_many(gifts)
    return [
        WallEntry(
            name=g.wall_name, amount=figures[g.pk].kept, received_at=g.received_at, monthly=g.plan_id is not None
        )
        for g in gifts
        if g.pk in figures
    ]


def donor_names_withheld(leaf_indexes: Iterable[int]) -> set[int]:
    """The leaves, among these, of gifts whose name the wall does not show (held, hidden or erased). A record
    written before commitments holds the name in clear and cannot change; the public ledger page shows 爱心人士
    there instead (the open data still carries the record's exact bytes)."""
    return set(
        Donation.objects.filter(transaction_id__in=list(leaf_indexes))
        .exclude(name_review__in=NAME_SHOWN_STATES)
        .values_list("transaction_id", flat=True)
    )


@dataclass(frozen=True)
class TracedTransfer:
    """The part of a gift that left its fund with the fund's leftover at 结项 (``projects.selectors.closure``):
    to another fund, where it paid for ``traced`` (first in, first out with that fund's own gifts) and may have
    moved on again (``onward``), or released to unrestricted funds (``move.released``)."""

    move: LeftoverMove
    share: Decimal
    traced: list[TracedDisbursement] = field(default_factory=list)
    onward: list[TracedTransfer] = field(default_factory=list)

    @property
    def used(self) -> Decimal:
        return sum((t.share for t in self.traced), ZERO)


@dataclass(frozen=True)
class GiftTracing:
    """善款去向: what a restricted gift paid for so far (first in, first out within its fund), and the part that
    followed a closed fund's leftover into another fund."""

    kept: Decimal
    traced: list[TracedDisbursement]
    transfers: list[TracedTransfer] = field(default_factory=list)

    @property
    def spent(self) -> Decimal:
        return sum((t.share for t in self.traced), ZERO)

    @property
    def transferred(self) -> Decimal:
        return sum((t.share for t in self.transfers), ZERO)

    @property
    def unspent(self) -> Decimal:
        return self.kept - self.spent - self.transferred


def gift_tracing(donation: Donation) -> GiftTracing | None:
    """The gift's interval among its fund's sources, in order received (received_at, then id) and net of refunds,
    matched against the fund's uses: its paid disbursements in order paid (``fund_spending_between``), then the
    leftover transferred out at 结项. A leftover received from a closed fund is a source of the receiving fund,
    placed among its gifts by date. None for the general fund (unrestricted money is used as a whole) and for a
    gift not (or no longer) received."""
    if donation.project_id is None or donation.status not in RECEIVED_STATUSES:
        return None
    figures = gift_figures(donation)
    if figures is None:
        return None
    earlier = Q(received_at__lt=donation.received_at) | Q(received_at=donation.received_at, pk__lt=donation.pk)
    start = _gifts_kept(donation.project_id, earlier) + leftovers_received_before(
        donation.project, donation.received_at
    )
    end = start + figures.kept
    return GiftTracing(
        kept=figures.kept,
        traced=fund_spending_between(donation.project, start, end),
        transfers=_traced_transfers(donation.project, start, end),
    )


def _gifts_kept(project_id: int, when: Q) -> Decimal:
    """The fund's received gifts matching ``when``, net of their refunds."""
    gifts = Donation.objects.filter(project_id=project_id, status__in=RECEIVED_STATUSES).filter(when)
    gross = gifts.aggregate(total=Sum("amount"))["total"] or ZERO
    refunded = DonationRefund.objects.filter(donation__in=gifts).aggregate(total=Sum("amount"))["total"] or ZERO
    return quantize(gross - refunded)  # SQLite sums decimals in floating point


MAX_TRANSFER_HOPS = 5  # a leftover moved on from fund to fund; beyond this the page stops following it


def _traced_transfers(project: Project, start: Decimal, end: Decimal, hops: int = MAX_TRANSFER_HOPS):
    """[start, end) of the fund's sources against its leftover transfer, which comes after all its paid
    disbursements; the overlap is followed into the receiving fund, where the transfer-in occupies its own
    interval among that fund's sources."""
    move = leftover_given(project)
    if move is None or end <= start or hops <= 0:
        return []
    out_start = fund_paid_total(project)
    low, high = max(start, out_start), min(end, out_start + move.amount)
    if high <= low:
        return []
    share = high - low
    if move.released:
        return [TracedTransfer(move=move, share=share)]
    target = Project.objects.get(code=move.to_code)
    received_at = _gifts_kept(target.pk, Q(received_at__lte=move.occurred_at)) + leftovers_received_before(
        target, move.occurred_at, sequence=move.sequence
    )
    sub_start, sub_end = received_at + (low - out_start), received_at + (high - out_start)
    return [
        TracedTransfer(
            move=move,
            share=share,
            traced=fund_spending_between(target, sub_start, sub_end),
            onward=_traced_transfers(target, sub_start, sub_end, hops - 1),
        )
    ]


def stripe_clearing_balances() -> dict[str, Decimal]:
    """The ledger's Stripe 待结算 (1012.STRIPE) balance by currency, from the account's running totals: what
    Stripe should hold for us (its balance, available + pending) once every charge, fee, refund and payout is in."""
    accounts = Account.objects.filter(code=STRIPE_CLEARING)
    return {account.currency: account_balance(account) for account in accounts}


def donation_lookup(*, serial: str, contact: str) -> Donation | None:
    """A gift by receipt serial plus the last 4 digits of the donor's phone, or their email. The same None
    for "no such gift" and "wrong contact", and the comparison does not short-cut on either."""
    donation = (
        Donation.objects.select_related("donor", "project", "transaction")
        .filter(receipt_serial=serial.strip().upper())
        .first()
    )
    expected = _contact_for(donation, contact)
    given = contact.strip().lower()
    match = hmac.compare_digest(expected.encode(), given.encode())
    return donation if (donation is not None and match and given) else None


def _contact_for(donation: Donation | None, contact: str) -> str:
    donor = donation.donor if donation is not None else None
    if donor is None:
        return "\0unmatched"
    if "@" in contact:
        return donor.email.strip().lower() or "\0unmatched"
    digits = "".join(ch for ch in donor.phone if ch.isdigit())
    return digits[-4:] if len(digits) >= 4 else "\0unmatched"


def donation_inclusion(donation: Donation) -> InclusionCheck | None:
    """The gift's leaf in the public log and its inclusion proof in the latest signed tree head."""
    if donation.transaction_id is None:
        return None
    return inclusion_check(donation.transaction.sequence)


@dataclass(frozen=True)
class NameCheck:
    """The answer to "does this gift's public record commit to this name?" (``name_commitment_check``)."""

    outcome: str  # "match", "mismatch", "bad_salt", or "in_clear" (a record written before commitments)
    name: str


def name_commitment_check(donation: Donation, *, name: str, salt: str) -> NameCheck | None:
    """Compare a name and a salt (hex, from the donor's receipt) with the commitment in the gift's published
    record: the same computation as ``python -m ledger.verifier --donor-name``. None when the gift has no record;
    "in_clear" for a record written before commitments (it holds a name in clear under ``donor``, or 匿名)."""
    if donation.transaction_id is None:
        return None
    details = json.loads(donation.transaction.record)["details"]
    name = name.strip()
    if "donor_commitment" not in details:
        return NameCheck("in_clear", name)
    try:
        computed = donor_commitment(name, bytes.fromhex(salt.strip()))
    except ValueError:
        return NameCheck("bad_salt", name)
    return NameCheck("match" if hmac.compare_digest(computed, details["donor_commitment"]) else "mismatch", name)


def organisation_name(request=None) -> str:
    """The charity's name from the site's 机构信息 setting (a presentation setting kept by ``cms``; read by
    name so that this app does not import the presentation layer)."""
    model = apps.get_model("cms", "OrganisationSettings")
    try:
        return model.for_request(request).name if request is not None else model.objects.first().name
    except (AttributeError, model.DoesNotExist):
        return settings.WAGTAIL_SITE_NAME


def receipt_data(donation: Donation, *, verify_url: str, organisation: str):
    """Everything a 捐赠回执 prints (a ``donations.receipts.ReceiptData``), amounts from the ledger."""
    from .receipts import ReceiptData  # WeasyPrint loads only when a receipt is rendered

    figures = gift_figures(donation)
    inclusion = donation_inclusion(donation)
    head = inclusion.tree_head if inclusion else None
    return ReceiptData(
        serial=donation.receipt_serial,
        donor_name=donation.public_name if not donation.donor_id else (donation.donor.name or donation.public_name),
        amount=figures.received if figures else donation.amount,
        currency=donation.currency,
        fund_name=donation.fund_name,
        channel_label=receipt_label("channel", donation.channel),
        received_at=donation.received_at,
        organisation_name=organisation,
        verify_url=verify_url,
        leaf_index=donation.transaction_id,
        tree_size=head.tree_size if head else None,
        tree_root_hex=bytes(head.root_hash).hex() if head else "",
        tree_head_at=head.signed_at if head else None,
        official_code=donation.official_receipt_code,
        official_number=donation.official_receipt_number,
        official_check=donation.official_receipt_check,
        in_kind_summary=_in_kind_summary(donation),
        is_demo=donation.is_sandbox,
    )


def _in_kind_summary(donation: Donation) -> str:
    if donation.channel != "in_kind":
        return ""
    quantity = f"{donation.in_kind_quantity.normalize():f}" if donation.in_kind_quantity is not None else ""
    basis = receipt_label("valuation", donation.valuation_basis)
    return f"{donation.in_kind_description} {quantity}{donation.in_kind_unit}(估值依据:{basis})"


def receipt_label(key: str, value: str) -> str:
    """A public-record value as the 捐赠回执 prints it: always in Chinese, whatever language the page was in."""
    with translation.override("zh-hans"):
        return str(value_label(key, value))


@dataclass(frozen=True)
class PublicRecordView:
    """A gift's ledger entry as the verification page shows it, labelled by ``ledger.labels``."""

    kind: str
    details: list[DetailRow]


def donation_public_record(donation: Donation) -> PublicRecordView | None:
    """An old record's donor name, hidden or erased since, shows as 爱心人士 here too (as on /transparency/)."""
    if donation.transaction_id is None:
        return None
    record = json.loads(donation.transaction.record)
    details = record["details"]
    if "donor" in details and donation.name_review not in NAME_SHOWN_STATES:
        details = {**details, "donor": WITHHELD_NAME}
    return PublicRecordView(
        kind=TransactionKind(record["kind"]).label, details=detail_rows(details, medical_fund_codes())
    )
