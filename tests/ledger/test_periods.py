"""期间结账: the period lock, the order of closes and reopens, two people, restriction releases and the year-end
closing (结转), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from ledger.chart import BANK, GENERAL_INCOME, MANAGEMENT_COST, fund_accounts_ensure, fund_net_assets_ensure
from ledger.models import Account, Period, PeriodStatus, Transaction, TransactionKind
from ledger.selectors import fund_figures_many
from ledger.selectors.books import trial_balance
from ledger.services import LegSpec, PostingError, PostingRequest, transaction_reverse, transactions_post_bulk
from ledger.services.closing import closings_for, releases_for
from ledger.services.periods import (
    PeriodError,
    open_moment,
    period_approve,
    period_close_request,
    period_reject,
    period_reopen_request,
)
from tests.factories import staff_user
from tests.ledger.ledger_data import EXPENSE, FUND, INCOME, SHANGHAI, gift, grant, post


@pytest.fixture
def people(db):
    return staff_user("cw", "财务"), staff_user("sh", "审核人")


def close(month: date, people) -> list[Transaction]:
    requester, approver = people
    period_close_request(month=month, user=requester)
    return period_approve(month=month, user=approver)[1]


def when(month: int, day: int = 10, *, year: int = 2026) -> datetime:
    return datetime(year, month, day, 10, tzinfo=SHANGHAI)


def test_a_closed_month_refuses_postings_dated_in_it(books, people):
    post(gift(1, when=when(3)))
    close(date(2026, 3, 1), people)
    with pytest.raises(PostingError, match="会计期间 2026-03 已结账,不能记入该期间;更正请记在未结账的期间"):
        post(gift(2, when=when(3, 31)))
    with pytest.raises(PostingError, match="2026-02 已结账"):  # earlier months are locked too
        post(gift(3, when=when(2)))
    post(gift(4, when=datetime(2026, 4, 1, 0, 0, tzinfo=SHANGHAI)))  # the first moment of April is open
    post(gift(1, when=when(3)))  # the same source again returns the first posting: nothing new is dated in March
    original = Transaction.objects.get(source="test:gift:1")
    with pytest.raises(PostingError, match="2026-03 已结账"):
        transaction_reverse(original=original, occurred_at=when(3, 20), source="test:rev")
    transaction_reverse(original=original, occurred_at=when(4, 2), source="test:rev")  # corrections in the open one


def test_open_moment_moves_a_late_event_into_the_open_period(books, people):
    post(gift(1, when=when(3)))
    assert open_moment(when(3, 5)) == when(3, 5)
    close(date(2026, 3, 1), people)
    assert open_moment(when(3, 5)) == datetime(2026, 4, 1, tzinfo=SHANGHAI)
    assert open_moment(when(4, 5)) == when(4, 5)


def test_months_close_in_order_and_only_after_they_end(books, people, settings):
    requester, approver = people
    post(gift(1, when=when(1)))
    post(gift(2, when=when(3)))
    with pytest.raises(PeriodError, match="请先结账 2026-01"):
        period_close_request(month=date(2026, 3, 1), user=requester)
    with pytest.raises(PeriodError, match="尚未结束"):
        period_close_request(month=date(2099, 1, 1), user=requester)
    close(date(2026, 1, 1), people)
    close(date(2026, 3, 1), people)  # February is empty: it closes with March
    assert Period.objects.get(month=date(2026, 2, 1)).status == PeriodStatus.CLOSED
    with pytest.raises(PeriodError, match="已结账"):
        period_close_request(month=date(2026, 2, 1), user=requester)
    # reopen in reverse order, with a reason
    with pytest.raises(PeriodError, match="只能反结账最近结账的期间.2026-03"):
        period_reopen_request(month=date(2026, 1, 1), user=requester, reason="更正")
    with pytest.raises(PeriodError, match="必须填写原因"):
        period_reopen_request(month=date(2026, 3, 1), user=requester, reason=" ")
    period_reopen_request(month=date(2026, 3, 1), user=requester, reason="补记一笔漏记的捐赠")
    period_approve(month=date(2026, 3, 1), user=approver)
    assert Period.objects.get(month=date(2026, 3, 1)).status == PeriodStatus.OPEN
    post(gift(3, when=when(3, 20)))  # open again
    with pytest.raises(PostingError, match="2026-02 已结账"):
        post(gift(4, when=when(2, 20)))


def test_two_people_close_a_month(books, people):
    requester, approver = people
    post(gift(1, when=when(3)))
    with pytest.raises(PermissionDenied):
        period_close_request(month=date(2026, 3, 1), user=approver)  # 审核人 does not request
    period_close_request(month=date(2026, 3, 1), user=requester)
    with pytest.raises(PeriodError, match="已有待批准的申请"):
        period_close_request(month=date(2026, 3, 1), user=requester)
    with pytest.raises(PermissionDenied):
        period_approve(month=date(2026, 3, 1), user=requester)  # 财务 does not approve
    both = staff_user("both", "财务", "审核人")
    period_reject(month=date(2026, 3, 1), user=approver)
    period_close_request(month=date(2026, 3, 1), user=both)
    with pytest.raises(PeriodError, match="申请人不能批准自己的申请"):
        period_approve(month=date(2026, 3, 1), user=both)  # never the requester, whatever they hold
    assert Period.objects.get(month=date(2026, 3, 1)).status == PeriodStatus.OPEN
    period_approve(month=date(2026, 3, 1), user=approver)
    period = Period.objects.get(month=date(2026, 3, 1))
    assert (period.status, period.closed_by, period.requested_by) == (PeriodStatus.CLOSED, approver, both)


def spend(n: int, amount: str, day: datetime) -> Transaction:
    return post(grant(n, amount, when=day))


def test_releases_are_the_months_net_restricted_spending(books, people):
    post(gift(1, "1000.00", when=when(1)))
    spend(1, "300.00", when(1, 5))
    spend(2, "50.00", when(1, 6))
    close(date(2026, 1, 1), people)
    release = Transaction.objects.get(source=f"release:{FUND}:2026-01")
    assert release.kind == TransactionKind.RELEASE
    assert release.occurred_at == datetime(2026, 1, 31, 23, 59, 59, tzinfo=SHANGHAI)
    legs = {(leg.account.code, leg.side, leg.amount) for leg in release.legs.all()}
    assert legs == {(f"3102.{FUND}", "D", Decimal("350.00")), (f"3101.{FUND}", "C", Decimal("350.00"))}
    assert '"period":"2026-01"' in release.record and '"fund":"XT100"' in release.record
    # February: a reversal of January's 300 and a new 100: net −200, released back (3101 → 3102)
    transaction_reverse(
        original=Transaction.objects.get(source="test:grant:1"), occurred_at=when(2, 3), source="test:grant:1:rev"
    )
    spend(3, "100.00", when(2, 4))
    assert [r.amount for r in releases_for(date(2026, 2, 1))] == [Decimal("-200.00")]
    close(date(2026, 2, 1), people)
    back = Transaction.objects.get(source=f"release:{FUND}:2026-02")
    assert {(leg.account.code, leg.side) for leg in back.legs.all()} == {(f"3101.{FUND}", "D"), (f"3102.{FUND}", "C")}
    # an unrestricted fund's spending is not released
    fund_accounts_ensure(fund_code="FREE", fund_name="非限定基金", restricted=False)
    post(gift(9, "10.00", when=when(3), income="4101.FREE"))
    post(grant(10, "5.00", when=when(3, 3), expense="5101.FREE"))
    assert releases_for(date(2026, 3, 1)) == []


def test_a_reopened_month_closed_again_posts_only_the_difference(books, people):
    requester, approver = people
    post(gift(1, "1000.00", when=when(1)))
    spend(1, "300.00", when(1, 5))
    close(date(2026, 1, 1), people)
    period_reopen_request(month=date(2026, 1, 1), user=requester, reason="漏记一笔支出")
    period_approve(month=date(2026, 1, 1), user=approver)
    spend(2, "20.00", when(1, 7))
    posted = close(date(2026, 1, 1), people)
    assert [t.source for t in posted] == [f"release:{FUND}:2026-01:r2"]
    assert posted[0].legs.get(side="D").amount == Decimal("20.00")


def year_of_books(people):
    """A year: restricted gifts and spending, an unrestricted general gift, management costs, a refund."""
    fund_accounts_ensure(fund_code="FREE", fund_name="非限定基金", restricted=False)
    transactions_post_bulk(
        [
            gift(1, "1000.00", when=when(3, year=2025)),
            gift(2, "500.00", when=when(11, year=2025)),
            gift(3, "80.00", when=when(5, year=2025), income=GENERAL_INCOME),
            gift(4, "60.00", when=when(6, year=2025), income="4101.FREE"),
            grant(1, "400.00", when=when(4, year=2025)),
            grant(2, "100.00", when=when(12, 5, year=2025)),
            grant(3, "25.00", when=when(7, year=2025), expense="5101.FREE"),
            PostingRequest(
                kind=TransactionKind.EXPENSE,
                occurred_at=when(8, year=2025),
                legs=[LegSpec(MANAGEMENT_COST, "D", Decimal("30.00")), LegSpec(BANK, "C", Decimal("30.00"))],
                source="test:rent",
                public_record={"summary": "房租"},
            ),
        ]
    )
    for month in range(3, 13):
        close(date(2025, month, 1), people)


def test_december_closes_the_year(books, people):
    funds = [FUND, "FREE"]
    fund_accounts_ensure(fund_code="FREE", fund_name="非限定基金", restricted=False)
    year_of_books(people)
    closings = {t.source: t for t in Transaction.objects.filter(kind=TransactionKind.CLOSING)}
    assert set(closings) == {"closing:2025:XT100", "closing:2025:FREE", "closing:2025:general"}
    legs = lambda source: {(leg.account.code, leg.side, leg.amount) for leg in closings[source].legs.all()}  # noqa: E731
    assert legs("closing:2025:XT100") == {
        (INCOME, "D", Decimal("1500.00")),
        (EXPENSE, "C", Decimal("500.00")),
        (f"3102.{FUND}", "C", Decimal("1500.00")),
        (f"3101.{FUND}", "D", Decimal("500.00")),
    }
    assert legs("closing:2025:FREE") == {
        ("4101.FREE", "D", Decimal("60.00")),
        ("5101.FREE", "C", Decimal("25.00")),
        ("3101.FREE", "C", Decimal("35.00")),
    }
    assert legs("closing:2025:general") == {
        (GENERAL_INCOME, "D", Decimal("80.00")),
        (MANAGEMENT_COST, "C", Decimal("30.00")),
        ("3101", "C", Decimal("50.00")),
    }
    dec = closings["closing:2025:XT100"]
    assert dec.occurred_at == datetime(2025, 12, 31, 23, 59, 59, tzinfo=SHANGHAI)
    release = Transaction.objects.get(source=f"release:{FUND}:2025-12")
    assert release.sequence < dec.sequence  # December's release first, then the closing
    # every income and expense account is zero; the fund's net assets hold what it holds
    for account in Account.objects.filter(type__in=["income", "expense"]):
        assert account.debit_total == account.credit_total, account.code
    restricted = Account.objects.get(code=f"3102.{FUND}")
    unrestricted = Account.objects.get(code=f"3101.{FUND}")
    assert restricted.credit_total - restricted.debit_total == Decimal("1000.00")  # 1500 raised − 500 released
    assert unrestricted.credit_total - unrestricted.debit_total == Decimal("0.00")
    figures = fund_figures_many(funds)
    assert (figures[FUND].raised, figures[FUND].spent, figures[FUND].available) == (
        Decimal("1500.00"),
        Decimal("500.00"),
        Decimal("1000.00"),
    )
    assert figures["FREE"].available == Decimal("35.00")
    report = trial_balance(date_from=date(2025, 1, 1), date_to=date(2025, 12, 31))
    assert report.totals.balanced
    assert closings_for(2025) == []  # nothing left to close
    out = StringIO()
    call_command("verify_ledger", stdout=out, stderr=StringIO())
    assert "Ledger verified: OK" in out.getvalue()


def test_fund_figures_are_the_same_before_and_after_closing(books, people):
    post(gift(1, "700.00", when=when(12, 1, year=2025)))
    spend(1, "200.00", when(12, 2, year=2025))
    before = fund_figures_many([FUND])[FUND]
    close(date(2025, 12, 1), people)
    after = fund_figures_many([FUND])[FUND]
    assert (before.raised, before.spent, before.available) == (after.raised, after.spent, after.available)
    at_year_end = fund_figures_many([FUND], at=date(2025, 12, 31))[FUND]
    assert at_year_end.available == Decimal("500.00")


def test_a_fund_closures_leftover_release_is_not_a_monthly_release(books, people):
    """Other 'release' postings (a closed fund's leftover, 3102.F → 3101) do not count as the month's releases."""
    post(gift(1, "1000.00", when=when(1)))
    spend(1, "300.00", when(1, 5))
    fund_net_assets_ensure(fund_code=FUND, fund_name="测试基金")
    transactions_post_bulk(
        [
            PostingRequest(
                kind=TransactionKind.RELEASE,
                occurred_at=when(1, 20),
                legs=[LegSpec(f"3102.{FUND}", "D", Decimal("700.00")), LegSpec("3101", "C", Decimal("700.00"))],
                source=f"fund-closure:{FUND}",
                public_record={"fund": FUND, "to_fund": "unrestricted"},
            )
        ]
    )
    assert [r.amount for r in releases_for(date(2026, 1, 1))] == [Decimal("300.00")]
