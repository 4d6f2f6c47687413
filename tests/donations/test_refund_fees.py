"""A refund's fee (Stripe may charge one, or return part of the charge's fee: a negative fee) posts once per balance
transaction through the signed webhook (refund.created / refund.updated / charge.refund.updated); a refund of a
charge no gift knows posts nothing and says why in Chinese."""

from decimal import Decimal

import pytest

from donations.models import WebhookEvent, WebhookEventStatus
from donations.selectors import stripe_clearing_balances
from donations.services import event_process
from ledger.chart import FUNDRAISING_COST, STRIPE_CLEARING
from ledger.models import Transaction, TransactionKind
from tests.donations import events as ev

from .test_fees_payouts import _bt, _legs, _paid_gift, _verify_ledger

pytestmark = pytest.mark.django_db


def _refund(type_: str = "refund.created", *, fee: int = -30, txn: str = "txn_re_1", pi: str = "pi_fee_1",
            charge: str = "ch_test_1") -> dict:
    return ev.event(type_, {
        "id": "re_test_1", "object": "refund", "charge": charge, "payment_intent": pi, "amount": 5000,
        "currency": "cny", "status": "succeeded",
        "balance_transaction": {**_bt(txn, fee=fee, amount=-5000), "type": "refund"},
    })


def test_a_returned_refund_fee_posts_once_the_other_way(project):
    _paid_gift(project)

    assert ev.deliver(_refund()).status_code == 200
    event_process(_refund("refund.updated"))
    event_process(_refund("charge.refund.updated"))

    assert _legs(TransactionKind.FEE) == [
        (STRIPE_CLEARING, "D", Decimal("0.30")),
        (FUNDRAISING_COST, "C", Decimal("0.30")),
    ]
    assert Transaction.objects.get(kind=TransactionKind.FEE).source == "stripe-fee:txn_re_1"
    assert stripe_clearing_balances() == {"CNY": Decimal("100.30")}
    _verify_ledger()


def test_a_fee_charged_on_a_refund_is_fundraising_cost(project):
    _paid_gift(project)

    event_process(_refund(fee=200))

    assert _legs(TransactionKind.FEE) == [
        (STRIPE_CLEARING, "C", Decimal("2.00")),
        (FUNDRAISING_COST, "D", Decimal("2.00")),
    ]


def test_a_refund_without_a_fee_posts_nothing(project):
    _paid_gift(project)

    event_process(_refund(fee=0))

    assert not Transaction.objects.filter(kind=TransactionKind.FEE).exists()


def test_a_refund_fee_for_an_unknown_charge_changes_nothing_and_says_so(project):
    _paid_gift(project)

    assert event_process(_refund(pi="pi_nobody", charge="ch_nobody")) == WebhookEventStatus.IGNORED

    note = WebhookEvent.objects.get(type="refund.created").note
    assert "ch_nobody" in note and "不是本系统的捐赠" in note
    assert not Transaction.objects.filter(kind=TransactionKind.FEE).exists()
