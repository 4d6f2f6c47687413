"""Writes for donations. Each service changes the gift and posts to the ledger in one database transaction."""

from .checkout import CheckoutResult, DonationFormData, donation_checkout_start
from .offline import OfflineGift, donation_record_offline, donation_reverse
from .payments import (
    DonationError,
    donation_flag_dispute,
    donation_mark_unpaid,
    donation_record_payment,
    donation_record_refund,
)
from .receipts import donation_record_official_receipt
from .webhooks import WebhookSignatureError, event_process, webhook_receive

__all__ = [
    "CheckoutResult",
    "DonationError",
    "DonationFormData",
    "OfflineGift",
    "WebhookSignatureError",
    "donation_checkout_start",
    "donation_flag_dispute",
    "donation_mark_unpaid",
    "donation_record_offline",
    "donation_record_official_receipt",
    "donation_record_payment",
    "donation_record_refund",
    "donation_reverse",
    "event_process",
    "webhook_receive",
]
