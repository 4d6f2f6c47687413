"""Stripe events that arrive after their month was closed are dated in the open period, their real moment kept."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

import pytest

from donations.services import ledger_postings
from ledger.models import TransactionKind
from ledger.services.periods import period_approve, period_close_request
from tests.donations import events as ev
from tests.factories import ProjectFactory, staff_user
from tests.ledger.ledger_data import SHANGHAI

MARCH = datetime(2026, 3, 20, 9, tzinfo=SHANGHAI)
APRIL_FIRST = datetime(2026, 4, 1, tzinfo=SHANGHAI)


@pytest.fixture
def closed_march(db):
    project = ProjectFactory(code="XT100", name="血透100")
    first = ev.pending_gift(project)
    first.amount, first.received_at = Decimal("100.00"), MARCH
    first.save()
    first.transaction = ledger_postings.gift_post(first)  # in March, before the close
    first.save()
    period_close_request(month=date(2026, 3, 1), user=staff_user("cw", "财务"))
    period_approve(month=date(2026, 3, 1), user=staff_user("sh", "审核人"))
    return project


def test_a_late_online_gift_is_dated_in_the_open_period(closed_march):
    late = ev.pending_gift(closed_march)
    late.amount, late.received_at = Decimal("50.00"), datetime(2026, 3, 31, 23, 30, tzinfo=SHANGHAI)
    late.save()
    posted = ledger_postings.gift_post(late)
    assert posted.occurred_at == APRIL_FIRST
    assert json.loads(posted.record)["details"]["happened_at"] == "2026-03-31T15:30:00Z"


def test_late_fees_payouts_and_failed_payouts_are_dated_in_the_open_period(closed_march):
    fee = ledger_postings.fee_post(
        balance_transaction_id="txn_late", amount=Decimal("3.00"), currency="CNY", at=MARCH, sandbox=True, memo="fee"
    )
    payout = ledger_postings.payout_post(
        payout_id="po_late", amount=Decimal("40.00"), currency="CNY", at=MARCH, sandbox=True
    )
    failed = ledger_postings.payout_reverse(payout, payout_id="po_late", at=MARCH)
    assert (fee.kind, fee.occurred_at) == (TransactionKind.FEE, APRIL_FIRST)
    assert payout.occurred_at == APRIL_FIRST and failed.occurred_at == APRIL_FIRST
    assert json.loads(fee.record)["details"]["happened_at"] == "2026-03-20T01:00:00Z"
    assert "所属期间已结账" in failed.memo
    on_time = ledger_postings.fee_post(
        balance_transaction_id="txn_on_time",
        amount=Decimal("1.00"),
        currency="CNY",
        at=datetime(2026, 4, 2, tzinfo=SHANGHAI),
        sandbox=True,
        memo="fee",
    )
    assert "happened_at" not in json.loads(on_time.record)["details"]
