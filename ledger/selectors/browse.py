"""Browsing the public ledger: filtered, paginated transactions with their public records."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cached_property
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet

from ledger import merkle
from ledger.models import Account, Leg, Transaction


@dataclass(frozen=True)
class PublicEntry:
    leaf_index: int
    text: str  # the exact record bytes (UTF-8) hashed as the leaf

    @cached_property
    def record(self) -> dict:
        return json.loads(self.text)

    @property
    def leaf_hash(self) -> bytes:
        return merkle.leaf_hash(self.text.encode("utf-8"))

    @property
    def legs(self) -> list[dict]:
        return self.record["legs"]

    @property
    def details(self) -> dict:
        return self.record["details"]


def transactions_filtered(
    *,
    fund_code: str | None = None,
    kind: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[Transaction]:
    """Newest first. Dates are local (Asia/Shanghai) days, inclusive."""
    qs = Transaction.objects.order_by("-sequence")
    if fund_code:
        qs = qs.filter(Exists(Leg.objects.filter(transaction=OuterRef("pk"), account__fund_code=fund_code)))
    if kind:
        qs = qs.filter(kind=kind)
    zone = ZoneInfo(settings.TIME_ZONE)
    if date_from:
        qs = qs.filter(occurred_at__gte=datetime.combine(date_from, time.min, zone))
    if date_to:
        qs = qs.filter(occurred_at__lte=datetime.combine(date_to, time.max, zone))
    return qs


def public_entries(transactions) -> list[PublicEntry]:
    return [PublicEntry(t.sequence, t.record) for t in transactions]


def account_funds() -> dict[str, str]:
    """Account code → fund code, for the accounts that belong to a fund."""
    return dict(Account.objects.exclude(fund_code="").values_list("code", "fund_code"))
