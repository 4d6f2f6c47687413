"""Stripe's fees and payouts reach the books through the signed webhook: 筹资费用·支付手续费 and 银行存款 against
Stripe 待结算, once per Stripe id, in any order, and the reconciliation compares Stripe 待结算 with Stripe's balance."""

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from donations.models import WebhookEvent, WebhookEventStatus
from donations.selectors import stripe_clearing_balances
from donations.services import event_process
from donations.services.reconcile import stripe_reconcile
from ledger.chart import BANK, FUNDRAISING_COST, STRIPE_CLEARING
from ledger.models import Transaction, TransactionKind
from tests.donations import events as ev
from tests.donations.fake_stripe import FakeStripe, configure

from .test_reconcile import SINCE, _reconcile


def _bt(txn: str = "txn_test_1", *, fee: int = 60, currency: str = "cny", amount: int = 10000) -> dict:
    return {
        "id": txn,
        "object": "balance_transaction",
        "type": "charge",
        "amount": amount,
        "fee": fee,
        "net": amount - fee,
        "currency": currency,
    }


def _charge(*, pi: str, charge: str = "ch_test_1", bt=None, type_: str = "charge.succeeded") -> dict:
    return ev.event(
        type_,
        {
            "id": charge,
            "object": "charge",
            "payment_intent": pi,
            "amount": 10000,
            "currency": "cny",
            "status": "succeeded",
            "balance_transaction": bt,
        },
    )


def _payout(type_: str, *, payout: str = "po_test_1", amount: int = 5000) -> dict:
    return ev.event(
        type_,
        {
            "id": payout,
            "object": "payout",
            "amount": amount,
            "currency": "cny",
            "arrival_date": 1_700_000_000,
            "status": type_.split(".")[1],
        },
    )


def _legs(kind: str) -> list[tuple[str, str, Decimal]]:
    return sorted(
        (leg.account.code, leg.side, leg.amount)
        for t in Transaction.objects.filter(kind=kind)
        for leg in t.legs.select_related("account")
    )


def _paid_gift(project, *, pi: str = "pi_fee_1", amount: str = "100"):
    gift = ev.pending_gift(project, amount=amount)
    event_process(ev.session_completed(gift, pi=pi))
    return gift


def _verify_ledger() -> None:
    call_command("verify_ledger", stdout=StringIO(), stderr=StringIO())  # raises CommandError on any problem


# --- fees -----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_charge_fee_posts_once_per_balance_transaction(project):
    gift = _paid_gift(project)
    succeeded = _charge(pi="pi_fee_1", bt=_bt())

    assert ev.deliver(succeeded).status_code == 200
    assert ev.deliver(succeeded).json() == {"status": "duplicate"}  # the same event again
    assert event_process(_charge(pi="pi_fee_1", bt=_bt(), type_="charge.updated")) == "processed"  # same txn

    assert _legs(TransactionKind.FEE) == [
        (STRIPE_CLEARING, "C", Decimal("0.60")),
        (FUNDRAISING_COST, "D", Decimal("0.60")),
    ]
    fee = Transaction.objects.get(kind=TransactionKind.FEE)
    assert fee.source == "stripe-fee:txn_test_1"
    assert json.loads(fee.record)["details"] == {"fund": "general", "channel": "online", "processor": "stripe"}
    gift.refresh_from_db()
    assert gift.stripe_charge_id == "ch_test_1"
    assert stripe_clearing_balances() == {"CNY": Decimal("99.40")}
    _verify_ledger()


@pytest.mark.django_db
def test_a_fee_before_its_payment_waits_and_posts_when_the_payment_arrives(project):
    gift = ev.pending_gift(project, amount="100")

    assert event_process(_charge(pi="pi_early", bt=_bt("txn_early"))) == WebhookEventStatus.DEFERRED
    assert not Transaction.objects.exists()
    event_process(ev.session_completed(gift, pi="pi_early"))

    assert (FUNDRAISING_COST, "D", Decimal("0.60")) in _legs(TransactionKind.FEE)
    assert WebhookEvent.objects.get(type="charge.succeeded").status == WebhookEventStatus.PROCESSED


@pytest.mark.django_db
def test_a_fee_for_an_unknown_charge_is_never_guessed(project):
    _paid_gift(project)

    assert event_process(_charge(pi="pi_nobody", charge="ch_nobody", bt=_bt("txn_x"))) == "deferred"

    waiting = WebhookEvent.objects.get(type="charge.succeeded")
    assert (waiting.waits_for, waiting.note) == ("pi_nobody", "付款尚未确认,手续费待记账")
    assert not Transaction.objects.filter(kind=TransactionKind.FEE).exists()


@pytest.mark.django_db
def test_a_charge_without_a_balance_transaction_yet_posts_nothing(project):
    _paid_gift(project)

    assert event_process(_charge(pi="pi_fee_1", bt=None)) == WebhookEventStatus.IGNORED

    assert not Transaction.objects.filter(kind=TransactionKind.FEE).exists()


@pytest.mark.django_db
def test_a_fee_settled_in_another_currency_is_refused_with_a_note(project):
    _paid_gift(project)

    assert event_process(_charge(pi="pi_fee_1", bt=_bt(currency="usd"))) == WebhookEventStatus.IGNORED

    assert "USD" in WebhookEvent.objects.get(type="charge.succeeded").note
    assert not Transaction.objects.filter(kind=TransactionKind.FEE).exists()


@pytest.mark.django_db
def test_with_stripe_the_fee_is_asked_of_stripes_api_not_read_from_the_event(project, settings):
    with FakeStripe() as server:
        configure(settings, server)
        server.add_charge(
            {
                "id": "ch_api",
                "object": "charge",
                "payment_intent": "pi_fee_1",
                "amount": 10000,
                "currency": "cny",
                "balance_transaction": _bt("txn_api", fee=71),
            }
        )
        _paid_gift(project)
        forged = _bt("txn_api", fee=1)  # a body claiming another fee is not what is booked

        event_process(_charge(pi="pi_fee_1", charge="ch_api", bt=forged))
        event_process(_charge(pi="pi_fee_1", charge="ch_api", bt="txn_api", type_="charge.updated"))

        (asked,) = server.requests_to("GET", "/v1/charges/ch_api")  # once: the second event found it booked
    assert asked.query == {"expand[0]": "balance_transaction"}
    assert _legs(TransactionKind.FEE) == [
        (STRIPE_CLEARING, "C", Decimal("0.71")),
        (FUNDRAISING_COST, "D", Decimal("0.71")),
    ]


# --- payouts --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_payout_posts_once(project):
    _paid_gift(project)
    paid = _payout("payout.paid")

    assert ev.deliver(paid).status_code == 200
    assert ev.deliver(paid).json() == {"status": "duplicate"}
    event_process({**paid, "id": "evt_again"})  # another event about the same payout

    assert _legs(TransactionKind.PAYOUT) == [(BANK, "D", Decimal("50.00")), (STRIPE_CLEARING, "C", Decimal("50.00"))]
    assert Transaction.objects.get(kind=TransactionKind.PAYOUT).source == "stripe-payout:po_test_1"
    assert stripe_clearing_balances() == {"CNY": Decimal("50.00")}
    _verify_ledger()


@pytest.mark.django_db
def test_a_payout_that_fails_after_it_was_paid_is_reversed_once(project):
    _paid_gift(project)
    event_process(_payout("payout.paid"))

    event_process(_payout("payout.failed"))
    event_process(_payout("payout.failed"))  # a second failure event changes nothing

    reversal = Transaction.objects.get(kind=TransactionKind.REVERSAL)
    assert reversal.reverses.source == "stripe-payout:po_test_1"
    assert stripe_clearing_balances() == {"CNY": Decimal("100.00")}
    _verify_ledger()


@pytest.mark.django_db
def test_a_payout_that_failed_before_it_was_paid_posts_nothing(project):
    _paid_gift(project)

    event_process(_payout("payout.failed"))
    event_process(_payout("payout.paid"))  # late, after Stripe said it failed

    assert not Transaction.objects.filter(kind__in=[TransactionKind.PAYOUT, TransactionKind.REVERSAL]).exists()
    assert WebhookEvent.objects.get(type="payout.paid").note == "该结算已失败,不记到账"


# --- reconciliation of the balance ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reconciliation_reports_the_clearing_balance_against_stripes(project, settings):
    with FakeStripe() as server:
        configure(settings, server)
        _paid_gift(project)  # ¥100.00 in Stripe 待结算 …
        server.balance = {"available": {"cny": 6000}, "pending": {"cny": 3940}}  # … Stripe holds ¥99.40

        report = stripe_reconcile(since=SINCE)
        status, out, err = _reconcile()

    (check,) = report.clearing
    assert (check.currency, check.ledger, check.stripe, check.difference) == (
        "CNY",
        Decimal("100.00"),
        Decimal("99.40"),
        Decimal("0.60"),
    )
    assert "CNY:账面 ¥100.00,Stripe ¥99.40,差额 ¥0.60 CNY,请财务核查" in out
    assert "待结算余额差额 1 项(不计入退出码)" in err


@pytest.mark.django_db
def test_reconciliation_agrees_once_the_fee_is_booked(project, settings):
    with FakeStripe() as server:
        configure(settings, server)
        server.add_charge(
            {
                "id": "ch_rec",
                "object": "charge",
                "payment_intent": "pi_fee_1",
                "amount": 10000,
                "currency": "cny",
                "balance_transaction": _bt("txn_rec"),
            }
        )
        server.balance = {"available": {}, "pending": {"cny": 9940}}
        _paid_gift(project)
        event_process(_charge(pi="pi_fee_1", charge="ch_rec", bt="txn_rec"))

        report = stripe_reconcile(since=SINCE)

    assert report.clearing_differences == []
    assert report.clearing[0].ledger == Decimal("99.40")


# --- lost disputes ----------------------------------------------------------------------------------------------


def _dispute(status: str, *, fee: int = 1500, dispute: str = "dp_test_1") -> dict:
    return {
        "id": dispute,
        "object": "dispute",
        "charge": "ch_test_1",
        "payment_intent": "pi_fee_1",
        "amount": 10000,
        "currency": "cny",
        "status": status,
        "balance_transactions": [_bt("txn_dp_1", fee=fee, amount=-10000)],
    }


@pytest.mark.django_db
def test_a_lost_dispute_reverses_the_income_and_books_the_dispute_fee_once(project):
    gift = _paid_gift(project)

    event_process(ev.event("charge.dispute.closed", _dispute("lost")))
    event_process(ev.event("charge.dispute.closed", _dispute("lost")))  # another event, the same dispute

    assert _legs(TransactionKind.REFUND) == [
        (STRIPE_CLEARING, "C", Decimal("100.00")),
        ("4101.XT100", "D", Decimal("100.00")),
    ]
    assert _legs(TransactionKind.FEE) == [
        (STRIPE_CLEARING, "C", Decimal("15.00")),
        (FUNDRAISING_COST, "D", Decimal("15.00")),
    ]
    gift.refresh_from_db()
    assert gift.status == "refunded"
    assert stripe_clearing_balances() == {"CNY": Decimal("-15.00")}
    _verify_ledger()


@pytest.mark.django_db
def test_a_won_dispute_posts_nothing(project):
    _paid_gift(project)

    event_process(ev.event("charge.dispute.closed", _dispute("won")))

    assert list(Transaction.objects.values_list("kind", flat=True)) == ["donation"]


@pytest.mark.django_db
def test_with_stripe_a_lost_dispute_is_read_back_from_stripe(project, settings):
    with FakeStripe() as server:
        configure(settings, server)
        server.add_dispute(_dispute("lost", fee=2000))
        _paid_gift(project)

        event_process(ev.event("charge.dispute.closed", _dispute("won", fee=1)))  # the body is not what counts

        assert server.requests_to("GET", "/v1/disputes/dp_test_1")
    assert (FUNDRAISING_COST, "D", Decimal("20.00")) in _legs(TransactionKind.FEE)
