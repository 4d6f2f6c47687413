"""Demo online gifts paid through the sandbox (测试支付), each with Stripe's simulated fee, and one payout of the
Stripe 待结算 balance to the bank: what ``make run`` shows of processor fees and payouts. One more gift arrives
after the payout, so Stripe 待结算 keeps a small balance (net of its fee) waiting for the next payout, as it does
between Stripe's daily payouts.

The gifts go to the general fund, so the programmes' demo figures stay those of the seed reports. The events are
built and signed by the sandbox and go through the real webhook handler, as a donor's payment does. Sandbox only
(nothing is made with Stripe configured); idempotent by each gift's idempotency key and the payout's id.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal

from donations.gateways import sandbox, sandbox_enabled, webhook_secret
from donations.models import Channel, Donation
from donations.selectors import stripe_clearing_balances
from donations.services import webhook_receive
from donations.services.ledger_postings import payout_source
from ledger.models import Transaction

ONLINE_GIFTS = [("88.80", "card", "爱心网友(演示)"), ("200.00", "alipay", "匿名"), ("50.00", "wechat_pay", "匿名")]
AFTER_PAYOUT_GIFT = ("66.00", "card", "匿名")  # in 待结算 until the next payout
PAYOUT_ID = "po_sandbox_demo_0001"


def load_online_gifts(add: Callable[[str], None]) -> None:
    if not sandbox_enabled() or not webhook_secret():
        return
    for number, (amount, method, name) in enumerate(ONLINE_GIFTS, 1):
        _online_gift(number, amount, method, name, add)
    if not Transaction.objects.filter(source=payout_source(PAYOUT_ID)).exists():
        balance = stripe_clearing_balances().get("CNY", Decimal("0"))
        if balance > 0:
            _deliver(sandbox.payout_event("payout.paid", payout_id=PAYOUT_ID, amount=balance))
            add(f"Stripe payout ¥{balance} to the bank")
    _online_gift(len(ONLINE_GIFTS) + 1, *AFTER_PAYOUT_GIFT, add)


def _online_gift(number: int, amount: str, method: str, name: str, add: Callable[[str], None]) -> None:
    key = uuid.uuid5(uuid.NAMESPACE_URL, f"charity-demo/online-gift/{number}")
    if Donation.objects.filter(idempotency_key=key).exists():
        return
    session_id = sandbox.SESSION_PREFIX + uuid.uuid5(uuid.NAMESPACE_URL, str(key)).hex
    gift = Donation.objects.create(
        channel=Channel.ONLINE,
        requested_amount=Decimal(amount),
        idempotency_key=key,
        display_name=name,
        stripe_checkout_session_id=session_id,
        is_sandbox=True,
    )
    for event in sandbox.completion_events(
        session_id=session_id,
        donation_id=str(gift.public_id),
        fund_code="",
        amount=gift.requested_amount,
        monthly=False,
        method=method,
    ):
        _deliver(event)
    add(f"online gift ¥{amount} ({method}) with its Stripe fee")


def _deliver(event: dict) -> None:
    payload = sandbox.encode(event)
    webhook_receive(payload=payload, signature=sandbox.sign(payload, webhook_secret()))
