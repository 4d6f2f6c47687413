"""Background work for donations, through Django's task framework (django-tasks; immediate by default)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django_tasks import task

log = logging.getLogger(__name__)


@task()
def send_thanks(donation_pk: int) -> None:
    """The thank-you email with the receipt link, for a donor who left an email address."""
    from .models import Donation
    from .tokens import receipt_url

    donation = Donation.objects.select_related("donor", "project").get(pk=donation_pk)
    if not (donation.donor_id and donation.donor.email):
        return
    context = {"donation": donation, "receipt_url": receipt_url(donation, absolute=True)}
    send_mail(
        subject=f"感谢您的捐赠 · 回执 {donation.receipt_serial}",
        message=render_to_string("donations/email/thanks.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[donation.donor.email],
    )


@task()
def deliver_sandbox_event(payload: str, signature: str) -> str:
    """The sandbox's webhook delivery: the signed event goes through the same verification and handler
    as Stripe's deliveries do."""
    from .services import webhook_receive

    return webhook_receive(payload=payload.encode(), signature=signature)
