"""The sandbox_payment command delivers later events (refund, renewal, cancellation) through the real handler."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from donations.models import Donation, DonationStatus, PlanStatus
from ledger.selectors import fund_figures

from .test_sandbox_flow import _give


@pytest.mark.django_db(transaction=True)
def test_refund_then_renew_and_cancel(client, project):
    client.post(_give(client, project, custom_amount="100")["Location"], {"action": "pay", "method": "card"})
    gift = Donation.objects.get()
    call_command("sandbox_payment", "refund", gift.receipt_serial, "--amount", "30")
    gift.refresh_from_db()
    assert gift.status == DonationStatus.PARTIALLY_REFUNDED
    assert fund_figures("XT100").raised == Decimal("70.00")
    with pytest.raises(CommandError, match="不超过未退金额"):
        call_command("sandbox_payment", "refund", gift.receipt_serial, "--amount", "80")
    call_command("sandbox_payment", "refund", gift.receipt_serial)
    gift.refresh_from_db()
    assert gift.status == DonationStatus.REFUNDED
    assert fund_figures("XT100").raised == Decimal("0.00")

    client.post(_give(client, project, frequency="monthly", custom_amount="25")["Location"], {"action": "pay"})
    first = Donation.objects.get(plan__isnull=False)
    call_command("sandbox_payment", "renew", first.receipt_serial)
    assert Donation.objects.filter(plan=first.plan, status=DonationStatus.SUCCEEDED).count() == 2
    assert fund_figures("XT100").raised == Decimal("50.00")
    call_command("sandbox_payment", "cancel", first.receipt_serial)
    first.plan.refresh_from_db()
    assert first.plan.status == PlanStatus.CANCELLED


@pytest.mark.django_db
def test_unknown_serial_is_a_clear_error():
    with pytest.raises(CommandError, match="找不到回执编号"):
        call_command("sandbox_payment", "refund", "JZ2099-000001")
