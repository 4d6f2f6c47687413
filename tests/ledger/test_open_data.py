"""Open-data downloads: every public record as JSONL (line i = the bytes of leaf i) and CSV (one row per
leg), streamed from the database in chunks so a million entries never sit in memory."""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from ledger import exports, merkle
from ledger.chart import BANK, chart_ensure, fund_accounts_ensure
from ledger.models import Leg, Transaction, TransactionKind
from ledger.selectors import latest_tree_head
from ledger.services import LegSpec, PostingRequest, transaction_reverse, transactions_post_bulk, tree_head_publish

pytestmark = pytest.mark.django_db

JSONL = "/api/ledger/v1/open-data/ledger.jsonl"
CSV = "/api/ledger/v1/open-data/ledger.csv"
SHANGHAI = ZoneInfo("Asia/Shanghai")
BIG_LEDGER = 5_000


def body(response) -> bytes:
    assert response.streaming, "open data must be a StreamingHttpResponse"
    return b"".join(response.streaming_content)


def csv_rows(response) -> list[list[str]]:
    text = body(response).decode("utf-8")
    assert text.startswith("\ufeff"), "a byte-order mark, so that Excel reads the file as UTF-8"
    return list(csv.reader(io.StringIO(text[1:])))


def generated_requests(count: int) -> list[PostingRequest]:
    """Gifts split between two funds and a fee leg on every tenth: three legs now and then."""
    requests = []
    start = datetime(2025, 1, 1, 9, tzinfo=SHANGHAI)
    for n in range(count):
        amount = Decimal(100 + n % 900) + Decimal("0.25")
        legs = [LegSpec(BANK, "D", amount), LegSpec(f"4101.F{n % 2}", "C", amount)]
        if n % 10 == 0:
            legs = [LegSpec(BANK, "D", amount - 1), LegSpec("5301", "D", Decimal(1)), legs[1]]
        requests.append(
            PostingRequest(
                kind=TransactionKind.DONATION,
                occurred_at=start + timedelta(minutes=n),
                legs=legs,
                source=f"test:open-data:{n}",
                public_record={"fund": f"F{n % 2}", "donor": "匿名", "channel": "bank"},
            )
        )
    return requests


def ledger_with(count: int) -> None:
    chart_ensure()
    for fund in ("F0", "F1"):
        fund_accounts_ensure(fund_code=fund, fund_name=f"基金{fund}", restricted=True)
    transactions_post_bulk(generated_requests(count))


# -- content -------------------------------------------------------------------------------------------------


def test_jsonl_line_i_is_exactly_leaf_i_and_the_lines_hash_to_the_published_root(client, demo_site):
    original = Transaction.objects.get(source="demo:XT100:gift:2")
    # dated now: the demo's books are closed through last December
    transaction_reverse(original=original, occurred_at=timezone.now(), source="test:rev")
    head = tree_head_publish()

    response = client.get(JSONL)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/x-ndjson")
    assert 'filename="ledger.jsonl"' in response["Content-Disposition"]
    data = body(response)
    assert data.endswith(b"\n")
    lines = data[:-1].split(b"\n")
    stored = list(Transaction.objects.order_by("sequence").values_list("sequence", "record"))
    assert len(lines) == len(stored) == head.tree_size
    for line, (sequence, record) in zip(lines, stored, strict=True):
        assert line == record.encode("utf-8")
        assert json.loads(line)["leaf_index"] == sequence
    assert merkle.root_from_leaf_hashes(merkle.leaf_hash(line) for line in lines) == bytes(head.root_hash)
    assert b"\\u" not in data and any(byte > 0x7F for byte in data), "UTF-8 as hashed, not \\u escapes"
    assert json.loads(lines[-1])["reverses"] == original.sequence


def test_csv_has_a_header_and_one_row_per_leg(client, demo_site):
    rows = csv_rows(client.get(CSV))

    header, rows = rows[0], rows[1:]
    assert header == exports.CSV_HEADER
    assert len(rows) == Leg.objects.count()
    expected = [
        [str(leg.transaction_id), leg.account.code, leg.side, f"{leg.amount:.2f}", leg.currency]
        for leg in Leg.objects.select_related("account").order_by("transaction_id", "pk")
    ]
    column = {name: header.index(name) for name in header}
    picked = [[row[column[name]] for name in ("leaf_index", "account", "side", "amount", "currency")] for row in rows]
    assert picked == expected
    by_index = {
        json.loads(r)["leaf_index"]: json.loads(r) for r in Transaction.objects.values_list("record", flat=True)
    }
    for row in rows:
        record = by_index[int(row[column["leaf_index"]])]
        assert row[column["id"]] == record["id"]
        assert row[column["kind"]] == record["kind"]
        assert row[column["occurred_at"]] == record["occurred_at"]
        assert json.loads(row[column["details"]]) == record["details"]


def test_empty_ledger_downloads_are_empty_but_well_formed(client, db):
    assert body(client.get(JSONL)) == b""
    assert csv_rows(client.get(CSV)) == [exports.CSV_HEADER]


# -- streaming -----------------------------------------------------------------------------------------------


@pytest.fixture
def big_ledger(db) -> int:
    """~5,000 transactions posted in one bulk call (about a second)."""
    ledger_with(BIG_LEDGER)
    head = tree_head_publish()
    assert head.tree_size == BIG_LEDGER
    return BIG_LEDGER


@pytest.fixture
def rows_fetched(monkeypatch) -> list[int]:
    """Counts the rows the database hands to Django. Every queryset read goes through
    ``CursorWrapper.fetchmany`` (``fetchone`` / ``fetchall`` for raw cursors), in chunks."""
    counter = [0]
    for name in ("fetchmany", "fetchall"):
        original = getattr(CursorWrapper, name, None)

        def counting(self, *args, _name=name, _original=original, **kwargs):
            rows = _original(self, *args, **kwargs) if _original else getattr(self.cursor, _name)(*args, **kwargs)
            counter[0] += len(rows)
            return rows

        monkeypatch.setattr(CursorWrapper, name, counting, raising=False)
    return counter


@pytest.mark.parametrize(("url", "lines_per_transaction"), [(JSONL, 1), (CSV, None)])
def test_downloads_stream_in_chunks_without_reading_every_row_first(
    client, big_ledger, rows_fetched, url, lines_per_transaction
):
    started = time.perf_counter()
    response = client.get(url)
    assert response.streaming
    chunks = iter(response.streaming_content)

    first = next(chunks)
    fetched_for_first_chunk = rows_fetched[0]

    assert 0 < fetched_for_first_chunk < big_ledger, (
        f"{fetched_for_first_chunk} rows were read from the database before the first chunk was sent"
    )
    assert first.count(b"\n") < big_ledger
    rest = list(chunks)
    assert len(rest) >= 2, "the download arrives in several chunks"
    content = first + b"".join(rest)
    if lines_per_transaction:
        assert content.count(b"\n") == big_ledger * lines_per_transaction
    else:
        assert content.count(b"\n") == 1 + Leg.objects.count()
    assert rows_fetched[0] >= big_ledger
    response.close()
    assert time.perf_counter() - started < 10


def test_the_whole_export_takes_a_bounded_number_of_queries(client, big_ledger, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        jsonl = body(client.get(JSONL))
    with django_assert_max_num_queries(3):
        csv_body = body(client.get(CSV))
    lines = jsonl[:-1].split(b"\n")
    assert len(lines) == big_ledger
    assert merkle.root_from_leaf_hashes(merkle.leaf_hash(line) for line in lines) == bytes(latest_tree_head().root_hash)
    assert csv_body.count(b"\n") == 1 + Leg.objects.count()
