"""科目余额表 and 明细账 on a worked example (issue 12, deliverable 8): an opening balance from before the range,
gifts, a grant and a processor fee in it, and a gift after it that must not count."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ledger.chart import BANK, FUNDRAISING_COST, GENERAL_INCOME, STRIPE_CLEARING
from ledger.models import Account
from ledger.selectors import books
from ledger.selectors.books import general_ledger, general_ledger_lines, trial_balance
from ledger.services import LegSpec, PostingRequest, transactions_post_bulk
from tests.ledger.ledger_data import gift, grant, moment

MARCH = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31)}


def _pair(kind: str, debit: str, credit: str, amount: str, when, source: str) -> PostingRequest:
    value = Decimal(amount)
    return PostingRequest(
        kind=kind,
        occurred_at=when,
        legs=[LegSpec(debit, "D", value), LegSpec(credit, "C", value)],
        source=source,
        public_record={"fund": "general"},
    )


@pytest.fixture
def march(books):
    transactions_post_bulk(
        [
            gift(1, "1000.00", when=moment(20, month=2)),  # before the range: the opening balance
            gift(2, "500.00", when=moment(5)),
            _pair("donation", STRIPE_CLEARING, GENERAL_INCOME, "100.00", moment(6), "test:online:1"),
            _pair("fee", FUNDRAISING_COST, STRIPE_CLEARING, "3.00", moment(6, 12), "test:fee:1"),
            grant(1, "300.00", when=moment(10)),
            gift(3, "999.00", when=moment(1, month=4)),  # after the range
            # the last minute of 31 March in Shanghai is still March, though it is 15:59 UTC
            gift(4, "7.00", when=moment(31, 23, 59)),
        ]
    )


def _rows(report):
    return {row.code: row for row in report.rows}


def test_trial_balance_of_a_month(march):
    report = trial_balance(**MARCH)
    rows = _rows(report)
    bank = rows[BANK]
    assert (bank.opening_debit, bank.debit, bank.credit, bank.closing_debit) == (
        Decimal("1000.00"),
        Decimal("507.00"),
        Decimal("300.00"),
        Decimal("1207.00"),
    )
    income = rows["4101"]  # the first-level account includes its funds' sub-accounts
    assert (income.level, income.opening_credit, income.credit, income.closing_credit) == (
        1,
        Decimal("1000.00"),
        Decimal("607.00"),
        Decimal("1607.00"),
    )
    assert rows["4101.XT100"].level == 2 and rows["4101.XT100"].closing_credit == Decimal("1507.00")
    assert rows["1009"].closing_debit == rows[STRIPE_CLEARING].closing_debit == Decimal("97.00")
    assert rows["5101"].debit == Decimal("300.00") and rows[FUNDRAISING_COST].closing_debit == Decimal("3.00")
    assert "5401" not in rows  # nothing posted: left out unless asked for
    totals = report.totals
    assert (totals.opening_debit, totals.debit, totals.closing_debit) == (
        Decimal("1000.00"),
        Decimal("910.00"),
        Decimal("1607.00"),
    )
    assert totals.balanced
    assert [r.code for r in report.rows].index("4101") < [r.code for r in report.rows].index("4101.U")


def test_trial_balance_lists_every_account_when_asked(march):
    report = trial_balance(**MARCH, include_empty=True)
    assert {"5401", "2204", "4401"} <= {row.code for row in report.rows}
    assert report.totals.balanced


def test_general_ledger_runs_from_the_opening_balance(march):
    bank = Account.objects.get(code=BANK)
    book = general_ledger(account=bank, **MARCH)
    lines = list(book.page.object_list)
    assert book.opening == Decimal("1000.00") and book.closing == Decimal("1207.00")
    assert [(line.sequence, line.debit, line.credit, line.balance) for line in lines] == [
        (1, Decimal("500.00"), Decimal("0.00"), Decimal("1500.00")),
        (4, Decimal("0.00"), Decimal("300.00"), Decimal("1200.00")),
        (6, Decimal("7.00"), Decimal("0.00"), Decimal("1207.00")),
    ]
    assert lines[-1].balance_direction == "借"


def test_a_later_page_starts_from_the_balance_after_the_pages_before(march, monkeypatch):
    monkeypatch.setattr(books, "PAGE_SIZE", 2)
    page = general_ledger(account=Account.objects.get(code=BANK), page=2, **MARCH).page
    assert [(line.sequence, line.balance) for line in page.object_list] == [(6, Decimal("1207.00"))]
    assert page.paginator.num_pages == 2


def test_a_first_level_accounts_ledger_includes_its_sub_accounts(march):
    income = Account.objects.get(code="4101")
    lines = list(general_ledger_lines(account=income, **MARCH))
    assert [line.account_code for line in lines] == ["4101.XT100", GENERAL_INCOME, "4101.XT100"]
    assert lines[-1].balance == Decimal("-1607.00") and lines[-1].balance_direction == "贷"


def test_the_trial_balance_reads_the_per_day_totals_in_three_queries(march, django_assert_num_queries):
    with django_assert_num_queries(3):  # the accounts, the opening sums, the period's sums: never the legs
        trial_balance(**MARCH)


def test_every_page_starts_from_the_running_balance_of_the_lines_before_it(march, monkeypatch):
    """A page's first balance is computed from the per-day totals and that day's earlier legs, not by summing the
    pages before it: on legs over several local days, several at one moment, before the range and inside one
    transaction (a sub-account and its parent both in the family), every page of every size shows exactly the
    lines, and balances, of the streamed ledger."""
    from ledger.services.accounts import subaccount_create

    sub = subaccount_create(parent=Account.objects.get(code=BANK), suffix="01", name="基本户")
    requests = [_pair("donation", BANK, GENERAL_INCOME, "1000.00", moment(28, month=2), "test:opening")]
    for n in range(17):
        when = moment(3 + n % 4, 9 + n % 3)  # several legs share a moment and a local day
        requests.append(_pair("donation", BANK, GENERAL_INCOME, f"{10 + n}.25", when, f"test:gift:{n}"))
        if n % 5 == 0:  # a transfer between the two bank accounts: two legs of the family in one transaction
            requests.append(_pair("transfer", sub.code, BANK, f"{n + 1}.00", when, f"test:move:{n}"))
        if n % 3 == 0:
            requests.append(_pair("expense", "5201", BANK, f"{n + 2}.50", when, f"test:cost:{n}"))
    transactions_post_bulk(requests)
    bank = Account.objects.get(code=BANK)
    lines = general_ledger_lines(account=bank, **MARCH)
    streamed = [(line.sequence, line.account_code, line.balance) for line in lines]
    assert len(streamed) > 20
    for size in range(1, 8):
        monkeypatch.setattr(books, "PAGE_SIZE", size)
        shown = []
        number = 1
        while True:
            page = general_ledger(account=bank, page=number, **MARCH).page
            shown += [(line.sequence, line.account_code, line.balance) for line in page.object_list]
            if not page.has_next():
                break
            number += 1
        assert shown == streamed, size
