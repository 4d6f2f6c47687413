"""Releases and the year-end closing are ordinary ledger transactions: they appear in the open data and on
/transparency/ with their Chinese kind labels (限定解除, 年终结转), and verify_ledger passes."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from ledger.services.periods import period_approve, period_close_request
from tests.factories import staff_user
from tests.ledger.ledger_data import SHANGHAI, gift, grant, post
from tests.ledger.test_open_data import body
from tests.ledger.test_postgres import verify_ok


@pytest.fixture
def closed_year(books):
    post(gift(1, "900.00", when=datetime(2025, 12, 2, 10, tzinfo=SHANGHAI)))
    post(grant(1, "400.00", when=datetime(2025, 12, 3, 10, tzinfo=SHANGHAI)))
    period_close_request(month=date(2025, 12, 1), user=staff_user("cw", "财务"))
    period_approve(month=date(2025, 12, 1), user=staff_user("sh", "审核人"))


def test_the_closing_is_in_the_open_data_and_on_the_transparency_page(client, closed_year):
    lines = [json.loads(line) for line in body(client.get("/api/ledger/v1/open-data/ledger.jsonl")).splitlines()]
    kinds = [record["kind"] for record in lines]
    assert kinds.count("release") == 1 and kinds.count("closing") == 1  # XT100 only: nothing else was posted
    closing = next(r for r in lines if r["kind"] == "closing" and r["details"]["fund"] == "XT100")
    assert closing["details"]["period"] == "2025" and closing["occurred_at"] == "2025-12-31T15:59:59Z"
    csv_text = body(client.get("/api/ledger/v1/open-data/ledger.csv")).decode("utf-8")
    assert ",closing," in csv_text and ",release," in csv_text
    page = client.get("/transparency/").content.decode()
    assert "年终结转" in page and "限定解除" in page and "会计期间" in page  # the kind and the period, labelled
    verify_ok()
