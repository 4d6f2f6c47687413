"""期间结账 on PostgreSQL: the trigger behind the service, and a posting racing a close (real threads, real commits)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from ledger.models import Transaction
from ledger.services import PostingError
from ledger.services.periods import period_approve, period_close_request
from tests.concurrency import race
from tests.factories import staff_user
from tests.ledger.ledger_data import FUND, SHANGHAI, gift, grant, post
from tests.ledger.test_postgres import verify_ok

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def when(month: int, day: int = 10) -> datetime:
    return datetime(2026, month, day, 10, tzinfo=SHANGHAI)


def _raw_insert(cursor, sequences: list[int], occurred: datetime) -> None:
    """Transactions written behind the service, several in one statement (as bulk posting writes them)."""
    values = ", ".join(["(%s, %s, %s, now(), 'donation', '', %s, '{}')"] * len(sequences))
    params = [p for n in sequences for p in (n, uuid.UUID(int=n + 1), occurred, f"raw:{n}")]
    cursor.execute(
        "INSERT INTO ledger_transaction (sequence, uuid, occurred_at, recorded_at, kind, memo, source, record) "  # noqa: S608
        f"VALUES {values}",
        params,
    )


def test_the_trigger_refuses_a_raw_insert_dated_in_a_closed_month(books):
    requester, approver = staff_user("cw", "财务"), staff_user("sh", "审核人")
    post(gift(1, when=when(3)))
    period_close_request(month=date(2026, 3, 1), user=requester)
    period_approve(month=date(2026, 3, 1), user=approver)
    start = Transaction.objects.count()
    with pytest.raises(IntegrityError, match="会计期间 2026-03 已结账"):
        with transaction.atomic(), connection.cursor() as cursor:
            _raw_insert(cursor, [start, start + 1], when(3, 31))
    with pytest.raises(IntegrityError, match="会计期间 2026-02 已结账"):  # one row of many is enough
        with transaction.atomic(), connection.cursor() as cursor:
            _raw_insert(cursor, [start, start + 1], when(4, 2))
            _raw_insert(cursor, [start + 2], when(2, 2))
    assert Transaction.objects.count() == start
    verify_ok()


def test_a_posting_racing_a_close_lands_before_it_or_is_refused(books):
    """Each round: one thread approves the close of a month, another posts spending dated in it. Either the
    spending landed before the close (and the month's release includes it) or it was refused; never after."""
    requester, approver = staff_user("cw", "财务"), staff_user("sh", "审核人")
    post(gift(0, "10000.00", when=when(1, 1)))
    post(grant(0, "1.00", when=when(1, 2)))
    outcomes = []
    for month in range(1, 7):
        period_close_request(month=date(2026, month, 1), user=requester)
        late = grant(month, "10.00", when=when(month, 20))
        result = race(
            lambda month=month: period_approve(month=date(2026, month, 1), user=approver),
            lambda late=late: post(late),
            refusal=PostingError,
        )
        assert result[0] == "ok"
        landed = result[1] == "ok"
        if not landed:
            assert result[1] == f"会计期间 2026-{month:02d} 已结账,不能记入该期间;更正请记在未结账的期间"
        spent = (
            sum(
                leg.amount
                for leg in Transaction.objects.get(source=f"release:{FUND}:2026-{month:02d}").legs.filter(side="D")
            )
            if Transaction.objects.filter(source=f"release:{FUND}:2026-{month:02d}").exists()
            else Decimal("0")
        )
        expected = (Decimal("1.00") if month == 1 else Decimal("0")) + (Decimal("10.00") if landed else Decimal("0"))
        assert spent == expected  # a landed posting is in the release: it landed before the close
        outcomes.append(landed)
    verify_ok()
