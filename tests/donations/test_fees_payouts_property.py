"""For any order of gifts paid, their fee events and payouts paid or failed, repeated or not, Stripe 待结算 ends as
gifts − fees − payouts still paid, each Stripe id is posted once, and verify_ledger passes."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from donations.selectors import stripe_clearing_balances
from donations.services import event_process
from ledger.models import Transaction, TransactionKind
from tests.donations import events as ev

AMOUNTS = [Decimal("100.00"), Decimal("88.80"), Decimal("30.00")]  # gift i; its fee is i + 1 元 × 0.6
FEES = [60, 53, 18]  # 分
PAYOUTS = [2000, 4550]  # 分

steps = st.lists(
    st.one_of(
        st.tuples(st.just("pay"), st.integers(0, 2)),
        st.tuples(st.just("fee"), st.integers(0, 2)),
        st.tuples(st.just("payout.paid"), st.integers(0, 1)),
        st.tuples(st.just("payout.failed"), st.integers(0, 1)),
    ),
    min_size=1,
    max_size=14,
)


class Rollback(Exception):
    pass


@pytest.mark.django_db
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps)
def test_any_order_of_payments_fees_and_payouts_keeps_the_books(project, sequence):
    try:
        with transaction.atomic():
            _run(project, sequence)
            raise Rollback
    except Rollback:
        pass


def _run(project, sequence) -> None:
    gifts = [ev.pending_gift(project, amount=str(amount)) for amount in AMOUNTS]
    paid: set[int] = set()
    payouts: dict[int, str] = {}
    for action, n in sequence:
        if action == "pay":
            event_process(ev.session_completed(gifts[n], pi=f"pi_prop_{n}"))
            paid.add(n)
        elif action == "fee":
            event_process(_fee_event(n))
        else:
            event_process(_payout_event(action, n))
            payouts[n] = _next_state(payouts.get(n, ""), action)

    fees = sum((Decimal(FEES[n]) / 100 for n in paid if ("fee", n) in sequence), Decimal("0"))
    out = sum((Decimal(PAYOUTS[n]) / 100 for n, state in payouts.items() if state == "paid"), Decimal("0"))
    expected = sum((AMOUNTS[n] for n in paid), Decimal("0")) - fees - out
    assert stripe_clearing_balances().get("CNY", Decimal("0.00")) == expected
    sources = list(Transaction.objects.exclude(kind=TransactionKind.DONATION).values_list("source", flat=True))
    assert len(sources) == len(set(sources))
    call_command("verify_ledger", stdout=StringIO(), stderr=StringIO())


def _next_state(state: str, action: str) -> str:
    if action == "payout.paid":
        return "paid" if state == "" else state
    return {"": "failed", "paid": "reversed"}.get(state, state)


def _fee_event(n: int) -> dict:
    bt = {"id": f"txn_prop_{n}", "object": "balance_transaction", "fee": FEES[n], "currency": "cny"}
    obj = {"id": f"ch_prop_{n}", "object": "charge", "payment_intent": f"pi_prop_{n}", "balance_transaction": bt}
    return ev.event("charge.succeeded", obj)


def _payout_event(action: str, n: int) -> dict:
    obj = {"id": f"po_prop_{n}", "object": "payout", "amount": PAYOUTS[n], "currency": "cny"}
    return ev.event(action, obj)
