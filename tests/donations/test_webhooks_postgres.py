"""Concurrent webhook deliveries on PostgreSQL: the unique event id and the row locks, not luck, make a gift
count once. Each thread has its own connection and real commits (``transaction=True``); on SQLite these tests
are deselected, not passed."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client

from donations.models import Donation, DonationStatus, ReceiptCounter, WebhookEvent
from donations.services import event_process
from ledger.models import Transaction
from ledger.selectors import fund_figures
from tests.donations.events import deliver, event, pending_gift, session_completed

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8
WAIT = 60  # seconds: a bound on a hang, never a timing assertion


def race(deliveries: list[list[dict]]) -> list[tuple[int, str]]:
    """Each thread waits at a barrier, then delivers its events in order; returns (HTTP status, outcome)."""
    barrier = threading.Barrier(len(deliveries), timeout=WAIT)

    def worker(events: list[dict]) -> list[tuple[int, str]]:
        client = Client(raise_request_exception=False)
        try:
            barrier.wait()
            results = []
            for event in events:
                response = deliver(event, client=client)
                results.append((response.status_code, response.json().get("status", "") if response.status_code
                                 == 200 else ""))
            return results
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(deliveries)) as pool:
        futures = [pool.submit(worker, events) for events in deliveries]
        return [result for future in futures for result in future.result(timeout=WAIT)]


def test_same_event_from_eight_threads_counts_once(project):
    gift = pending_gift(project, amount="100.00")
    completed = session_completed(gift, pi="pi_race_1")

    results = race([[completed] * 5 for _ in range(THREADS)])

    assert len(results) == THREADS * 5
    assert {status for status, _ in results} == {200}
    assert sorted(outcome for _, outcome in results) == ["duplicate"] * (THREADS * 5 - 1) + ["processed"]
    gift.refresh_from_db()
    assert gift.status == DonationStatus.SUCCEEDED
    assert gift.receipt_serial.endswith("-000001")
    assert Transaction.objects.count() == 1
    assert WebhookEvent.objects.count() == 1
    assert ReceiptCounter.objects.get().last == 1
    assert fund_figures("XT100").raised == Decimal("100.00")


def test_completed_and_async_succeeded_racing_post_once(project):
    gift = pending_gift(project, amount="100.00")
    completed = session_completed(gift, pi="pi_race_2")
    async_paid = session_completed(gift, pi="pi_race_2", type_="checkout.session.async_payment_succeeded")

    results = race([[completed if n % 2 else async_paid] for n in range(THREADS)])

    assert {status for status, _ in results} == {200}
    assert sorted(outcome for _, outcome in results) == ["duplicate"] * (THREADS - 2) + ["processed"] * 2
    gift.refresh_from_db()
    assert gift.status == DonationStatus.SUCCEEDED
    assert Donation.objects.count() == 1
    assert Transaction.objects.count() == 1
    assert WebhookEvent.objects.count() == 2
    assert ReceiptCounter.objects.get().last == 1
    assert fund_figures("XT100").raised == Decimal("100.00")


def test_fee_events_and_payout_events_racing_post_each_once(project):
    event_process(session_completed(pending_gift(project, amount="100.00"), pi="pi_race_3"))
    bt = {"id": "txn_race_3", "object": "balance_transaction", "fee": 60, "currency": "cny"}
    charge = {"id": "ch_race_3", "object": "charge", "payment_intent": "pi_race_3", "balance_transaction": bt}
    payout = {"id": "po_race_3", "object": "payout", "amount": 5000, "currency": "cny"}
    fees = [event("charge.succeeded" if n % 2 else "charge.updated", charge) for n in range(THREADS // 2)]
    payouts = [event("payout.paid", payout) for _ in range(THREADS // 2)]

    results = race([[e] for e in fees + payouts])

    assert {status for status, _ in results} == {200}
    kinds = sorted(Transaction.objects.values_list("kind", flat=True))
    assert kinds == ["donation", "fee", "payout"]
