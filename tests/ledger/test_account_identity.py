"""What an account is (code, type, restriction, fund, currency) is fixed; only its running totals move."""

import pytest
from django.db import connection

from ledger.chart import chart_ensure, fund_accounts_ensure
from ledger.models import Account, AccountIdentityError, Transaction
from ledger.models.transactions import LedgerImmutableError
from ledger.services import transaction_reverse, transactions_post_bulk
from ledger.services.posting import PostingError
from ledger.services.verification import ledger_verify
from tests.ledger.ledger_data import gift, moment, raw_sql

pytestmark = pytest.mark.django_db


@pytest.fixture
def income():
    chart_ensure()
    return fund_accounts_ensure(fund_code="XT100", fund_name="血透100", restricted=True).income


@pytest.mark.parametrize(
    ("field", "value"),
    [("fund_code", "OTHER"), ("type", "expense"), ("code", "4101.X"), ("is_restricted", False), ("currency", "USD")],
)
def test_identity_fields_cannot_change_through_the_orm(income, field, value):
    with pytest.raises(AccountIdentityError):
        Account.objects.filter(pk=income.pk).update(**{field: value})
    setattr(income, field, value)
    with pytest.raises(AccountIdentityError):
        income.save()


def test_the_name_may_still_be_corrected(income):
    income.name = "捐赠收入·限定性·血透100(更正)"
    income.save()
    assert Account.objects.get(pk=income.pk).name.endswith("(更正)")


def test_verify_catches_a_fund_code_changed_behind_the_orms_back(income):
    transactions_post_bulk([gift(1)])
    assert ledger_verify().ok
    if connection.vendor == "postgresql":
        from django.db import DatabaseError, transaction

        with pytest.raises(DatabaseError, match="identity is fixed"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("UPDATE ledger_account SET fund_code = 'OTHER' WHERE id = %s", [income.pk])
    raw_sql("ledger_account", "UPDATE ledger_account SET fund_code = 'OTHER' WHERE id = %s", [income.pk])
    report = ledger_verify()
    assert any("4101.XT100: fund code 'OTHER'" in problem for problem in report.problems)


def test_the_base_manager_does_not_bypass_the_append_only_guard(income):
    transactions_post_bulk([gift(1)])
    with pytest.raises(LedgerImmutableError):
        Transaction._base_manager.filter(sequence=0).update(memo="edited")
    with pytest.raises(LedgerImmutableError):
        Transaction._base_manager.all().delete()


def test_a_reversal_source_already_used_by_another_transaction_is_refused(income):
    first, second = transactions_post_bulk([gift(1), gift(2)])
    transaction_reverse(original=first, occurred_at=moment(2), source="test:reverse:1")
    with pytest.raises(PostingError, match="不是交易 #1 的冲正"):
        transaction_reverse(original=second, occurred_at=moment(2), source="test:reverse:1")
    assert not Transaction.objects.filter(reverses=second).exists()
