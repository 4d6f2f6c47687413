"""Plain SQL writes for the posting hot path.

``bulk_create`` spends more time building and compiling its query than the database spends running it, and
model instances cost more to build than the rows (docs/BENCHMARKS.md). ``insert_rows`` sends plain tuples,
already in the driver's form: PostgreSQL gets one ``COPY … FROM STDIN`` (psycopg formats the rows in C and
the server inserts them as they stream in; row triggers, constraint triggers and foreign keys fire exactly as
for ``INSERT``), SQLite one prepared ``INSERT`` run by ``executemany``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from decimal import Decimal

from django.db import connection, models
from django.db.backends.utils import CursorDebugWrapper
from django.db.models import signals
from django.db.models.base import ModelState

CHUNK = 1000  # rows per statement: keeps SQLite under its bound-parameter limit


def instance_builder(model: type[models.Model]):
    """A function ``values → model instance`` (``values``: attribute names, ``project_id`` not ``project``).

    ``Model.__init__`` walks every field per call, which at 100,000 rows costs more than inserting them; when
    nothing listens to the model's ``pre_init``/``post_init`` (receivers may expect them, or touch the database),
    the instance is built the way unpickling builds one: ``__new__``, its ``__dict__`` and a fresh ``ModelState``.
    Otherwise the ordinary constructor. Ask once per batch: the check is not free."""
    if signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model):
        return lambda values: model(**values)
    new = model.__new__

    def build(values: dict) -> models.Model:
        instance = new(model)
        instance.__dict__.update(values)
        instance._state = ModelState()
        return instance

    return build


def insert_rows(table: str, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    """INSERT ``rows`` (tuples in ``columns`` order, values as the driver takes them) into ``table``.

    Goes through the connection's execute wrappers and, when queries are logged, into ``connection.queries``
    like any other statement, and database errors arrive as Django's (``IntegrityError`` …)."""
    qn = connection.ops.quote_name
    names = ", ".join(qn(column) for column in columns)
    if connection.vendor == "postgresql":
        sql = f"COPY {qn(table)} ({names}) FROM STDIN"

        def copy(sql, params, many, context):
            connection.validate_no_broken_transaction()
            with connection.wrap_database_errors, context["cursor"].cursor.copy(sql) as stream:
                write = stream.write_row
                for row in rows:
                    write(row)

        with connection.cursor() as cursor:
            logged = cursor.debug_sql(sql) if isinstance(cursor, CursorDebugWrapper) else nullcontext()
            with logged:
                cursor._execute_with_wrappers(sql, None, False, copy)
        return
    sql = f"INSERT INTO {qn(table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows if isinstance(rows, list | tuple) else list(rows))


def add_to_totals(
    model: type[models.Model], totals: dict[int, tuple[Decimal, Decimal]], debit: str, credit: str
) -> None:
    """``debit += …, credit += …`` for many rows (by primary key): one UPDATE per 1,000 rows."""
    ordered = sorted(totals)
    for start in range(0, len(ordered), CHUNK):
        _add_to_totals(model, ordered[start : start + CHUNK], totals, debit, credit)


def _add_to_totals(
    model: type[models.Model], ids: list[int], totals: dict[int, tuple[Decimal, Decimal]], debit: str, credit: str
) -> None:
    qn = connection.ops.quote_name
    case = " ".join(["WHEN %s THEN %s"] * len(ids))
    params: list[object] = []
    for column_index in (0, 1):
        for pk in ids:
            params += [pk, totals[pk][column_index]]
    params += ids
    sql = (
        f"UPDATE {qn(model._meta.db_table)} SET "  # noqa: S608
        f"{qn(debit)} = {qn(debit)} + CASE {qn('id')} {case} ELSE 0 END, "
        f"{qn(credit)} = {qn(credit)} + CASE {qn('id')} {case} ELSE 0 END "
        f"WHERE {qn('id')} IN ({', '.join(['%s'] * len(ids))})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
