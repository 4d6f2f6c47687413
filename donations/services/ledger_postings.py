"""How gifts reach the ledger: which accounts, which public record, which idempotency source.

| event | debit | credit |
|---|---|---|
| online gift | 1012.STRIPE Stripe 待结算 | 捐赠收入 of its fund |
| bank / cash gift | 1002 银行存款 / 1001 库存现金 | 捐赠收入 of its fund |
| in-kind gift (valued) | 1201 库存物资 | 捐赠收入 of its fund |
| refund | 捐赠收入 of its fund | 1012.STRIPE |
| Stripe fee on a charge (or on a refund) | 5301 筹资费用·支付手续费 | 1012.STRIPE |
| Stripe fee returned on a refund (negative fee) | 1012.STRIPE | 5301 筹资费用·支付手续费 |
| Stripe payout to the bank | 1002 银行存款 | 1012.STRIPE |
| payout failed after it was paid | the payout's legs, swapped (``transaction_reverse``) | |

The public record names the fund and the channel and carries a salted commitment to the donor's public name
(``donor_names.name_commit``), never the name itself, a phone or an email. Records posted before commitments hold
the public name in clear under ``donor``; they cannot be changed.

Events from Stripe (online gifts, refunds, fees, payouts, failed payouts) that arrive after their month was closed
(期间结账) are dated at the first moment of the open period (``ledger.services.periods.open_moment``), their real
moment kept under ``happened_at`` in the public record (in the memo for a reversal); staff-entered dates (offline
gifts) are refused by the ledger instead, as a form error.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from donations.models import Channel, Donation
from ledger.chart import (
    BANK,
    CASH,
    FUNDRAISING_COST,
    GENERAL_INCOME,
    INVENTORY,
    STRIPE_CLEARING,
    chart_ensure,
    income_code,
)
from ledger.models import Account, Transaction, TransactionKind
from ledger.records import iso_utc_whole_second
from ledger.services import LegSpec, PostingRequest, transaction_post, transaction_reverse, transactions_post_bulk
from ledger.services.periods import open_moment
from projects.services import project_fund_accounts

from .donor_names import held_words, name_commit

DEBIT_ACCOUNT = {
    Channel.ONLINE: STRIPE_CLEARING,
    Channel.BANK: BANK,
    Channel.CASH: CASH,
    Channel.IN_KIND: INVENTORY,
}


def income_account(donation: Donation) -> str:
    """The fund's 捐赠收入 account code; the chart and the fund's accounts are created on first use (one
    existence query on the hot path, since a webhook posts here for every gift)."""
    code = GENERAL_INCOME if donation.project_id is None else income_code(donation.project.code)
    needed = {code, STRIPE_CLEARING, BANK, CASH, INVENTORY}
    if Account.objects.filter(code__in=needed).count() < len(needed):
        chart_ensure()
        if donation.project_id is not None:
            project_fund_accounts(project=donation.project)
    return code


def public_record(donation: Donation, words: tuple[str, ...]) -> dict:
    """The gift's public details. Commits the gift's public name (sets its salt and review state on ``donation``,
    which the caller saves with the gift); ``words`` is the held-word list, read once per posting call."""
    record = {
        "fund": donation.fund_code or "general",
        "donor_commitment": name_commit(donation, words),
        "channel": donation.channel,
    }
    if donation.channel == Channel.IN_KIND:
        record["items"] = donation.in_kind_description
        quantity = donation.in_kind_quantity
        record["quantity"] = (f"{quantity.normalize():f}" if quantity is not None else "") + donation.in_kind_unit
        record["valuation"] = donation.valuation_basis
    if donation.is_sandbox:
        record["sandbox"] = True
    return record  # the ledger refuses any record that still looks personal (check_public_details) when posting


def gift_post(donation: Donation) -> Transaction:
    """Post a received gift (idempotent: the source is the gift's public id)."""
    return transactions_post_bulk([_gift_request(donation, income_account(donation), held_words())])[0]


def gifts_post_bulk(donations: list[Donation]) -> list[Transaction]:
    """Post many received gifts (an import) in one ledger call; the chart and each fund's accounts are
    ensured once for the lot, not once per gift."""
    projects = {d.project_id: d.project for d in donations if d.project_id is not None}
    needed = {GENERAL_INCOME, STRIPE_CLEARING, BANK, CASH, INVENTORY, *(income_code(p.code) for p in projects.values())}
    if Account.objects.filter(code__in=needed).count() < len(needed):  # one query once the accounts exist
        chart_ensure()
        for project in projects.values():
            project_fund_accounts(project=project)
    words = held_words()
    requests = [
        _gift_request(d, GENERAL_INCOME if d.project_id is None else income_code(d.project.code), words)
        for d in donations
    ]
    return transactions_post_bulk(requests)


def _gift_request(donation: Donation, income: str, words: tuple[str, ...]) -> PostingRequest:
    amount = donation.amount
    record = public_record(donation, words)
    at = donation.received_at
    if donation.channel == Channel.ONLINE:  # Stripe's moment: moved into the open period if its month is closed
        at, record = _dated(at, record)
    return PostingRequest(
        kind=TransactionKind.IN_KIND if donation.channel == Channel.IN_KIND else TransactionKind.DONATION,
        occurred_at=at,
        legs=[
            LegSpec(DEBIT_ACCOUNT[donation.channel], "D", amount, donation.currency),
            LegSpec(income, "C", amount, donation.currency),
        ],
        source=f"donation:{donation.public_id}",
        memo=str(donation),
        public_record=record,
    )


def _dated(at: datetime, record: dict) -> tuple[datetime, dict]:
    """An external event's date in the books: ``at``, or the open period's first moment when ``at``'s month is
    closed, the real moment then kept in the public record."""
    moment = open_moment(at)
    if moment != at:
        record = {**record, "happened_at": iso_utc_whole_second(at)}
    return moment, record


def _late_memo(at: datetime, memo: str) -> tuple[datetime, str]:
    moment = open_moment(at)
    if moment != at:
        memo = f"{memo}(实际发生 {iso_utc_whole_second(at)},所属期间已结账)"[:200]
    return moment, memo


def refund_post(donation: Donation, *, key: str, amount: Decimal, at: datetime) -> Transaction:
    at, record = _dated(at, {"fund": donation.fund_code or "general", "channel": donation.channel})
    return transaction_post(
        kind=TransactionKind.REFUND,
        occurred_at=at,
        legs=[
            LegSpec(income_account(donation), "D", amount, donation.currency),
            LegSpec(DEBIT_ACCOUNT[donation.channel], "C", amount, donation.currency),
        ],
        source=f"refund:{key}",
        memo=f"{donation} 退款",
        public_record=record,
    )


def gift_reverse(donation: Donation, *, at: datetime, reason: str) -> Transaction:
    at, reason = _late_memo(at, reason)
    return transaction_reverse(
        original=donation.transaction, occurred_at=at, source=f"donation:{donation.public_id}:reversal", memo=reason
    )



def _processor_record(*, sandbox: bool) -> dict:
    """A fee's or payout's public record: the general fund and the processor, never a gift or a person."""
    record = {"fund": "general", "channel": "online", "processor": "stripe"}
    if sandbox:
        record["sandbox"] = True
    return record


def _standard_accounts(*codes: str) -> None:
    if Account.objects.filter(code__in=codes).count() < len(set(codes)):
        chart_ensure()


def fee_post(*, balance_transaction_id: str, amount: Decimal, currency: str, at: datetime, sandbox: bool,
             memo: str) -> Transaction:
    """Stripe's fee on a balance transaction (idempotent: the source is Stripe's balance transaction id). A negative
    fee — Stripe returning its fee on a refund — posts the other way: Dr Stripe 待结算 / Cr 5301."""
    _standard_accounts(FUNDRAISING_COST, STRIPE_CLEARING)
    at, record = _dated(at, _processor_record(sandbox=sandbox))
    expense, clearing = ("D", "C") if amount > 0 else ("C", "D")
    amount = abs(amount)
    return transaction_post(
        kind=TransactionKind.FEE,
        occurred_at=at,
        legs=[
            LegSpec(FUNDRAISING_COST, expense, amount, currency),
            LegSpec(STRIPE_CLEARING, clearing, amount, currency),
        ],
        source=f"stripe-fee:{balance_transaction_id}",
        memo=memo,
        public_record=record,
    )


def payout_source(payout_id: str) -> str:
    return f"stripe-payout:{payout_id}"


def payout_post(*, payout_id: str, amount: Decimal, currency: str, at: datetime, sandbox: bool) -> Transaction:
    """A Stripe payout arrived in the bank (idempotent: the source is Stripe's payout id)."""
    _standard_accounts(BANK, STRIPE_CLEARING)
    at, record = _dated(at, _processor_record(sandbox=sandbox))
    return transaction_post(
        kind=TransactionKind.PAYOUT,
        occurred_at=at,
        legs=[LegSpec(BANK, "D", amount, currency), LegSpec(STRIPE_CLEARING, "C", amount, currency)],
        source=payout_source(payout_id),
        memo=f"Stripe 结算 {payout_id}",
        public_record=record,
    )


def payout_reverse(original: Transaction, *, payout_id: str, at: datetime) -> Transaction:
    at, memo = _late_memo(at, f"Stripe 结算 {payout_id} 失败,款项退回 Stripe 余额")
    return transaction_reverse(
        original=original, occurred_at=at, source=f"{payout_source(payout_id)}:failed", memo=memo,
    )
