"""Starting an online gift: the form's limits, the monthly plan, closed projects, and the rule that the gift and
its idempotency key are stored (committed) before the payment gateway is asked for a Checkout Session."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from donations.gateways import CheckoutSession, GatewayError
from donations.models import Donation, DonationStatus, Donor, MonthlyPlan, PlanStatus
from donations.services import DonationError, DonationFormData, donation_checkout_start
from projects.models import Status
from tests.factories import ProjectFactory

GATEWAY_DOWN = "支付通道暂时不可用,请稍后再试。"


def give(client, code: str = "XT100", **overrides):
    data = {"amount_choice": "other", "custom_amount": "88.80", "frequency": "once", "display_name": "小王",
            "message": "加油", "phone": "13800001234", "email": "wang@example.com", **overrides}
    return client.post(f"/donations/give/{code}/", data)


def assert_nothing_created() -> None:
    assert not Donation.objects.exists()
    assert not MonthlyPlan.objects.exists()
    assert not Donor.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["0.50", "0.99", "50000.01", "80000"])
def test_amount_outside_the_limits_is_a_form_error(client, project, amount):
    response = give(client, custom_amount=amount)
    assert response.status_code == 200
    assert "custom_amount" in response.context["form"].errors
    assert_nothing_created()


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["1.00", "50000.00"])
def test_amounts_at_the_limits_are_accepted(client, project, amount):
    assert give(client, custom_amount=amount).status_code == 302
    assert Donation.objects.get().requested_amount == Decimal(amount)


@pytest.mark.django_db
def test_limits_come_from_settings(client, project, settings):
    settings.DONATION_MIN_AMOUNT, settings.DONATION_MAX_AMOUNT = Decimal("10.00"), Decimal("20.00")
    assert "custom_amount" in give(client, custom_amount="9.99").context["form"].errors
    assert "custom_amount" in give(client, custom_amount="20.01").context["form"].errors
    assert_nothing_created()
    assert give(client, custom_amount="20.00").status_code == 302


@pytest.mark.django_db
def test_the_service_checks_the_limits_too(project):
    data = DonationFormData(project=project, amount=Decimal("50000.01"), monthly=False, is_anonymous=False)
    with pytest.raises(DonationError, match="50000"):
        donation_checkout_start(data=data, return_urls=lambda d: ("https://x/ok", "https://x/no"))
    assert_nothing_created()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["小王13800001234", "wang@example.com 小王"])
def test_display_name_with_contact_details_is_a_form_error(client, project, name):
    response = give(client, display_name=name)
    assert response.status_code == 200
    assert "display_name" in response.context["form"].errors
    assert_nothing_created()


@pytest.mark.django_db
def test_one_time_gift_is_stored_pending_with_its_key(client, project):
    response = give(client)
    donation = Donation.objects.get()
    assert response["Location"] == f"/donations/sandbox/checkout/{donation.stripe_checkout_session_id}/"
    assert donation.status == DonationStatus.PENDING and donation.idempotency_key is not None
    assert donation.requested_amount == Decimal("88.80") and donation.amount is None
    assert donation.plan is None and not MonthlyPlan.objects.exists()
    assert (donation.donor.phone, donation.donor.email) == ("13800001234", "wang@example.com")


@pytest.mark.django_db
def test_monthly_gift_creates_a_pending_plan(client, project):
    assert give(client, frequency="monthly", custom_amount="30").status_code == 302
    plan = MonthlyPlan.objects.get()
    donation = Donation.objects.get()
    assert donation.plan == plan
    assert (plan.amount, plan.project, plan.status) == (Decimal("30.00"), project, PlanStatus.PENDING)
    assert plan.donor == donation.donor and plan.display_name == "小王"
    assert donation.idempotency_key is not None


@pytest.mark.django_db
def test_closed_project_refuses_gifts(client):
    closed = ProjectFactory(code="OLD1", status=Status.CLOSED)
    response = give(client, code=closed.code)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert_nothing_created()

    data = DonationFormData(project=closed, amount=Decimal("10.00"), monthly=False, is_anonymous=False)
    with pytest.raises(DonationError, match="已结项"):
        donation_checkout_start(data=data, return_urls=lambda d: ("https://x/ok", "https://x/no"))
    assert_nothing_created()


@pytest.mark.django_db
def test_gift_and_key_are_committed_before_the_gateway_is_called(client, project, monkeypatch):
    asked = []
    depth = len(connection.atomic_blocks)  # the test's own transaction

    def gateway(request) -> CheckoutSession:
        # No transaction of the request is open any more: the gift was committed before the gateway call.
        assert len(connection.atomic_blocks) == depth
        donation = Donation.objects.get(public_id=request.donation_id)
        assert str(donation.idempotency_key) == request.idempotency_key
        assert donation.status == DonationStatus.PENDING
        assert request.amount == Decimal("88.80") and request.monthly is False
        asked.append(request)
        raise GatewayError(GATEWAY_DOWN)

    monkeypatch.setattr("donations.services.checkout.create_checkout", gateway)
    response = give(client)

    assert len(asked) == 1
    assert response.status_code == 200
    assert GATEWAY_DOWN in response.content.decode()
    donation = Donation.objects.get()
    assert donation.status == DonationStatus.PENDING
    assert str(donation.idempotency_key) == asked[0].idempotency_key
    assert donation.stripe_checkout_session_id is None


def test_a_preset_and_a_different_typed_amount_are_refused_not_guessed(client, project):
    response = client.post(f"/donations/give/{project.code}/",
                           {"amount_choice": "100", "custom_amount": "88", "frequency": "once"})
    assert response.status_code == 200
    assert Donation.objects.count() == 0
    same = client.post(f"/donations/give/{project.code}/",
                       {"amount_choice": "100", "custom_amount": "100", "frequency": "once"})
    assert same.status_code == 302 and Donation.objects.get().requested_amount == 100
