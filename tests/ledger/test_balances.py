"""Balances now and at a date (Asia/Shanghai days), fund figures, and the project figures built on them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ledger.chart import BANK, GENERAL_INCOME, fund_accounts_ensure, fund_net_assets_ensure
from ledger.models import Account, Leg, Transaction, TransactionKind
from ledger.selectors import account_balance, fund_figures, fund_figures_many
from ledger.services import LegSpec, PostingRequest, transaction_reverse
from projects.selectors import project_funding, project_funding_many
from projects.services import project_fund_accounts
from tests.factories import ProjectFactory
from tests.ledger.ledger_data import EXPENSE, FUND, INCOME, gift, grant, moment, post, refund

pytestmark = pytest.mark.django_db


def day(n: int) -> date:
    return date(2026, 3, n)


@pytest.fixture
def history(books) -> None:
    """Six days of one fund's books, posted out of date order on purpose.

    1 Mar 10:00  gift 100.00          1 Mar 23:30  gift 50.00 (15:30 UTC: still 1 Mar in Shanghai)
    2 Mar 00:30  gift 20.00 (1 Mar 16:30 UTC, but 2 Mar in Shanghai)
    3 Mar        grant 30.00          4 Mar        refund 20.00
    5 Mar        reversal of the 50.00 gift
    """
    post(grant(1, "30.00", when=moment(3)))
    post(gift(1, "100.00", when=moment(1, 10)))
    late = post(gift(2, "50.00", when=moment(1, 23, 30)))
    post(gift(3, "20.00", when=moment(2, 0, 30)))
    post(refund(1, "20.00", when=moment(4)))
    transaction_reverse(original=late, occurred_at=moment(5), source="test:reverse:1")


@pytest.mark.parametrize(
    ("at", "bank", "income", "expense"),
    [
        (day(28).replace(month=2), "0.00", "0.00", "0.00"),
        (day(1), "150.00", "150.00", "0.00"),
        (day(2), "170.00", "170.00", "0.00"),
        (day(3), "140.00", "170.00", "30.00"),
        (day(4), "120.00", "150.00", "30.00"),
        (day(5), "70.00", "100.00", "30.00"),
        (day(30), "70.00", "100.00", "30.00"),
        (None, "70.00", "100.00", "30.00"),
    ],
)
def test_account_balance_at_the_end_of_each_local_day(history, at, bank, income, expense):
    assert account_balance(Account.objects.get(code=BANK), at=at) == Decimal(bank)
    assert account_balance(Account.objects.get(code=INCOME), at=at) == Decimal(income)
    assert account_balance(Account.objects.get(code=EXPENSE), at=at) == Decimal(expense)


def test_the_balance_now_reads_the_running_totals_not_a_stale_instance(books):
    bank = Account.objects.get(code=BANK)
    assert account_balance(bank) == Decimal("0.00")
    post(gift(1, "12.34"))
    assert account_balance(bank) == Decimal("12.34")  # the same instance, refreshed


def test_running_totals_equal_the_sums_of_the_legs(history):
    for account in Account.objects.all():
        legs = Leg.objects.filter(account=account)
        debit = sum((leg.amount for leg in legs if leg.side == "D"), Decimal("0"))
        credit = sum((leg.amount for leg in legs if leg.side == "C"), Decimal("0"))
        assert (account.debit_total, account.credit_total) == (debit, credit), account.code


def test_local_days_are_shanghai_days_whatever_time_zone_is_active(books):
    """A request may activate another zone; the books still close at midnight in Shanghai."""
    with timezone.override("UTC"):
        post(gift(1, "20.00", when=datetime(2026, 3, 1, 16, 30, tzinfo=UTC)))  # 2 Mar 00:30 in Shanghai
    with timezone.override("America/New_York"):
        post(gift(2, "5.00", when=datetime(2026, 3, 2, 15, 59, tzinfo=UTC)))  # 2 Mar 23:59 in Shanghai
    bank = Account.objects.get(code=BANK)
    assert account_balance(bank, at=day(1)) == Decimal("0.00")
    assert account_balance(bank, at=day(2)) == Decimal("25.00")


@pytest.mark.parametrize(
    ("at", "raised", "spent", "available"),
    [
        (day(1), "150.00", "0.00", "150.00"),
        (day(3), "170.00", "30.00", "140.00"),
        (day(4), "150.00", "30.00", "120.00"),  # the refund debits income
        (day(5), "100.00", "30.00", "70.00"),  # and so does the reversal
        (None, "100.00", "30.00", "70.00"),
    ],
)
def test_fund_figures_raised_spent_available(history, at, raised, spent, available):
    figures = fund_figures(FUND, at=at)
    assert figures.fund_code == FUND
    assert (figures.raised, figures.spent, figures.available) == (Decimal(raised), Decimal(spent), Decimal(available))


def test_fund_figures_many_keeps_funds_apart_in_two_queries(history):
    other = fund_accounts_ensure(fund_code="XT200", fund_name="另一基金", restricted=False)
    post(gift(10, "7.00", income=other.income.code))
    post(gift(11, "1000.00", income=GENERAL_INCOME))  # unrestricted, belongs to no fund

    for at in (None, day(30)):
        with CaptureQueriesContext(connection) as queries:
            figures = fund_figures_many([FUND, "XT200", "NOPE", FUND], at=at)
        assert len(queries) == 2  # the running (or per-day) totals, and what year-end closings moved
        assert list(figures) == [FUND, "XT200", "NOPE"]
        assert (figures[FUND].raised, figures[FUND].spent) == (Decimal("100.00"), Decimal("30.00"))
        assert (figures["XT200"].raised, figures["XT200"].available) == (Decimal("7.00"), Decimal("7.00"))
        assert (figures["NOPE"].raised, figures["NOPE"].spent) == (Decimal("0.00"), Decimal("0.00"))


def test_fund_figures_are_zero_before_anything_is_posted(books):
    figures = fund_figures(FUND)
    assert (figures.raised, figures.spent, figures.available) == (Decimal("0.00"),) * 3
    assert Transaction.objects.count() == 0


def test_project_funding_reflects_postings_to_the_projects_fund_accounts(db):
    project = ProjectFactory(code="P900", target_amount=Decimal("1000.00"))
    accounts = project_fund_accounts(project=project)
    assert (accounts.income.code, accounts.expense.code) == ("4101.P900", "5101.P900")
    assert accounts.income.is_restricted and accounts.income.fund_code == "P900"

    value = Decimal("250.00")
    post(gift(1, when=moment(1)), legs=[LegSpec(BANK, "D", value), LegSpec(accounts.income.code, "C", value)])
    post(grant(1, "100.00", when=moment(3), expense=accounts.expense.code))

    funding = project_funding(project)
    assert (funding.target, funding.raised, funding.spent) == (Decimal("1000.00"), value, Decimal("100.00"))
    assert funding.available == Decimal("150.00")
    assert funding.percent_raised == 25
    on_day_two = project_funding_many([project], at=day(2))[project.pk]
    assert (on_day_two.raised, on_day_two.spent) == (value, Decimal("0.00"))


def _posting(kind: str, source: str, when, legs) -> PostingRequest:
    return PostingRequest(kind=kind, occurred_at=when, legs=legs, source=source, public_record={"fund": FUND})


def test_a_year_end_closing_leaves_what_a_fund_raised_spent_and_holds(history):
    """Closing empties 4101.XT100 and 5101.XT100 into the fund's own net assets: its figures stay as they were,
    now and at any later date, and only at dates before the closing is the closing invisible anyway."""
    restricted, unrestricted = fund_net_assets_ensure(fund_code=FUND, fund_name="血透100")
    post(
        _posting(
            TransactionKind.RELEASE,
            "test:release",
            moment(6),
            [LegSpec(restricted.code, "D", Decimal("30.00")), LegSpec(unrestricted.code, "C", Decimal("30.00"))],
        )
    )
    post(_posting(TransactionKind.CLOSING, "test:closing", moment(7), [
        LegSpec(INCOME, "D", Decimal("100.00")), LegSpec(restricted.code, "C", Decimal("100.00")),
        LegSpec(unrestricted.code, "D", Decimal("30.00")), LegSpec(EXPENSE, "C", Decimal("30.00")),
    ]))  # fmt: skip
    assert account_balance(Account.objects.get(code=INCOME)) == Decimal("0.00")
    for at in (None, day(7), day(30)):
        figures = fund_figures(FUND, at=at)
        assert (figures.raised, figures.spent, figures.transferred, figures.available) == (
            Decimal("100.00"), Decimal("30.00"), Decimal("0.00"), Decimal("70.00"),
        ), at  # fmt: skip


def test_a_leftover_transfer_moves_what_two_funds_hold_and_nothing_else(history):
    """3102.XT100 → 3102.XT200: the giving fund's raised and spent stay, its available drops to zero; the
    receiving fund holds the leftover as transferred."""
    fund_accounts_ensure(fund_code="XT200", fund_name="爱心复明", restricted=True)
    giving, _ = fund_net_assets_ensure(fund_code=FUND, fund_name="血透100")
    receiving, _ = fund_net_assets_ensure(fund_code="XT200", fund_name="爱心复明")
    post(
        _posting(
            TransactionKind.TRANSFER,
            "test:leftover",
            moment(8),
            [LegSpec(giving.code, "D", Decimal("70.00")), LegSpec(receiving.code, "C", Decimal("70.00"))],
        )
    )
    figures = fund_figures_many([FUND, "XT200"])
    assert (figures[FUND].raised, figures[FUND].spent, figures[FUND].available) == (
        Decimal("100.00"), Decimal("30.00"), Decimal("0.00"),
    )  # fmt: skip
    assert (figures["XT200"].raised, figures["XT200"].transferred, figures["XT200"].available) == (
        Decimal("0.00"), Decimal("70.00"), Decimal("70.00"),
    )  # fmt: skip
    assert fund_figures(FUND, at=day(7)).available == Decimal("70.00")  # before the transfer
