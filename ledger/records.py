"""The canonical public record of a transaction: the exact bytes hashed as its Merkle leaf.

JSON, UTF-8, keys sorted, no insignificant whitespace, amounts as strings with two decimals,
timestamps ISO-8601 UTC to the second. No personal data: ``details`` is checked by
``ledger.privacy.check_public_details`` before anything is posted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal

RECORD_VERSION = 1


def canonical_json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


def iso_utc(moment: datetime | str) -> str:
    """2026-01-02T03:04:05Z — the record's only timestamp format (whole seconds, UTC). A string is taken
    to be in that form already (verification has the database format it)."""
    if isinstance(moment, str):
        return moment
    if moment.tzinfo is None:
        raise ValueError("ledger timestamps must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def amount_str(amount: Decimal) -> str:
    return f"{Decimal(amount):.2f}"


def build_record(
    *,
    sequence: int,
    uuid: str,
    kind: str,
    occurred_at: datetime | str,
    recorded_at: datetime | str,
    legs: Iterable[tuple[str, str, Decimal, str]],
    details: dict,
    reverses: int | None,
) -> dict:
    """The public record as a dict; ``legs`` are (account code, side D/C, amount, currency)."""
    return {
        "v": RECORD_VERSION,
        "leaf_index": sequence,
        "id": str(uuid),
        "kind": kind,
        "occurred_at": iso_utc(occurred_at),
        "recorded_at": iso_utc(recorded_at),
        "legs": [
            {"account": code, "side": side, "amount": amount_str(amount), "currency": currency}
            for code, side, amount, currency in legs
        ],
        "details": details,
        "reverses": reverses,
    }


def record_text(record: dict) -> str:
    return canonical_json(record)
