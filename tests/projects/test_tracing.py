"""Fund tracing (善款去向), first in, first out: a fund's gifts in order received lie end to end, its paid
disbursements in order paid lie end to end, and a gift paid for what overlaps its interval. Allocations below are
worked out by hand; a refund, a reversed gift or a reversed disbursement re-allocates at once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from donations.models import Channel
from donations.selectors import gift_tracing
from donations.services import OfflineGift, donation_record_offline, donation_record_refund, donation_reverse
from projects.selectors.disbursements import fund_paid_total
from projects.services import disbursement_reverse
from tests.factories import ProjectFactory
from tests.projects.conftest import give
from tests.projects.disbursement_flows import paid, person

pytestmark = pytest.mark.django_db


def shares(donation) -> list[tuple[str, Decimal]]:
    """(beneficiary as the public sees them, share) in order paid."""
    return [(t.disbursement.beneficiary, t.share) for t in gift_tracing(donation).traced]


@pytest.fixture
def fund(db, officer, approver, finance):
    """Gifts A ¥1,000 then B ¥1,500; disbursements paid in order to 张一 ¥600, 张二 ¥700, 张三 ¥500.

    gifts:         A [0, 1000)           B [1000, 2500)
    disbursements: 张一 [0, 600)  张二 [600, 1300)  张三 [1300, 1800)
    """
    project = ProjectFactory(code="XT100", name="血透100")
    a = give(project, "1000.00", finance_user=finance, days_ago=20, name="甲")
    b = give(project, "1500.00", finance_user=finance, days_ago=10, name="乙")
    people = [person(n, name=name) for n, name in ((1, "张一"), (2, "张二"), (3, "张三"))]
    paid_ones = [
        paid(project, p, amount, officer=officer, approver=approver, finance=finance)
        for p, amount in zip(people, ("600.00", "700.00", "500.00"), strict=True)
    ]
    return project, a, b, paid_ones


def test_first_in_first_out(fund):
    _, a, b, _ = fund
    assert shares(a) == [("张*", Decimal("600.00")), ("张*", Decimal("400.00"))]
    tracing_a, tracing_b = gift_tracing(a), gift_tracing(b)
    assert [t.disbursement.amount for t in tracing_a.traced] == [Decimal("600.00"), Decimal("700.00")]
    assert (tracing_a.kept, tracing_a.spent, tracing_a.unspent) == (Decimal("1000.00"), Decimal("1000.00"), 0)
    assert [(t.disbursement.amount, t.share) for t in tracing_b.traced] == [
        (Decimal("700.00"), Decimal("300.00")),
        (Decimal("500.00"), Decimal("500.00")),
    ]
    assert (tracing_b.spent, tracing_b.unspent) == (Decimal("800.00"), Decimal("700.00"))


def test_traced_disbursements_show_only_public_facts(fund):
    _, a, _, paid_ones = fund
    first = gift_tracing(a).traced[0].disbursement
    assert first.public_id == str(paid_ones[0].public_id)
    assert (first.project_code, first.category, first.region, first.purpose) == (
        "XT100",
        "孤儿",
        "广安区",  # 血透100 is medical aid: its 公示 and 善款去向 stop at the 区县, as its records do
        "助学金",
    )
    assert "和平社区" not in repr(first) and "张一" not in repr(first)


def test_a_partial_refund_of_the_first_gift_shifts_the_shares(fund):
    """A keeps ¥700 → A [0, 700): 张一 600, 张二 100; B [700, 2200): 张二 600, 张三 500."""
    _, a, b, _ = fund
    donation_record_refund(donation=a, refunded_total=Decimal("300.00"), key="refund-a-1", at=timezone.now())
    a.refresh_from_db()
    tracing_a = gift_tracing(a)
    assert tracing_a.kept == Decimal("700.00")
    assert [t.share for t in tracing_a.traced] == [Decimal("600.00"), Decimal("100.00")]
    tracing_b = gift_tracing(b)
    assert [t.share for t in tracing_b.traced] == [Decimal("600.00"), Decimal("500.00")]
    assert tracing_b.unspent == Decimal("400.00")


def test_reversing_a_disbursement_re_allocates(fund, finance):
    """Without 张二: 张一 [0, 600), 张三 [600, 1100) → A: 张一 600, 张三 400; B: 张三 100."""
    _, a, b, paid_ones = fund
    disbursement_reverse(disbursement=paid_ones[1], user=finance, reason="银行退票")
    assert [(t.disbursement.public_id, t.share) for t in gift_tracing(a).traced] == [
        (str(paid_ones[0].public_id), Decimal("600.00")),
        (str(paid_ones[2].public_id), Decimal("400.00")),
    ]
    assert [t.share for t in gift_tracing(b).traced] == [Decimal("100.00")]
    assert gift_tracing(b).unspent == Decimal("1400.00")


def test_a_reversed_gift_traces_nothing_and_the_next_moves_up(fund):
    """Without A, B [0, 1500) paid for everything: 张一 600, 张二 700, 张三 500 (¥1,800 paid, ¥1,500 raised:
    the fund was overspent by the correction, and B's shares stop at its own amount)."""
    _, a, b, _ = fund
    donation_reverse(donation=a, reason="重复登记")
    a.refresh_from_db()
    assert gift_tracing(a) is None
    assert [t.share for t in gift_tracing(b).traced] == [Decimal("600.00"), Decimal("700.00"), Decimal("200.00")]


def test_a_general_fund_gift_is_not_traced(finance):
    general = donation_record_offline(
        gift=OfflineGift(
            project=None,
            channel=Channel.CASH,
            amount=Decimal("100.00"),
            received_at=timezone.now() - timedelta(days=1),
        ),
        recorded_by=finance,
    )
    assert general.status == "succeeded"
    assert gift_tracing(general) is None


def test_a_gift_before_any_spending_traces_nothing(finance):
    gift = give(ProjectFactory(), "500.00", finance_user=finance)
    tracing = gift_tracing(gift)
    assert (tracing.traced, tracing.spent, tracing.unspent) == ([], 0, Decimal("500.00"))


@pytest.mark.parametrize("refund_first", [False, True])
def test_shares_stay_within_each_gift_and_add_up_to_what_was_paid(refund_first, officer, approver, finance):
    """Many gifts and payments (odd amounts, payments split across gifts, one gift refunded in full, one in part,
    one disbursement reversed): no gift pays more than it kept, and together they paid exactly the fund's total."""
    project = ProjectFactory(code="MANY")
    gifts = [
        give(project, amount, finance_user=finance, days_ago=30 - n, name=f"捐赠人{n}")
        for n, amount in enumerate(("333.33", "1000.00", "0.01", "250.50", "4000.00", "99.99"))
    ]
    if refund_first:
        donation_record_refund(donation=gifts[1], refunded_total=Decimal("1000.00"), key="full", at=timezone.now())
        donation_record_refund(donation=gifts[4], refunded_total=Decimal("1234.56"), key="part", at=timezone.now())
    people = [person(n) for n in range(1, 5)]
    done = [
        paid(project, people[n % 4], amount, officer=officer, approver=approver, finance=finance)
        for n, amount in enumerate(("120.00", "777.77", "0.50", "1500.00", "12.34", "400.00"))
    ]
    disbursement_reverse(disbursement=done[3], user=finance, reason="银行退票")
    total_shares = Decimal("0")
    for gift in gifts:
        gift.refresh_from_db()
        tracing = gift_tracing(gift)
        if tracing is None:
            continue
        assert all(t.share > 0 for t in tracing.traced)
        assert all(t.share <= t.disbursement.amount for t in tracing.traced)
        assert tracing.spent <= tracing.kept
        total_shares += tracing.spent
    assert fund_paid_total(project) == Decimal("1310.61")
    assert total_shares == fund_paid_total(project)


def test_cents_add_up_exactly(officer, approver, finance):
    """A ¥0.30 then B ¥100; payments ¥0.10, ¥0.20, ¥0.30 → A: 0.10 and 0.20; B: 0.30 only. Summed in binary
    floating point (SQLite's window sum) 0.10 + 0.20 is 0.30000000000000004, which would leave A short and give B
    a sliver of the second payment."""
    project = ProjectFactory(code="CENTS")
    a = give(project, "0.30", finance_user=finance, days_ago=2, name="甲")
    b = give(project, "100.00", finance_user=finance, days_ago=1, name="乙")
    someone = person(1)
    for amount in ("0.10", "0.20", "0.30"):
        paid(project, someone, amount, officer=officer, approver=approver, finance=finance)
    assert [t.share for t in gift_tracing(a).traced] == [Decimal("0.10"), Decimal("0.20")]
    assert [t.share for t in gift_tracing(b).traced] == [Decimal("0.30")]
    assert gift_tracing(b).unspent == Decimal("99.70")


def test_where_a_gift_starts_is_summed_to_the_fen(officer, approver, finance):
    """Gifts ¥0.10 and ¥0.20 come before C ¥100.00, so C starts at exactly 0.30 of the fund: the ¥0.30 payment is
    theirs and C paid exactly ¥0.50 of the next one (no sliver of the first, no float residue)."""
    project = ProjectFactory(code="FEN")
    give(project, "0.10", finance_user=finance, days_ago=3, name="甲")
    give(project, "0.20", finance_user=finance, days_ago=2, name="乙")
    c = give(project, "100.00", finance_user=finance, days_ago=1, name="丙")
    someone = person(1)
    for amount in ("0.30", "0.50"):
        paid(project, someone, amount, officer=officer, approver=approver, finance=finance)
    assert [t.share for t in gift_tracing(c).traced] == [Decimal("0.50")]
    assert gift_tracing(c).unspent == Decimal("99.50")


def test_the_public_payment_date_is_the_charitys_calendar_day(officer, approver, finance, monkeypatch):
    """Paid at 20:30 UTC is 04:30 the next morning in Shanghai (TIME_ZONE): the real payment date, the ledger's
    effective date and the 公示 all show the local day."""
    from datetime import UTC, date, datetime, timedelta

    from django.utils import timezone

    from ledger.models import Transaction
    from projects.models import Disbursement
    from projects.selectors.disbursements import project_disbursements_public
    from projects.services import disbursement_pay
    from tests.projects.disbursement_flows import approved

    project = ProjectFactory(code="TZ")
    give(project, "1000.00", finance_user=finance)
    grant = approved(project, person(1), "100.00", officer=officer, approver=approver)
    moment = datetime(2026, 11, 22, 20, 30, tzinfo=UTC)
    Disbursement.objects.filter(pk=grant.pk).update(approved_at=moment - timedelta(hours=1))
    grant.refresh_from_db()
    monkeypatch.setattr(timezone, "now", lambda: moment)
    payment = disbursement_pay(disbursement=grant, user=finance)
    assert payment.paid_on == date(2026, 11, 23)
    assert Transaction.objects.get(pk=payment.transaction_id).occurred_at == moment
    assert [d.paid_on for d in project_disbursements_public(project)] == [date(2026, 11, 23)]