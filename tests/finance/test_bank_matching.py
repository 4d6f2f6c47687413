"""Matching bank lines to the books: each kind, set-based, one line ↔ one transaction, manual match and unmatch,
and recording an unmatched incoming line as an offline gift."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from donations.models import Donation
from donations.services.ledger_postings import payout_post
from finance.models import BankLine, MatchKind
from finance.services.bank import line_match, line_record_gift, line_unmatch, lines_auto_match
from ledger.chart import BANK, chart_ensure
from ledger.models import Account
from tests.factories import ProjectFactory
from tests.finance.bank_data import Row, at, bank_gift, post_on_bank, run, write_statement

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 10)


@pytest.fixture
def chart(db):
    return chart_ensure()


def imported(tmp_path, rows, **kwargs):
    result = run(write_statement(tmp_path, rows, **kwargs))
    assert result.imported, result.error_messages()
    return {line.reference: line for line in BankLine.objects.all()}


def test_gift_matched_by_reference_and_by_word_of_summary(chart, tmp_path):
    by_ref = bank_gift("500.00", DAY, "BK500")
    in_summary = bank_gift("80.00", DAY - timedelta(days=20), "ZZ12345678")
    wrong_amount = bank_gift("70.00", DAY, "BK070")
    lines = imported(
        tmp_path,
        [
            Row(DAY, income="500.00", reference="BK500"),
            Row(DAY, income="80.00", reference="OTHER1", summary="转账 ZZ12345678 捐款"),
            Row(DAY, income="71.00", reference="BK070"),
        ],
    )
    assert lines["BK500"].transaction_id == by_ref.transaction_id
    assert lines["BK500"].match_kind == MatchKind.GIFT
    assert lines["OTHER1"].transaction_id == in_summary.transaction_id  # a reference matches whatever the date
    assert lines["BK070"].transaction_id is None  # the amount disagrees: left to staff
    assert wrong_amount.transaction_id is not None


def test_payout_and_voucher_matched_by_amount_and_date(chart, tmp_path):
    payout = payout_post(payout_id="po_123", amount=Decimal("960.00"), currency="CNY", at=at(DAY), sandbox=False)
    rent = post_on_bank("3000.00", DAY - timedelta(days=2), incoming=False)
    far = post_on_bank("45.00", DAY - timedelta(days=10), incoming=False)
    lines = imported(
        tmp_path,
        [
            Row(DAY, income="960.00", reference="P1"),
            Row(DAY, expense="3000.00", reference="R1"),
            Row(DAY, expense="45.00", reference="F1"),
        ],
        opening="5000.00",
    )
    assert (lines["P1"].transaction_id, lines["P1"].match_kind) == (payout.pk, MatchKind.PAYOUT)
    assert (lines["R1"].transaction_id, lines["R1"].match_kind) == (rent.pk, MatchKind.VOUCHER)
    assert lines["F1"].transaction_id is None  # ten days apart: beyond BANK_MATCH_DAYS
    assert far.pk


def test_one_transaction_matches_one_line(chart, tmp_path):
    only = post_on_bank("100.00", DAY, incoming=True)
    lines = imported(tmp_path, [Row(DAY, income="100.00", reference="A"), Row(DAY, income="100.00", reference="B")])
    matched = [line for line in lines.values() if line.transaction_id is not None]
    assert [line.transaction_id for line in matched] == [only.pk]
    other = next(line for line in lines.values() if line.transaction_id is None)
    with pytest.raises(ValidationError, match="只能匹配一条流水"):
        line_match(line=other, txn=only)
    with pytest.raises(IntegrityError), transaction.atomic():  # the database says so too
        BankLine.objects.filter(pk=other.pk).update(transaction=only, match_kind=MatchKind.MANUAL)


def test_manual_match_checks_amount_and_direction_then_unmatch(chart, tmp_path, finance):
    income = post_on_bank("100.00", DAY - timedelta(days=20), incoming=True)
    expense = post_on_bank("100.00", DAY - timedelta(days=20), incoming=False)
    lines = imported(tmp_path, [Row(DAY, income="100.00", reference="A")])
    line = lines["A"]
    assert line.transaction_id is None  # twenty days apart
    with pytest.raises(ValidationError, match="金额不一致"):
        line_match(line=line, txn=expense, user=finance)
    matched = line_match(line=line, txn=income, user=finance)
    assert (matched.transaction_id, matched.match_kind, matched.matched_by) == (income.pk, MatchKind.MANUAL, finance)
    with pytest.raises(ValidationError, match="已匹配"):
        line_match(line=line, txn=income, user=finance)
    line_unmatch(line=line, user=finance)
    line.refresh_from_db()
    assert line.transaction_id is None and line.match_kind == ""
    with pytest.raises(ValidationError, match="尚未匹配"):
        line_unmatch(line=line, user=finance)


def test_auto_match_button_after_books_catch_up(chart, tmp_path):
    lines = imported(tmp_path, [Row(DAY, income="20.00", reference="LATE1")])
    assert lines["LATE1"].transaction_id is None
    gift = bank_gift("20.00", DAY, "LATE1")
    assert lines_auto_match(account=Account.objects.get(code=BANK)) == 1
    assert BankLine.objects.get(reference="LATE1").transaction_id == gift.transaction_id


def test_matching_is_set_based(chart, tmp_path):
    for n in range(30):
        bank_gift("10.00", DAY, f"Q{n:04d}")
        post_on_bank(f"{n + 1}.00", DAY, incoming=False)
    rows = [Row(DAY, income="10.00", reference=f"Q{n:04d}") for n in range(30)]
    rows += [Row(DAY, expense=f"{n + 1}.00", reference=f"E{n}") for n in range(30)]
    lines = imported(tmp_path, rows, opening="10000.00")
    assert sum(1 for line in lines.values() if line.transaction_id is not None) == 60
    BankLine.objects.update(transaction=None, match_kind="")
    with CaptureQueriesContext(connection) as queries:
        assert lines_auto_match(account=Account.objects.get(code=BANK)) == 60
    assert len(queries) <= 12, [q["sql"][:120] for q in queries.captured_queries]


def test_disbursement_matched_by_payee(chart, tmp_path, officer, approver, finance):
    from tests.projects.disbursement_flows import enrol, paid, person

    project = ProjectFactory(code="GY-ORPHAN", name="孤儿助学")
    bank_gift("4000.00", timezone.localdate() - timedelta(days=5), "FUND1", project=project)
    first, second = person(1), person(2)
    for someone in (first, second):
        enrol(someone, project, start=date(2026, 1, 1))
    pay_first = paid(project, first, "300.00", officer=officer, approver=approver, finance=finance)
    pay_second = paid(project, second, "300.00", officer=officer, approver=approver, finance=finance)
    today = timezone.localdate()
    lines = imported(
        tmp_path,
        [
            Row(today - timedelta(days=5), income="4000.00", reference="FUND1"),
            Row(today, expense="300.00", reference="D2", name=second.name),  # named: the second person's
            Row(today, expense="300.00", reference="D1", account=f"6228{1:015d}"),  # the first one's account
        ],
    )
    assert lines["D2"].transaction_id == pay_second.transaction_id
    assert lines["D1"].transaction_id == pay_first.transaction_id
    assert lines["D1"].match_kind == MatchKind.DISBURSEMENT


def test_disbursement_with_other_payee_is_not_matched(chart, tmp_path, officer, approver, finance):
    from tests.projects.disbursement_flows import enrol, paid, person

    project = ProjectFactory(code="GY-ORPHAN", name="孤儿助学")
    bank_gift("4000.00", timezone.localdate() - timedelta(days=5), "FUND1", project=project)
    someone = person(3)
    enrol(someone, project, start=date(2026, 1, 1))
    paid(project, someone, "300.00", officer=officer, approver=approver, finance=finance)
    lines = imported(
        tmp_path,
        [
            Row(timezone.localdate() - timedelta(days=5), income="4000.00", reference="FUND1"),
            Row(timezone.localdate(), expense="300.00", reference="X", name="李四"),
        ],
    )
    assert lines["X"].transaction_id is None


def test_record_gift_from_unmatched_line(chart, tmp_path, finance):
    project = ProjectFactory(code="XT100", name="血透100")
    lines = imported(tmp_path, [Row(DAY, income="666.00", reference="NEWGIFT1", name="王五", summary="捐款")])
    line = lines["NEWGIFT1"]
    donation = line_record_gift(line=line, project=project, display_name="王先生", user=finance)
    assert isinstance(donation, Donation)
    assert donation.amount == Decimal("666.00")
    assert donation.bank_reference == "NEWGIFT1"
    assert donation.payer_name == "王五"
    assert timezone.localdate(donation.received_at) == DAY
    line.refresh_from_db()
    if donation.transaction_id is not None:  # posted now (not waiting for a second approval)
        assert (line.transaction_id, line.match_kind) == (donation.transaction_id, MatchKind.GIFT)
    with pytest.raises(ValidationError):
        line_record_gift(line=line, project=project, user=finance)
    assert Donation.objects.filter(bank_reference="NEWGIFT1").count() == 1


def test_record_gift_refuses_outgoing_line(chart, tmp_path, finance):
    lines = imported(tmp_path, [Row(DAY, expense="5.00", reference="OUT1")], opening="10.00")
    with pytest.raises(ValidationError, match="只有收入流水"):
        line_record_gift(line=lines["OUT1"], user=finance)
    assert not Donation.objects.exists()
