"""Looking many rows up by one column at once (imports: one query per file and column, never one per row)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.db import connections
from django.db.models import QuerySet

CHUNK = 5000  # other databases: well under every SQLite build's limit on bound parameters


def in_chunks(queryset: QuerySet, field: str, values: Iterable) -> dict:
    """{value: row} for the rows whose ``field`` is one of ``values``; when several rows share a value, the last
    in the queryset's order wins (order the queryset so that is the one wanted).

    The values travel as ONE parameter — a PostgreSQL array (``= ANY(%s)``) or a JSON array SQLite unpacks
    (``IN (SELECT value FROM json_each(%s))``) — because Django compiles a 100,000-value ``__in`` one
    placeholder at a time, which costs more than the query."""
    values = list({v for v in values if v not in (None, "")})
    if not values:
        return {}
    connection = connections[queryset.db]
    model_field = queryset.model._meta.get_field(field)
    column = (
        f"{connection.ops.quote_name(queryset.model._meta.db_table)}.{connection.ops.quote_name(model_field.column)}"
    )
    prepared = [model_field.get_db_prep_value(v, connection) for v in values]
    if connection.vendor == "postgresql":
        batches = [queryset.extra(where=[f"{column} = ANY(%s)"], params=[prepared])]  # noqa: S610 - quoted names
    elif connection.vendor == "sqlite":
        where = f"{column} IN (SELECT value FROM json_each(%s))"  # noqa: S608 - quoted names
        batches = [queryset.extra(where=[where], params=[json.dumps(prepared)])]  # noqa: S610 - quoted names
    else:
        batches = [queryset.filter(**{f"{field}__in": values[i : i + CHUNK]}) for i in range(0, len(values), CHUNK)]
    found = {}
    for batch in batches:
        for row in batch:
            found[getattr(row, field)] = row
    return found
