"""The demo organisation's own books (charity.demo.organisation_books): a year of vouchers made by 财务 and approved
by 审核人, an unrestricted 慈善一日捐, and the sandbox's processor fees and payout."""

import json
from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Q
from django.utils import timezone

from charity.demo import organisation_books as books
from charity.demo.beneficiaries import DEMO_STAFF
from charity.demo.loader import load_demo
from charity.demo.processor import ONLINE_GIFTS, PAYOUT_ID
from donations.models import Donation, DonationStatus
from donations.selectors import stripe_clearing_balances
from donations.services.ledger_postings import payout_source
from finance.models import Voucher, VoucherApproval, VoucherStatus
from ledger.models import Transaction
from ledger.privacy import check_public_details
from ledger.selectors.books import trial_balance
from ledger.services.log_state import next_sequence
from ledger.services.verification import ledger_verify

pytestmark = pytest.mark.django_db


def demo_vouchers():
    return Voucher.objects.filter(notes__startswith=books.KEY_PREFIX)


def year_rows():
    year, months = books.demo_year()
    report = trial_balance(date_from=date(year, 1, 1), date_to=date(year, 12, 31))
    return report, {row.code: row for row in report.rows}


def test_load_demo_twice_adds_nothing_to_the_ledger():
    load_demo()
    sequence, vouchers, gifts = next_sequence(), demo_vouchers().count(), Donation.objects.count()
    assert vouchers > 0
    load_demo()
    assert (next_sequence(), demo_vouchers().count(), Donation.objects.count()) == (sequence, vouchers, gifts)


def test_every_entry_of_the_ended_months_is_posted_once(demo_site):
    year, months = books.demo_year()
    entries = books.demo_entries(year, months)
    assert sorted(demo_vouchers().values_list("notes", flat=True)) == sorted(e.key for e in entries)
    assert {v.status for v in demo_vouchers()} == {VoucherStatus.POSTED}
    last_day = max(e.day for e in entries)
    assert last_day.month == months[-1] and last_day <= timezone.localdate()


def test_vouchers_are_made_by_finance_and_approved_by_someone_else(demo_site):
    users = {u.username: u.pk for u in get_user_model().objects.filter(username__in=[s[0] for s in DEMO_STAFF])}
    approvals = defaultdict(set)
    for voucher_id, approver in VoucherApproval.objects.values_list("voucher_id", "approver_id"):
        approvals[voucher_id].add(approver)
    for voucher in demo_vouchers():
        assert voucher.created_by_id == voucher.submitted_by_id == users["caiwu"]
        assert approvals[voucher.pk] and voucher.created_by_id not in approvals[voucher.pk]
        assert len(approvals[voucher.pk]) == voucher.required_approvals
    subsidy = demo_vouchers().get(template="subsidy")
    assert approvals[subsidy.pk] == {users["shenhe"], users["shenhe2"]}  # ¥200,000: above the dual-approval amount


def test_voucher_numbers_are_gap_free_per_month_in_date_order(demo_site):
    by_month = defaultdict(list)
    for voucher in Voucher.objects.filter(status__in=[VoucherStatus.POSTED, VoucherStatus.REVERSED]).order_by("number"):
        by_month[voucher.number[:-5]].append(voucher)
    assert by_month
    for prefix, vouchers in by_month.items():
        assert [v.number for v in vouchers] == [f"{prefix}-{n:04d}" for n in range(1, len(vouchers) + 1)]
        days = [v.voucher_date for v in vouchers]
        assert days == sorted(days) and prefix == f"记-{days[0]:%Y-%m}"


def test_the_trial_balance_balances_and_the_ledger_verifies(demo_site):
    report, _rows = year_rows()
    assert report.totals.balanced and report.totals.debit > 0
    everything = trial_balance(date_from=date(2000, 1, 1), date_to=timezone.localdate())
    assert everything.totals.balanced
    assert ledger_verify().ok
    call_command("verify_ledger")  # raises CommandError on any problem


def test_the_year_has_management_costs_income_and_assets(demo_site):
    year, months = books.demo_year()
    _report, rows = year_rows()
    ended = len(months)
    assert rows["5201"].debit > 0 and rows["5201"].credit == 0
    assert rows["5201.03"].debit == books.MONTHLY_RENT * ended
    assert rows["5201.01"].debit >= books.MONTHLY_SALARIES * ended  # plus the performance part
    assert rows["5301.02"].debit > 0  # 宣传推广费 beside the processor fees on 5301 itself
    if books.SUBSIDY_MONTH in months:
        assert rows["4401"].credit == books.SUBSIDY_AMOUNT
    if books.DUES_MONTH in months:
        assert rows["4201"].credit == books.DUES_AMOUNT
    if books.ASSET_MONTH in months:
        assert rows["1501"].closing == books.ASSET_COST
        assert -rows["1502"].closing == Decimal("1000.00") * len([m for m in months if m > books.ASSET_MONTH])
    # 应付工资: every month's salaries are paid the next month, so only the last month's stay owed.
    assert -rows["2204"].closing == books.demo_entries(year, months)[-1].lines[0].amount
    assert rows["1002"].closing > 0


def test_the_one_day_gift_is_unrestricted_recorded_and_confirmed_by_two_people(demo_site):
    year, months = books.demo_year()
    if books.ONE_DAY_GIFT_MONTH not in months:
        pytest.skip("the gift's month has not ended in this demo year")
    gift = Donation.objects.get(idempotency_key=books.one_day_gift_key(year))
    assert gift.project_id is None and gift.status == DonationStatus.SUCCEEDED
    assert gift.recorded_by.username == "caiwu"
    assert {leg.account.code for leg in gift.transaction.legs.select_related("account")} == {"1002", "4101.U"}


def test_stripe_clearing_keeps_a_small_balance_after_the_payout(demo_site):
    assert Transaction.objects.filter(source=payout_source(PAYOUT_ID)).exists()
    assert Transaction.objects.filter(source__startswith="stripe-fee:").count() == len(ONLINE_GIFTS) + 1
    balance = stripe_clearing_balances().get("CNY", Decimal("0"))
    assert Decimal("0") < balance < Decimal("66.00")  # the gift after the payout, less its fee


def test_no_personal_data_in_the_vouchers_public_records(demo_site):
    people = get_user_model().objects.filter(username__in=[s[0] for s in DEMO_STAFF])
    names = {n for u in people for n in (u.username, u.last_name, u.email)}
    gifts = Donation.objects.filter(idempotency_key=books.one_day_gift_key(books.demo_year()[0]))
    records = Transaction.objects.filter(Q(source__startswith="voucher:") | Q(pk__in=gifts.values("transaction")))
    assert records.filter(source__startswith="voucher:").count() == demo_vouchers().count() > 0
    for record in records.values_list("record", flat=True):
        check_public_details(record)  # the privacy guard: raises on a phone, ID or account number
        text = json.dumps(record, ensure_ascii=False)
        assert not any(name in text for name in names if name)
        assert "县直机关单位" not in text  # the one-day gift's donor is a commitment, not a name


def test_demo_year_uses_only_ended_months():
    assert books.demo_year(date(2026, 12, 6)) == (2026, list(range(1, 12)))
    assert books.demo_year(date(2026, 3, 31)) == (2026, [1, 2])
    assert books.demo_year(date(2027, 1, 15)) == (2026, list(range(1, 13)))  # January: last year, whole


def test_demo_figures_come_from_a_fixed_seed():
    first = books.demo_entries(2026, list(range(1, 12)))
    assert first == books.demo_entries(2026, list(range(1, 12)))
    whole = books.demo_entries(2026, list(range(1, 13)))
    assert whole[: len(first)] != [] and {e.key for e in first} <= {e.key for e in whole}
    # an entry's figure does not depend on how many months have ended
    amounts = {e.key: e.lines[0].amount for e in whole}
    assert all(amounts[e.key] == e.lines[0].amount for e in first)
    for entry in whole:
        debit = sum(line.amount for line in entry.lines if line.side == "D")
        assert debit == sum(line.amount for line in entry.lines if line.side == "C") > 0
        assert all(line.amount == line.amount.quantize(Decimal("0.01")) for line in entry.lines)


def test_no_organisation_books_under_production_settings(settings):
    settings.SETTINGS_MODULE = "charity.settings.production"
    load_demo()
    assert not demo_vouchers().exists()


def test_the_demo_bank_statement_reconciles_with_a_payment_in_transit_and_a_bank_charge(demo_site):
    """The statement of the demo year's last ended month matches every posting on 1002 but the month's last
    payment, which the bank books next month, and carries a bank charge the books lack: the 调节表 lists exactly
    those two and says the adjusted balances agree."""
    from finance.models import BankLine, BankStatement
    from finance.selectors.bank import reconciliation
    from ledger.models import Account

    year, months = books.demo_year()
    statement = BankStatement.objects.get()
    assert (statement.period_start.year, statement.period_start.month) == (year, months[-1])
    lines = BankLine.objects.filter(statement=statement)
    unmatched = list(lines.filter(transaction__isnull=True))
    assert [(line.summary, line.expense) for line in unmatched] == [("账户管理费", books.BANK_CHARGE)]
    assert lines.filter(transaction__isnull=False).count() == statement.line_count - 1

    report = reconciliation(account=Account.objects.get(code="1002"), year=year, month=months[-1])
    assert report.has_statement and report.agrees and report.verdict == "调节后余额一致。"
    assert [item.amount for item in report.bank_paid] == [books.BANK_CHARGE]
    assert len(report.book_paid) == 1 and not report.book_received and not report.bank_received
    assert report.bank_balance == report.book_balance + report.book_paid_total - books.BANK_CHARGE
    load_demo()
    assert BankStatement.objects.count() == 1  # once per month


def test_the_demo_closes_a_project_into_another_and_the_books_through_last_year(demo_site):
    """爱心复明 ended with money left: its leftover went to 临时救助 by a decision 财务 proposed and a 审核人 approved;
    and the books are closed, month by month, through last December, with each year's closing posted."""
    from ledger.models import Period, PeriodStatus, TransactionKind
    from ledger.services import LegSpec, PostingError, transaction_post
    from projects.models import ClosureStatus, Project, ProjectClosure
    from projects.selectors import project_funding_many

    closure = ProjectClosure.objects.get(project__code=books.CLOSED_PROJECT)
    assert closure.status == ClosureStatus.POSTED and closure.target.code == books.LEFTOVER_TARGET
    assert closure.proposed_by.username == "caiwu" and closure.decided_by.username == "shenhe"
    given, taken = Project.objects.get(code="AXFM"), Project.objects.get(code="LSJZ")
    funding = project_funding_many([given, taken])
    moved = closure.transaction.legs.first().amount
    assert funding[given.pk].available == 0 and funding[given.pk].transferred == -moved
    assert funding[taken.pk].transferred == moved > 0

    year, _months = books.demo_year()
    closed = Period.objects.filter(status=PeriodStatus.CLOSED).order_by("month")
    assert closed.last().month == date(year - 1, 12, 1)
    closings = Transaction.objects.filter(kind=TransactionKind.CLOSING)
    # a year-end closing for each closed year that had income or expenses (the demo has none in 2023 and 2024)
    assert {t.source.split(":")[1] for t in closings} == {"2022", str(year - 1)}
    report, rows = year_rows()
    assert report.totals.debit == report.totals.credit
    with pytest.raises(PostingError, match="已结账"):
        transaction_post(
            kind=TransactionKind.EXPENSE,
            occurred_at=timezone.make_aware(timezone.datetime(year - 1, 6, 1, 10)),
            legs=[LegSpec("5201.02", "D", Decimal("1.00")), LegSpec("1002", "C", Decimal("1.00"))],
            source="test:closed-month",
        )
    assert ledger_verify().ok
