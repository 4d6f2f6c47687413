"""The whole online flow over HTTP with the sandbox gateway: form → checkout page → signed events → webhook →
ledger, receipt and donor wall."""

from decimal import Decimal

import pytest
from django.core import mail

from donations.models import Donation, DonationStatus
from donations.tokens import receipt_token
from ledger.models import Transaction
from ledger.selectors import fund_figures


def _give(client, project, **overrides):
    data = {"amount_choice": "other", "custom_amount": "88.80", "frequency": "once", "display_name": "小王",
            "message": "加油", "phone": "13800001234", "email": "wang@example.com", **overrides}
    return client.post(f"/donations/give/{project.code}/", data)


@pytest.mark.django_db(transaction=True)
def test_sandbox_flow_end_to_end(client, project):
    response = _give(client, project)
    assert response.status_code == 302
    donation = Donation.objects.get()
    assert donation.status == DonationStatus.PENDING
    assert response["Location"] == f"/donations/sandbox/checkout/{donation.stripe_checkout_session_id}/"

    page = client.get(response["Location"])
    assert "测试支付" in page.content.decode()

    paid = client.post(response["Location"], {"action": "pay", "method": "alipay"})
    assert paid.status_code == 302
    donation.refresh_from_db()
    assert donation.status == DonationStatus.SUCCEEDED
    assert donation.amount == Decimal("88.80")
    assert donation.receipt_serial.startswith("JZ")
    assert fund_figures("XT100").raised == Decimal("88.80")
    assert sorted(Transaction.objects.values_list("kind", flat=True)) == ["donation", "fee"]  # and Stripe's fee

    thanks = client.get(paid["Location"]).content.decode()
    assert donation.receipt_serial in thanks
    assert len(mail.outbox) == 1 and donation.receipt_serial in mail.outbox[0].body

    project_page = client.get(f"/donations/give/{project.code}/")
    assert project_page.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_sandbox_cancel_expires_the_gift(client, project):
    checkout = _give(client, project)["Location"]
    client.post(checkout, {"action": "cancel"})
    donation = Donation.objects.get()
    assert donation.status == DonationStatus.EXPIRED
    assert Transaction.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_sandbox_monthly_gift_records_first_payment_once(client, project):
    checkout = _give(client, project, frequency="monthly", custom_amount="30")["Location"]
    client.post(checkout, {"action": "pay", "method": "card"})
    donation = Donation.objects.get()
    assert donation.status == DonationStatus.SUCCEEDED
    assert donation.plan.stripe_subscription_id.startswith("sub_sandbox_")
    assert donation.stripe_invoice_id
    assert sorted(Transaction.objects.values_list("kind", flat=True)) == ["donation", "fee"]
    assert fund_figures("XT100").raised == Decimal("30.00")


@pytest.mark.django_db(transaction=True)
def test_receipt_shows_status_and_channel_in_the_page_language(client, project):
    client.post(_give(client, project)["Location"], {"action": "pay", "method": "card"})
    token = receipt_token(Donation.objects.get())
    chinese = client.get(f"/donations/receipt/{token}/").content.decode()
    english = client.get(f"/en/donations/receipt/{token}/").content.decode()
    assert "已到账" in chinese and "在线支付" in chinese
    assert "Received" in english and "Online payment" in english
    assert "已到账" not in english and "在线支付" not in english
