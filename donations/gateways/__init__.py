"""Payment gateways behind one small interface: Stripe Checkout, or the local sandbox when no Stripe keys are set.

Both hand the browser a Checkout URL and later deliver Stripe-format events, signed with the webhook secret,
to the same handler (``donations.services.webhooks``).
"""

from __future__ import annotations

from django.conf import settings

from .base import CheckoutRequest, CheckoutSession, GatewayError


def sandbox_enabled() -> bool:
    """The sandbox is the embedded default: it runs whenever no Stripe secret key is configured."""
    return not settings.STRIPE_SECRET_KEY


def webhook_secret() -> str:
    """The secret webhook signatures are checked against (Stripe's, or the local sandbox's)."""
    return settings.STRIPE_WEBHOOK_SECRET if not sandbox_enabled() else settings.SANDBOX_WEBHOOK_SECRET


def create_checkout(request: CheckoutRequest) -> CheckoutSession:
    if sandbox_enabled():
        from .sandbox import create_checkout as sandbox_checkout

        return sandbox_checkout(request)
    from .stripe_gateway import create_checkout as stripe_checkout

    return stripe_checkout(request)


__all__ = ["CheckoutRequest", "CheckoutSession", "GatewayError", "create_checkout", "sandbox_enabled", "webhook_secret"]
