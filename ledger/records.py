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
from json.encoder import encode_basestring

RECORD_VERSION = 1

# The encoder json.dumps builds on every call with these arguments, built once (same output).
_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


def canonical_json(value: object) -> str:
    return _CANONICAL.encode(value)


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


def iso_utc_whole_second(moment: datetime) -> str:
    """``iso_utc`` for the posting hot path: the same text, without ``strftime`` when the moment is a whole
    second in a year of four digits (``strftime("%Y")`` writes years before 1000 unpadded)."""
    if moment.tzinfo is None:
        raise ValueError("ledger timestamps must be timezone-aware")
    utc = moment.astimezone(UTC)
    if utc.microsecond or utc.year < 1000:
        return iso_utc(moment)
    return utc.isoformat()[:19] + "Z"


def record_text_of(
    *,
    sequence: int,
    uuid: str,
    kind: str,
    occurred_at: str,
    recorded_at: str,
    legs: Iterable[tuple[str, str, str, str]],
    details: dict,
    reverses: int | None,
) -> str:
    """``record_text(build_record(...))`` written directly, byte for byte the same, for bulk posting.

    ``occurred_at`` and ``recorded_at`` are already ``iso_utc`` text and each leg's amount already
    ``amount_str`` text. The canonical form sorts keys, so the fields appear in this fixed order:
    details, id, kind, leaf_index, legs (account, amount, currency, side), occurred_at, recorded_at,
    reverses, v. Strings are escaped by the encoder ``json.dumps`` itself uses."""
    if type(sequence) is int and (reverses is None or type(reverses) is int):  # not bool, not a subclass
        esc = encode_basestring
        try:
            legs_text = ",".join(
                f'{{"account":{esc(code)},"amount":{esc(amount)},"currency":{esc(currency)},"side":{esc(side)}}}'
                for code, side, amount, currency in legs
            )
            return (
                f'{{"details":{_CANONICAL.encode(details)},"id":{esc(str(uuid))},"kind":{esc(kind)},'
                f'"leaf_index":{sequence},"legs":[{legs_text}],"occurred_at":{esc(occurred_at)},'
                f'"recorded_at":{esc(recorded_at)},"reverses":{"null" if reverses is None else reverses},'
                f'"v":{RECORD_VERSION}}}'
            )
        except TypeError:  # a value that is not a string: the general encoder decides, as it always did
            pass
    return record_text(
        build_record(
            sequence=sequence,
            uuid=uuid,
            kind=kind,
            occurred_at=occurred_at,
            recorded_at=recorded_at,
            legs=[(code, side, Decimal(amount), currency) for code, side, amount, currency in legs],
            details=details,
            reverses=reverses,
        )
    )
