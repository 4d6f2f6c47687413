"""For any sequence of gifts, grants, fees and expenses on any days, and any date range, the trial balance balances,
each row's closing balance is the account's balance at the end of the range, and the general ledger ends there too."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.chart import chart_ensure, fund_accounts_ensure
from ledger.models import Account
from ledger.selectors import account_balance
from ledger.selectors.books import general_ledger, trial_balance
from ledger.services import LegSpec, PostingRequest, transactions_post_bulk
from tests.ledger.ledger_data import moment

PAIRS = [  # (debit, credit): a gift, an online gift, a grant, a fee, a payout, a management cost
    ("1002", "4101.XT100"),
    ("1012.STRIPE", "4101.U"),
    ("5101.XT100", "1002"),
    ("5301", "1012.STRIPE"),
    ("1002", "1012.STRIPE"),
    ("5201", "1002"),
]
START = date(2026, 1, 1)


class Rollback(Exception):
    pass


postings = st.lists(
    st.tuples(
        st.sampled_from(PAIRS),
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2),
        st.integers(min_value=0, max_value=89),  # day of the quarter
        st.integers(min_value=0, max_value=23),  # hour, Shanghai
    ),
    min_size=1,
    max_size=20,
)


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(postings, st.integers(min_value=0, max_value=89), st.integers(min_value=0, max_value=30))
def test_the_trial_balance_always_balances(db, rows, first, length):
    date_from = START + timedelta(days=first)
    date_to = date_from + timedelta(days=length)
    try:
        with transaction.atomic():
            _post(rows)
            report = trial_balance(date_from=date_from, date_to=date_to, include_empty=True)
            assert report.totals.balanced
            for row in report.rows:
                account = Account.objects.get(code=row.code)
                if row.level == 1 and not account.children.exists():
                    expected = account_balance(account, at=date_to)
                    assert row.closing == (expected if account.is_debit_normal else -expected)
            bank = general_ledger(account=Account.objects.get(code="1002"), date_from=date_from, date_to=date_to)
            assert bank.closing == next(r.closing for r in report.rows if r.code == "1002")
            raise Rollback
    except Rollback:
        pass


def _post(rows) -> None:
    chart_ensure()
    fund_accounts_ensure(fund_code="XT100", fund_name="血透100", restricted=True)
    requests = []
    for n, ((debit, credit), amount, day, hour) in enumerate(rows):
        when = START + timedelta(days=day)
        requests.append(
            PostingRequest(
                kind="expense",
                occurred_at=moment(when.day, hour, month=when.month),
                legs=[LegSpec(debit, "D", amount), LegSpec(credit, "C", amount)],
                source=f"test:property:{n}",
                public_record={"fund": "general"},
            )
        )
    transactions_post_bulk(requests)
