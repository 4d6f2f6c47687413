"""Looking many rows up by one column at once (imports: a few queries per file, never one per row)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

CHUNK = 5000  # well under every SQLite build's limit on bound parameters (999 before 3.32, 32,766 since)


def in_chunks(queryset: QuerySet, field: str, values: Iterable) -> dict:
    """{value: row} for the rows whose ``field`` is one of ``values``; when several rows share a value, the last
    in the queryset's order wins (order the queryset so that is the one wanted)."""
    values = sorted({v for v in values if v not in (None, "")}, key=str)
    found = {}
    for start in range(0, len(values), CHUNK):
        for row in queryset.filter(**{f"{field}__in": values[start : start + CHUNK]}):
            found[getattr(row, field)] = row
    return found
