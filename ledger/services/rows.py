"""Plain multi-row INSERT and UPDATE for the posting hot path.

``bulk_create`` spends more time building and compiling its query than the database spends running it
(docs/BENCHMARKS.md). These helpers send the same rows with one statement per chunk, converting each
value with the field's own ``get_db_prep_save`` so types are exactly what the ORM would write.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db import connection, models

CHUNK = 1000  # rows per statement: keeps SQLite under its bound-parameter limit


def insert_objects(model: type[models.Model], objects: Sequence[models.Model]) -> None:
    """INSERT the unsaved instances (auto primary keys are left to the database and not read back)."""
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField | models.BigAutoField)]
    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    for start in range(0, len(objects), CHUNK):
        chunk = objects[start : start + CHUNK]
        params = [f.get_db_prep_save(getattr(obj, f.attname), connection) for obj in chunk for f in fields]
        sql = f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES {', '.join([row] * len(chunk))}"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    for obj in objects:
        obj._state.adding = False
        obj._state.db = connection.alias


def add_to_totals(
    model: type[models.Model], totals: dict[int, tuple[Decimal, Decimal]], debit: str, credit: str
) -> None:
    """``debit += …, credit += …`` for many rows (by primary key) in one UPDATE."""
    if not totals:
        return
    qn = connection.ops.quote_name
    ids = sorted(totals)
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
