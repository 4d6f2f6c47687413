"""银行存款余额调节表: agrees for a fully matched month, lists the four kinds of reconciling items otherwise, says how
much the adjusted balances differ, lists unmatched offline gifts; and a property test of the identity
book = bank + (book-only receipts − book-only payments) − (bank-only receipts − bank-only payments)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finance.models import BankLine
from finance.selectors.bank import reconciliation, unmatched_offline_gifts
from finance.services.bank import LineDraft, line_unmatch, statement_import
from ledger.chart import BANK, chart_ensure
from ledger.models import Account
from tests.finance.bank_data import bank_gift, post_on_bank

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank(db):
    chart_ensure()
    return Account.objects.get(code=BANK)


def drafts(rows, opening="0.00"):
    """rows: (day, signed amount, reference) → LineDrafts with running balances."""
    balance = Decimal(opening)
    out = []
    for n, (day, amount, reference) in enumerate(rows, start=2):
        amount = Decimal(amount)
        balance += amount
        out.append(
            LineDraft(
                n,
                day,
                amount if amount > 0 else None,
                -amount if amount < 0 else None,
                balance,
                reference,
                summary=f"摘要{n}",
            )
        )
    return out


def test_fully_matched_month_agrees(bank):
    bank_gift("100.00", date(2026, 10, 5), "G1")
    post_on_bank("40.00", date(2026, 10, 9), incoming=False)
    statement_import(account=bank, drafts=drafts([(date(2026, 10, 5), "100", "G1"), (date(2026, 10, 9), "-40", "V1")]))
    assert BankLine.objects.filter(transaction__isnull=True).count() == 0
    report = reconciliation(account=bank, year=2026, month=10)
    assert (report.bank_balance, report.book_balance) == (Decimal("60.00"), Decimal("60.00"))
    assert not (report.book_received or report.book_paid or report.bank_received or report.bank_paid)
    assert report.agrees
    assert report.verdict == "调节后余额一致。"


def test_reconciling_items_in_their_four_groups(bank):
    post_on_bank("1000.00", date(2026, 10, 1), incoming=True)  # before the first statement: in its opening balance
    post_on_bank("10.00", date(2026, 10, 10), incoming=False)  # matched
    gift = bank_gift("100.00", date(2026, 10, 30), "G100")  # the bank has it on 2 November
    paid = post_on_bank("50.00", date(2026, 10, 31), incoming=False)  # the bank pays it on 1 November
    rows = [
        (date(2026, 10, 10), "-10", "M10"),
        (date(2026, 10, 20), "3", "INT"),  # interest the books have not recorded
        (date(2026, 10, 25), "-2", "FEE"),  # a bank charge the books have not recorded
        (date(2026, 11, 1), "-50", "P50"),
        (date(2026, 11, 2), "100", "G100"),
    ]
    statement_import(account=bank, drafts=drafts(rows, opening="1000.00"))
    lines = {line.reference: line for line in BankLine.objects.all()}
    assert lines["G100"].transaction_id == gift.transaction_id
    assert lines["P50"].transaction_id == paid.pk
    october = reconciliation(account=bank, year=2026, month=10)
    assert october.bank_balance == Decimal("991.00")
    assert october.book_balance == Decimal("1040.00")
    assert [i.amount for i in october.book_received] == [Decimal("100.00")]
    assert [i.amount for i in october.book_paid] == [Decimal("50.00")]
    assert [(i.amount, i.reference) for i in october.bank_received] == [(Decimal("3.00"), "INT")]
    assert [(i.amount, i.reference) for i in october.bank_paid] == [(Decimal("2.00"), "FEE")]
    assert october.bank_adjusted == october.book_adjusted == Decimal("1041.00")
    assert october.agrees and october.verdict == "调节后余额一致。"
    november = reconciliation(account=bank, year=2026, month=11)
    assert not november.book_received and not november.book_paid
    assert november.bank_balance == Decimal("1041.00") and november.agrees


def test_difference_is_stated(bank):
    post_on_bank("900.00", date(2026, 10, 1), incoming=True)
    statement_import(account=bank, drafts=drafts([(date(2026, 10, 10), "5", "X")], opening="1000.00"))
    report = reconciliation(account=bank, year=2026, month=10)
    assert not report.agrees
    assert report.verdict == "调节后余额相差 ¥100.00。"


def test_no_statement_says_so(bank):
    report = reconciliation(account=bank, year=2026, month=10)
    assert not report.agrees and "没有导入银行对账单" in report.verdict


def test_unmatched_offline_gifts_older_than_the_setting(bank, settings):
    settings.BANK_RECONCILE_UNMATCHED_DAYS = 7
    today = timezone.localdate()
    old = bank_gift("10.00", today - timedelta(days=10), "OLD1")
    bank_gift("11.00", today - timedelta(days=2), "NEW1")
    matched = bank_gift("12.00", today - timedelta(days=10), "OLD2")
    statement_import(account=bank, drafts=drafts([(today - timedelta(days=10), "12", "OLD2")]))
    assert BankLine.objects.get().transaction_id == matched.transaction_id
    assert list(unmatched_offline_gifts()) == [old]
    settings.BANK_RECONCILE_UNMATCHED_DAYS = 1
    assert {g.bank_reference for g in unmatched_offline_gifts()} == {"OLD1", "NEW1"}


class Rollback(Exception):
    pass


START = date(2026, 9, 1)
events = st.lists(
    st.tuples(
        st.sampled_from(["gift", "paid", "received", "bank_in", "bank_out"]),
        st.integers(min_value=1, max_value=100_000),  # cents
        st.integers(min_value=0, max_value=55),  # day
        st.integers(min_value=0, max_value=6),  # days until the bank has it
        st.booleans(),  # on the statement at all
        st.booleans(),  # unmatched again by hand
    ),
    min_size=1,
    max_size=14,
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events)
def test_books_equal_bank_plus_reconciling_items(bank, items):
    try:
        with transaction.atomic():
            _check(bank, items)
            raise Rollback
    except Rollback:
        pass


def _check(bank, items):
    rows = [(START, "0.01", "OPEN")]  # the statement starts on START; nothing is booked before it
    unmatch = set()
    for n, (kind, cents, day, lag, on_statement, undo) in enumerate(items):
        amount = Decimal(cents) / 100
        when = START + timedelta(days=day)
        reference = f"R{n:03d}X"
        if kind == "gift":
            bank_gift(f"{amount:.2f}", when, reference)
        elif kind == "paid":
            post_on_bank(f"{amount:.2f}", when, incoming=False)
        elif kind == "received":
            post_on_bank(f"{amount:.2f}", when, incoming=True)
        if kind in ("bank_in", "bank_out") or on_statement:
            sign = "-" if kind in ("paid", "bank_out") else ""
            rows.append(
                (when + timedelta(days=lag if kind not in ("bank_in", "bank_out") else 0), f"{sign}{amount}", reference)
            )
            if undo:
                unmatch.add(reference)
    rows.sort(key=lambda r: r[0])
    statement_import(account=bank, drafts=drafts(rows))
    for line in BankLine.objects.filter(reference__in=unmatch, transaction__isnull=False):
        line_unmatch(line=line)
    for year, month in ((2026, 9), (2026, 10), (2026, 11)):
        report = reconciliation(account=bank, year=year, month=month)
        assert report.book_balance == (
            report.bank_balance
            + (report.book_received_total - report.book_paid_total)
            - (report.bank_received_total - report.bank_paid_total)
        )
        assert report.agrees == (report.bank_adjusted == report.book_adjusted)
        assert report.agrees, report.verdict
