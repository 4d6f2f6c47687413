"""Racing on PostgreSQL: the bank account's row lock, not luck, makes two imports of one statement land once and
two lines matched at once to one ledger transaction match it once. Real threads, each with its own connection and
real commits (``transaction=True``); on SQLite these tests are deselected, not passed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from finance.models import BankLine, BankStatement
from finance.services.bank import BankError, LineDraft, line_match, statement_import
from ledger.chart import BANK, chart_ensure
from ledger.models import Account
from tests.concurrency import race
from tests.finance.bank_data import post_on_bank

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DAY = date(2026, 10, 12)


def drafts(*references: str) -> list[LineDraft]:
    return [
        LineDraft(n, DAY, Decimal("10.00"), None, Decimal(10 * (n - 1)), reference)
        for n, reference in enumerate(references, start=2)
    ]


def test_two_imports_of_one_statement_land_once(db):
    chart_ensure()
    bank = Account.objects.get(code=BANK)
    outcomes = race(
        lambda: statement_import(account=bank, drafts=drafts("A1", "A2")),
        lambda: statement_import(account=bank, drafts=drafts("A1", "A2")),
        refusal=BankError,
    )
    assert outcomes.count("ok") == 1, outcomes
    refused = next(o for o in outcomes if o != "ok")
    assert "已在" in refused or "重叠" in refused, outcomes
    assert BankStatement.objects.count() == 1 and BankLine.objects.count() == 2


def test_two_lines_matched_to_one_transaction_at_once_match_once(db):
    chart_ensure()
    bank = Account.objects.get(code=BANK)
    statement_import(account=bank, drafts=drafts("L1", "L2"), auto_match=False)
    txn = post_on_bank("10.00", DAY, incoming=True)
    first, second = BankLine.objects.order_by("position")
    outcomes = race(
        lambda: line_match(line=first, txn=txn), lambda: line_match(line=second, txn=txn), refusal=BankError
    )
    assert outcomes.count("ok") == 1, outcomes
    assert "只能匹配一条流水" in next(o for o in outcomes if o != "ok"), outcomes
    assert BankLine.objects.filter(transaction=txn).count() == 1
