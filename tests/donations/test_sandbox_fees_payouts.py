"""The sandbox (测试支付) simulates Stripe's fee on every payment (SANDBOX_FEE_RATES per method) and its daily
payout (sandbox_payout), signed and through the real webhook, so a local run shows both in the books."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from donations.models import Donation
from donations.selectors import stripe_clearing_balances
from ledger.chart import FUNDRAISING_COST
from ledger.models import Leg, Transaction, TransactionKind

from .test_sandbox_flow import _give


def _fees() -> list[Decimal]:
    legs = Leg.objects.filter(account__code=FUNDRAISING_COST, transaction__kind=TransactionKind.FEE)
    return sorted(legs.values_list("amount", flat=True))


def _payout(*args: str) -> str:
    out = StringIO()
    call_command("sandbox_payout", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_each_payment_method_pays_its_configured_fee(client, project, settings):
    settings.SANDBOX_FEE_RATES = {"card": "0.006", "alipay": "0.01", "wechat_pay": "0.0055"}
    for method in ("card", "alipay", "wechat_pay"):
        client.post(_give(client, project, custom_amount="88.80")["Location"], {"action": "pay", "method": method})

    assert _fees() == [Decimal("0.49"), Decimal("0.53"), Decimal("0.89")]  # 88.80 × 0.55 %, 0.6 %, 1 %, half up
    assert all(gift.stripe_charge_id.startswith("ch_sandbox_") for gift in Donation.objects.all())
    assert stripe_clearing_balances() == {"CNY": Decimal("266.40") - Decimal("1.91")}


@pytest.mark.django_db(transaction=True)
def test_monthly_payments_and_renewals_pay_the_card_fee(client, project):
    client.post(_give(client, project, frequency="monthly", custom_amount="30")["Location"], {"action": "pay"})
    first = Donation.objects.get()
    call_command("sandbox_payment", "renew", first.receipt_serial, stdout=StringIO())

    assert _fees() == [Decimal("0.18"), Decimal("0.18")]


@pytest.mark.django_db(transaction=True)
def test_the_daily_payout_empties_stripe_clearing_into_the_bank(client, project):
    client.post(_give(client, project, custom_amount="100")["Location"], {"action": "pay", "method": "card"})

    out = _payout()

    payout = Transaction.objects.get(kind=TransactionKind.PAYOUT)
    assert "payout.paid po_sandbox_" in out and out.strip().endswith("processed")
    assert {(leg.account.code, leg.side, leg.amount) for leg in payout.legs.all()} == {
        ("1002", "D", Decimal("99.40")),
        ("1012.STRIPE", "C", Decimal("99.40")),
    }
    assert stripe_clearing_balances() == {"CNY": Decimal("0.00")}
    assert _payout() == "Stripe 待结算余额为 0,无需结算。\n"
    assert Transaction.objects.filter(kind=TransactionKind.PAYOUT).count() == 1

    payout_id = payout.source.removeprefix("stripe-payout:")
    _payout("--fail", payout_id)
    assert Transaction.objects.get(kind=TransactionKind.REVERSAL).reverses == payout
    assert stripe_clearing_balances() == {"CNY": Decimal("99.40")}
    call_command("verify_ledger", stdout=StringIO(), stderr=StringIO())


@pytest.mark.django_db
def test_payouts_are_simulated_only_in_the_sandbox(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    with pytest.raises(CommandError, match="只有在测试支付"):
        _payout()


@pytest.mark.django_db
def test_failing_an_unknown_payout_is_a_clear_error():
    with pytest.raises(CommandError, match="找不到已到账的结算 po_nope"):
        _payout("--fail", "po_nope")


def test_the_demo_shows_fees_and_a_payout(demo_site):
    kinds = list(Transaction.objects.values_list("kind", flat=True))

    assert kinds.count(TransactionKind.FEE) == 4 and kinds.count(TransactionKind.PAYOUT) == 1
    assert _fees() == [Decimal("0.30"), Decimal("0.40"), Decimal("0.53"), Decimal("1.20")]
    # the three gifts before the payout went to 1002 银行存款; the one after it waits for the next payout
    assert stripe_clearing_balances() == {"CNY": Decimal("65.60")}
    call_command("verify_ledger", stdout=StringIO(), stderr=StringIO())
