"""Receipt links carry unguessable signed tokens, never sequential ids."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from .models import Donation

SALT = "donations.receipt"


def receipt_token(donation: Donation) -> str:
    return signing.dumps(str(donation.public_id), salt=SALT, compress=False)


def donation_for_token(token: str) -> Donation | None:
    try:
        public_id = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    return Donation.objects.select_related("project", "donor", "transaction").filter(public_id=public_id).first()


def receipt_url(donation: Donation, *, absolute: bool = False) -> str:
    path = reverse("donations:receipt", args=[receipt_token(donation)])
    return settings.SITE_URL.rstrip("/") + path if absolute else path
