"""Open data: every public record, streamed so a million entries never sit in memory."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from ledger.models import Transaction

CHUNK = 2000
CSV_HEADER = [
    "leaf_index",
    "id",
    "kind",
    "occurred_at",
    "recorded_at",
    "account",
    "side",
    "amount",
    "currency",
    "reverses",
    "details",
]


def _records() -> Iterator[tuple[int, str]]:
    rows = Transaction.objects.order_by("sequence").values_list("sequence", "record")
    yield from rows.iterator(chunk_size=CHUNK)


def jsonl_lines() -> Iterator[bytes]:
    buffer = []
    for _index, text in _records():
        buffer.append(text.encode("utf-8") + b"\n")
        if len(buffer) >= CHUNK:
            yield b"".join(buffer)
            buffer = []
    if buffer:
        yield b"".join(buffer)


def csv_rows() -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out)
    out.write("\ufeff")
    writer.writerow(CSV_HEADER)
    for count, (_index, text) in enumerate(_records(), start=1):
        record = json.loads(text)
        details = json.dumps(record["details"], ensure_ascii=False, sort_keys=True)
        for leg in record["legs"]:
            writer.writerow(
                [
                    record["leaf_index"],
                    record["id"],
                    record["kind"],
                    record["occurred_at"],
                    record["recorded_at"],
                    leg["account"],
                    leg["side"],
                    leg["amount"],
                    leg["currency"],
                    record["reverses"] or "",
                    details,
                ]
            )
        if count % CHUNK == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()
