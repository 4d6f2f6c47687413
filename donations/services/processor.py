"""Stripe's fees and payouts (支付手续费、结算到账): what the processor keeps, and what it pays into the bank.

Rules:
- Each charge's fee, read from its balance transaction, posts 筹资费用·支付手续费 against Stripe 待结算 once per
  balance transaction (the ledger source is ``stripe-fee:<balance transaction id>``): charge.succeeded and
  charge.updated both carry it, and either, or both, or a repeat, post it once.
- With Stripe configured the fee is asked of Stripe's API (the charge with its balance transaction expanded); a
  webhook body's figures are never used for it. The sandbox, which has no API, sends the balance transaction
  expanded inside its signed event.
- A fee settled in another currency than the gift's is refused with a note for finance (a voucher), never
  converted at a guessed rate.
- A lost dispute (charge.dispute.closed, ``lost``) takes the disputed amount back from the gift's fund as a
  refund would (捐赠收入 against Stripe 待结算, once per dispute) and posts Stripe's dispute fee as 筹资费用, once per
  balance transaction. With Stripe configured the dispute is read back from Stripe's API. A won dispute posts
  nothing: nothing was posted when it opened.
- A refund's fee (refund.created / refund.updated / charge.refund.updated) posts once per balance transaction of
  the refund (``stripe-fee:<txn>``), read from Stripe's API when Stripe is configured: a positive fee is 筹资费用, a
  negative one (Stripe returned its fee) posts the other way. The sandbox returns no fee on a refund, as Stripe
  does in most markets, so its refunds post no fee. A refund of a charge no gift knows posts nothing and says so.
- A payout posts 银行存款 against Stripe 待结算 once per payout id when it is paid. A payout that fails after it was
  paid is reversed once; one that fails before it was paid posts nothing, and a payout.paid arriving after its
  payout.failed posts nothing either.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from donations.gateways import events as ev
from donations.gateways import sandbox_enabled, stripe_gateway
from donations.models import Donation, WebhookEvent, WebhookEventStatus
from ledger.models import Transaction

from . import ledger_postings
from .payments import DonationError, donation_record_refund

ALREADY_POSTED = "该结算记录的手续费已记账,未重复记账"


def charge_fee_record(*, donation: Donation, charge: ev.ChargeSettled, at: datetime) -> str:
    """Post the Stripe fee on ``donation``'s charge once. Returns a note on what happened."""
    if Transaction.objects.filter(source=f"stripe-fee:{charge.balance_transaction_id}").exists():
        return ALREADY_POSTED  # charge.updated after charge.succeeded: no need to ask Stripe again
    fee = ev.read_balance_fee(_balance_transaction(charge))
    if fee.currency != donation.currency:
        raise DonationError(f"手续费结算币种 {fee.currency} 与捐赠币种 {donation.currency} 不同,请财务以凭证处理")
    if fee.fee <= 0:
        return "手续费为 0,无需记账"
    source = f"stripe-fee:{fee.balance_transaction_id}"
    if Transaction.objects.filter(source=source).exists():
        return ALREADY_POSTED
    ledger_postings.fee_post(
        balance_transaction_id=fee.balance_transaction_id,
        amount=fee.fee,
        currency=fee.currency,
        at=at,
        sandbox=donation.is_sandbox,
        memo=f"Stripe 手续费 {charge.charge_id}({donation})",
    )
    return f"已记手续费 ¥{fee.fee}"


def _balance_transaction(charge: ev.ChargeSettled) -> dict:
    if not sandbox_enabled():
        return stripe_gateway.charge_balance_transaction(charge.charge_id)
    if charge.balance_transaction is None:
        raise DonationError("测试支付事件缺少结算记录(balance_transaction),无法记手续费")
    return charge.balance_transaction


def dispute_closed_read(obj: dict) -> ev.DisputeClosed:
    """The closed dispute: from Stripe's API when Stripe is configured, from the sandbox's signed event otherwise."""
    return ev.read_dispute_closed(obj if sandbox_enabled() else stripe_gateway.dispute(obj["id"]))


def dispute_lost_record(*, donation: Donation, dispute: ev.DisputeClosed, at: datetime) -> str:
    """Take the lost amount back from the gift's fund (a refund keyed by the dispute) and book the dispute fee."""
    if dispute.currency != donation.currency or any(f.currency != donation.currency for f in dispute.fees):
        raise DonationError(f"争议 {dispute.dispute_id} 的币种与捐赠币种 {donation.currency} 不同,请财务以凭证处理")
    already = sum((refund.amount for refund in donation.refunds.all()), Decimal("0"))
    taken = donation_record_refund(
        donation=donation,
        refunded_total=already + dispute.amount,
        key=f"stripe-dispute:{dispute.dispute_id}:lost",
        at=at,
    )
    fees = Decimal("0")
    for fee in dispute.fees:
        if fee.fee > 0 and not Transaction.objects.filter(source=f"stripe-fee:{fee.balance_transaction_id}").exists():
            ledger_postings.fee_post(
                balance_transaction_id=fee.balance_transaction_id,
                amount=fee.fee,
                currency=fee.currency,
                at=at,
                sandbox=donation.is_sandbox,
                memo=f"Stripe 争议费 {dispute.dispute_id}({donation})",
            )
            fees += fee.fee
    return f"争议败诉:冲回捐赠收入 ¥{taken},争议手续费 ¥{fees}"


def refund_fee_record(*, donation: Donation, refund: ev.RefundSettled, at: datetime) -> str:
    """Post the fee on each of the refund's balance transactions once (a negative fee: returned to us)."""
    obj = refund if sandbox_enabled() else ev.read_refund(stripe_gateway.refund(refund.refund_id))
    notes = []
    for bt in obj.balance_transactions:
        fee = ev.read_balance_fee(bt)
        if fee.currency != donation.currency:
            raise DonationError(
                f"退款手续费结算币种 {fee.currency} 与捐赠币种 {donation.currency} 不同,请财务以凭证处理"
            )
        if fee.fee == 0 or Transaction.objects.filter(source=f"stripe-fee:{fee.balance_transaction_id}").exists():
            continue
        ledger_postings.fee_post(
            balance_transaction_id=fee.balance_transaction_id, amount=fee.fee, currency=fee.currency, at=at,
            sandbox=donation.is_sandbox, memo=f"Stripe 退款手续费 {refund.refund_id}({donation})",
        )
        notes.append(f"已记退款手续费 ¥{fee.fee}" if fee.fee > 0 else f"已记退回手续费 ¥{-fee.fee}")
    return ";".join(notes) or "退款无手续费或已记账,未重复记账"


def payout_record_paid(*, payout: ev.Payout, at: datetime) -> str:
    """Post a paid payout once; nothing when Stripe already said it failed."""
    if WebhookEvent.objects.filter(
        type="payout.failed", payload__data__object__id=payout.payout_id, status=WebhookEventStatus.PROCESSED
    ).exists():
        return "该结算已失败,不记到账"
    if payout.amount <= 0:
        raise DonationError(f"结算 {payout.payout_id} 金额不为正数")
    if Transaction.objects.filter(source=ledger_postings.payout_source(payout.payout_id)).exists():
        return "该结算已记账,未重复记账"
    arrival = payout.arrival if payout.arrival and payout.arrival <= timezone.now() else at
    ledger_postings.payout_post(
        payout_id=payout.payout_id,
        amount=payout.amount,
        currency=payout.currency,
        at=arrival,
        sandbox=sandbox_enabled(),
    )
    return f"已记结算到账 ¥{payout.amount}"


def payout_record_failed(*, payout: ev.Payout, at: datetime) -> str:
    """Reverse a payout that had been posted as paid; a payout never posted needs nothing."""
    original = Transaction.objects.filter(source=ledger_postings.payout_source(payout.payout_id)).first()
    if original is None:
        return "结算未曾到账,无需冲正"
    ledger_postings.payout_reverse(original, payout_id=payout.payout_id, at=at)
    return "结算失败,已冲正到账记录"
