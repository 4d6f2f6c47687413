"""Bulk posting in chunks (ledger.services.posting.APPEND_CHUNK): the rows, records, hashes and totals are the
ones posting one at a time gives; on PostgreSQL the chunks' deferred checks run early (SET CONSTRAINTS) while a
worker thread builds the next chunk. The helpers that make large batches fast give the same answers as the
general code they stand in for."""

from __future__ import annotations

import dataclasses
import threading
import uuid
from datetime import UTC, datetime, timedelta
from datetime import timezone as dt_timezone
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.chart import BANK
from ledger.models import Account, AccountDay, Leg, MerkleNode, Transaction
from ledger.privacy import PersonalDataError, check_public_details
from ledger.records import amount_str, build_record, iso_utc, iso_utc_whole_second, record_text, record_text_of
from ledger.services import posting, transactions_post_bulk
from tests.ledger.ledger_data import INCOME, gift, grant, moment, post, stored_nodes, stored_records

CHUNK = 7  # small chunks: 60 postings make 9 of them, the last one short


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(posting, "APPEND_CHUNK", CHUNK)


@pytest.fixture
def fixed_ids(monkeypatch):
    """Fixed recording time and ids 1, 2, 3…; calling the value restarts the ids."""
    fixed_now = timezone.now().replace(microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: fixed_now)

    def restart() -> None:
        counter = iter(range(1, 10**6))
        monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(int=next(counter)))

    restart()
    return restart


def _requests(count: int):
    return [
        gift(n, f"{n + 1}.{n % 100:02d}", when=moment(1 + n % 28, n % 24)) if n % 3 else grant(n, f"{n}.50")
        for n in range(1, count + 1)
    ]


def _ledger_rows():
    return {
        "transactions": list(
            Transaction.objects.values_list("sequence", "uuid", "occurred_at", "kind", "memo", "source", "record")
        ),
        "legs": list(Leg.objects.order_by("pk").values_list("transaction_id", "account_id", "side", "amount")),
        "nodes": stored_nodes(),
        "totals": list(Account.objects.order_by("pk").values_list("code", "debit_total", "credit_total")),
        "days": list(
            AccountDay.objects.order_by("account_id", "day").values_list("account_id", "day", "debit", "credit")
        ),
    }


class Discard(Exception):
    pass


@pytest.mark.django_db
def test_a_bulk_of_many_chunks_writes_what_posting_one_by_one_writes(books, small_chunks, fixed_ids):
    requests = _requests(60)
    with pytest.raises(Discard), transaction.atomic():
        returned = transactions_post_bulk(requests)
        bulk = _ledger_rows()
        raise Discard

    fixed_ids()
    one_by_one = [post(request) for request in requests]

    assert _ledger_rows() == bulk
    assert [(t.sequence, t.uuid, t.source, t.record) for t in returned] == [
        (t.sequence, t.uuid, t.source, t.record) for t in one_by_one
    ]
    assert all(not t._state.adding and t._state.db == "default" for t in returned)
    assert threading.active_count() == 1 or not any(t.name.startswith("ledger-rows") for t in threading.enumerate())


@pytest.mark.django_db
def test_chunked_bulks_of_awkward_sizes_verify(books, small_chunks):
    n = 0
    for size in (1, CHUNK, CHUNK + 1, 3 * CHUNK - 1, 2):
        transactions_post_bulk(_requests(n + size)[n:])
        n += size
    out = StringIO()
    call_command("verify_ledger", stdout=out, stderr=StringIO())
    assert "Ledger verified: OK" in out.getvalue()
    assert len(stored_records()) == n


@pytest.mark.django_db
def test_a_failure_in_a_later_chunk_writes_nothing(books, small_chunks):
    requests = _requests(40)
    requests[30] = dataclasses.replace(requests[30], public_record={"note": "x\ud800"})  # cannot be UTF-8
    with pytest.raises(UnicodeEncodeError):
        transactions_post_bulk(requests)
    assert (Transaction.objects.count(), Leg.objects.count(), MerkleNode.objects.count()) == (0, 0, 0)
    assert Account.objects.get(code=BANK).debit_total == Decimal("0.00")
    assert not any(t.name.startswith("ledger-rows") for t in threading.enumerate())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_chunked_bulk_still_refuses_an_unbalanced_row_pending_in_the_callers_transaction(books, small_chunks):
    transactions_post_bulk(_requests(2))
    with pytest.raises(IntegrityError, match="ledger transaction 0 is unbalanced"):
        with transaction.atomic():
            with connection.cursor() as cursor:  # a leg written behind the service, for the committed #0
                cursor.execute(
                    "INSERT INTO ledger_leg (transaction_id, account_id, side, amount, currency) "
                    "SELECT 0, account_id, side, 1, currency FROM ledger_leg WHERE transaction_id = 0 LIMIT 1"
                )
            transactions_post_bulk(_requests(40)[2:])
    assert Transaction.objects.count() == 2
    transactions_post_bulk(_requests(40)[2:])
    assert Transaction.objects.count() == 40


# -- the helpers stand in exactly for the general code -------------------------------------------------

DETAILS = [
    {"fund": "XT100", "donor": "匿名", "channel": "bank"},
    {"fund": "XT100", "donor": "匿名", "channel": "bank"},  # the same again: answered from the cache
    {"fund": "XT100", "phone": "x"},
    {"donor": "张三 13912345678"},
    {"count": 13912345678},
    {"count": 3, "flag": True, "none": None},
    {"amount": 1.5},
    {"nested": {"list": ["ok", {"id_number": "1"}]}},
    {"nested": {"list": ["ok", "a@b.cn"]}},
    {1: "x"},
    {"fund": "XT100", 2: "x"},
    "110101199003071234",
    ["ok", 5],
    3.0,
    {"bank": None},
    {"ok": "fine", "邮箱": "x@y.org"},
]


def _verdict(check, details):
    try:
        check(details, "public_record")
    except PersonalDataError as error:
        return str(error)
    return None


def test_the_details_check_gives_check_public_details_verdicts_and_messages():
    cached = posting.DetailsCheck()
    for details in DETAILS * 2:
        assert _verdict(cached, details) == _verdict(check_public_details, details), details


ZONES = [UTC, ZoneInfo("Asia/Shanghai"), ZoneInfo("America/St_Johns"), dt_timezone(timedelta(hours=-3, minutes=-30))]
json_leaf = st.none() | st.booleans() | st.integers() | st.text()
json_values = st.recursive(
    json_leaf, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3), max_leaves=8
)


@settings(max_examples=300, deadline=None)
@given(
    sequence=st.integers(min_value=0, max_value=2**53),
    kind=st.text(),
    moment_=st.datetimes(
        min_value=datetime(2, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive; timezones= makes them aware
        max_value=datetime(9998, 12, 31),  # noqa: DTZ001
        timezones=st.sampled_from(ZONES),
    ),
    legs=st.lists(
        st.tuples(st.text(), st.sampled_from(["D", "C"]), st.integers(1, 10**17), st.text(max_size=3)), max_size=4
    ),
    details=st.dictionaries(st.text(), json_values, max_size=4),
    reverses=st.none() | st.integers(min_value=0, max_value=2**40),
)
def test_record_text_of_is_record_text_of_build_record(sequence, kind, moment_, legs, details, reverses):
    legs = [(code, side, Decimal(cents) / 100, currency) for code, side, cents, currency in legs]
    ident = str(uuid.UUID(int=sequence + 1))
    expected = record_text(
        build_record(
            sequence=sequence,
            uuid=ident,
            kind=kind,
            occurred_at=moment_,
            recorded_at=moment_,
            legs=legs,
            details=details,
            reverses=reverses,
        )
    )
    assert iso_utc_whole_second(moment_) == iso_utc(moment_)
    text = record_text_of(
        sequence=sequence,
        uuid=ident,
        kind=kind,
        occurred_at=iso_utc(moment_),
        recorded_at=iso_utc(moment_),
        legs=[(code, side, amount_str(amount), currency) for code, side, amount, currency in legs],
        details=details,
        reverses=reverses,
    )
    assert text == expected


@pytest.mark.django_db
def test_a_posted_record_has_the_income_account_and_a_whole_second(books):
    tx = transactions_post_bulk([gift(1, when=moment().replace(microsecond=654321))])[0]
    assert f'"account":"{INCOME}"' in tx.record and tx.occurred_at.microsecond == 0
