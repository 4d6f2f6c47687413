"""Starting an online gift: record it, persist an idempotency key, then ask the gateway for a Checkout Session.

Rules:
- The gift row and its idempotency key are committed before the gateway is called, so a retry (a double
  click, a timeout) asks for the same session instead of charging twice.
- Amounts are checked against the configured minimum and maximum; monthly giving is by card only.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from donations.gateways import CheckoutRequest, CheckoutSession, GatewayError, create_checkout, sandbox_enabled
from donations.models import Channel, Donation, Donor, MonthlyPlan
from projects.models import Project

from .payments import DonationError


@dataclass(frozen=True)
class DonationFormData:
    """What the donor filled in (already validated by the form)."""

    project: Project | None
    amount: Decimal
    monthly: bool
    is_anonymous: bool
    display_name: str = ""
    message: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class CheckoutResult:
    donation: Donation
    redirect_url: str


def donation_checkout_start(
    *, data: DonationFormData, return_urls: Callable[[Donation], tuple[str, str]]
) -> CheckoutResult:
    """Create the pending gift (and monthly plan), then the Checkout Session. ``return_urls(donation)`` gives
    the absolute success and cancel URLs."""
    _check_amount(data.amount)
    donation = _pending_gift(data)
    success_url, cancel_url = return_urls(donation)
    try:
        session = _create_session(donation, data, success_url, cancel_url)
    except GatewayError as error:
        # The gift stays pending with its idempotency key: trying again asks the gateway for the same session.
        raise DonationError(str(error) or "支付通道暂时不可用,请稍后再试。") from error
    Donation.objects.filter(pk=donation.pk).update(stripe_checkout_session_id=session.id)
    donation.stripe_checkout_session_id = session.id
    return CheckoutResult(donation=donation, redirect_url=session.url)


def _create_session(
    donation: Donation, data: DonationFormData, success_url: str, cancel_url: str
) -> CheckoutSession:
    return create_checkout(
        CheckoutRequest(
            donation_id=str(donation.public_id),
            idempotency_key=str(donation.idempotency_key),
            amount=donation.requested_amount,
            currency=donation.currency,
            monthly=data.monthly,
            fund_code=donation.fund_code,
            description=f"捐赠:{donation.fund_name}" + ("(月捐)" if data.monthly else ""),
            success_url=success_url,
            cancel_url=cancel_url,
            customer_email=data.email,
        )
    )


def _check_amount(amount: Decimal) -> None:
    low, high = settings.DONATION_MIN_AMOUNT, settings.DONATION_MAX_AMOUNT
    if amount != amount.quantize(Decimal("0.01")):
        raise DonationError("金额最多保留两位小数。")
    if not low <= amount <= high:
        raise DonationError(f"单笔在线捐赠金额须在 {low} 元至 {high} 元之间。")


def _pending_gift(data: DonationFormData) -> Donation:
    if data.project is not None and not data.project.is_active:
        raise DonationError("该项目已结项,不再接受捐赠。")
    with transaction.atomic():
        donor = None
        if data.phone or data.email:
            donor = Donor.objects.create(phone=data.phone, email=data.email, name=data.display_name)
        common = {
            "project": data.project,
            "donor": donor,
            "display_name": data.display_name,
            "is_anonymous": data.is_anonymous,
            "message": data.message,
            "is_sandbox": sandbox_enabled(),
        }
        plan = None
        if data.monthly:
            plan = MonthlyPlan.objects.create(amount=data.amount, **common)
        return Donation.objects.create(
            channel=Channel.ONLINE,
            requested_amount=data.amount,
            plan=plan,
            idempotency_key=uuid.uuid4(),
            **common,
        )
