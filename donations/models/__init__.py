"""Donations: donors, gifts (online, offline, in-kind, monthly), refunds, webhook events and receipt serials.

Money never lives only here: a gift's amount is posted to the ledger, and every figure a page shows is read
back from the ledger through ``donations.selectors``.
"""

from .donations import (
    Channel,
    Donation,
    DonationStatus,
    IllegalNameReviewError,
    IllegalTransitionError,
    ValuationBasis,
)
from .donors import Donor, DonorKind
from .names import WITHHELD_NAME, HeldWord, NameReview
from .plans import MonthlyPlan, PlanStatus
from .records import DonationRefund, ReceiptCounter, WebhookEvent, WebhookEventStatus

__all__ = [
    "Channel",
    "Donation",
    "DonationRefund",
    "DonationStatus",
    "Donor",
    "DonorKind",
    "HeldWord",
    "IllegalNameReviewError",
    "IllegalTransitionError",
    "MonthlyPlan",
    "NameReview",
    "PlanStatus",
    "ReceiptCounter",
    "ValuationBasis",
    "WITHHELD_NAME",
    "WebhookEvent",
    "WebhookEventStatus",
]
