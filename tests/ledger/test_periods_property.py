"""For random sequences of gifts, grants, reversals, fees, costs and closes over a year: the trial balance always
balances, a fund's figures never move when a month closes, the releases of a restricted fund add up to its net
spending, and once December is closed every income and expense account is zero."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.chart import chart_ensure, fund_accounts_ensure
from ledger.models import Account, AccountType, Transaction
from ledger.selectors import fund_figures_many
from ledger.selectors.books import trial_balance
from ledger.services import LegSpec, PostingRequest, transaction_reverse, transactions_post_bulk
from ledger.services.periods import period_approve, period_close_request
from tests.factories import staff_user
from tests.ledger.ledger_data import SHANGHAI

PAIRS = [  # (debit, credit)
    ("1002", "4101.XT100"),  # a gift to a restricted fund
    ("1002", "4101.FREE"),  # a gift to an unrestricted fund
    ("1012.STRIPE", "4101.U"),  # an online gift without a fund
    ("5101.XT100", "1002"),  # a grant of the restricted fund
    ("5101.FREE", "1002"),
    ("5301", "1012.STRIPE"),  # a fee
    ("5201", "1002"),  # a management cost
    ("1002", "4401"),  # a government subsidy
]
FUNDS = ["XT100", "FREE"]


class Rollback(Exception):
    pass


events = st.lists(
    st.tuples(
        st.sampled_from(PAIRS),
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999.99"), places=2),
        st.integers(min_value=1, max_value=12),  # month of 2025
        st.integers(min_value=1, max_value=28),
        st.booleans(),  # reversed later in the same month
    ),
    min_size=1,
    max_size=15,
)


@pytest.mark.django_db
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events, st.integers(min_value=1, max_value=12))
def test_closes_keep_the_books_balanced_and_the_funds_whole(db, rows, closes_to):
    try:
        with transaction.atomic():
            _check(rows, closes_to)
            raise Rollback
    except Rollback:
        pass


def _check(rows, closes_to: int) -> None:
    chart_ensure()
    fund_accounts_ensure(fund_code="XT100", fund_name="限定基金", restricted=True)
    fund_accounts_ensure(fund_code="FREE", fund_name="非限定基金", restricted=False)
    requester, approver = staff_user("cw", "财务"), staff_user("sh", "审核人")
    ordered = sorted(enumerate(rows), key=lambda item: (item[1][2], item[1][3], item[0]))
    for n, ((debit, credit), amount, month, day, reverse) in ordered:
        at = datetime(2025, month, day, 10, tzinfo=SHANGHAI)
        legs = [LegSpec(debit, "D", amount), LegSpec(credit, "C", amount)]
        [posted] = transactions_post_bulk(
            [PostingRequest(kind="expense", occurred_at=at, legs=legs, source=f"p:{n}", public_record={})]
        )
        if reverse:
            later = datetime(2025, month, 28, 12, tzinfo=SHANGHAI)
            transaction_reverse(original=posted, occurred_at=later, source=f"p:{n}:r")
    before = fund_figures_many(FUNDS)
    # every month with postings up to ``closes_to`` (empty months between close with the next one), and December
    months = sorted({r[2] for r in rows if r[2] <= closes_to} | ({12} if closes_to == 12 else set()))
    for month in months:
        period_close_request(month=date(2025, month, 1), user=requester)
        period_approve(month=date(2025, month, 1), user=approver)
    assert trial_balance(date_from=date(2025, 1, 1), date_to=date(2025, 12, 31)).totals.balanced
    assert fund_figures_many(FUNDS) == before
    released = sum(
        (leg.amount if leg.side == "D" else -leg.amount)
        for t in Transaction.objects.filter(source__startswith="release:XT100:")
        for leg in t.legs.filter(account__code="3102.XT100")
    )
    last = max(months) if months else 0
    spent = sum(
        (leg.amount if leg.side == "D" else -leg.amount)
        for t in Transaction.objects.exclude(kind="closing").filter(
            occurred_at__lt=datetime(2025, last + 1, 1, tzinfo=SHANGHAI)
            if 0 < last < 12
            else datetime(2026 if last else 2025, 1, 1, tzinfo=SHANGHAI)
        )
        for leg in t.legs.filter(account__code="5101.XT100")
    )
    assert released == spent  # every closed month's restricted spending, released
    if 12 in months:
        for account in Account.objects.filter(type__in=[AccountType.INCOME, AccountType.EXPENSE]):
            assert account.debit_total == account.credit_total, account.code
