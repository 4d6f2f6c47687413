"""Demo gifts and grants, posted through the ledger exactly as real ones will be (idempotent by source).

Amounts are demo figures shaped by the seed reports: 福彩圆梦·孤儿助学 raised the 94.5万元 it pays 126 students
(7,500 元 each), 慈心红包 went to 181 children (近10万元). Donors appear on the wall by display name or 匿名; the
ledger records commit to the name (``donor_commitment``), as real gifts' records do.

Two kinds of grant: 福彩圆梦·孤儿助学 and 血透100 pay real ``Disbursement`` rows through the services
(``charity.demo.beneficiaries``), so they have no grants here — posting both would count their spending twice.
The other programmes keep summary grants that carry only counts, region (区县) and category, never a name.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from donations.models import Donation, DonationStatus
from donations.services.donor_names import commitment_new
from donations.services.receipts import receipt_serial_assign
from ledger.chart import BANK
from ledger.models import Transaction, TransactionKind
from ledger.selectors import latest_tree_head
from ledger.services import LegSpec, PostingRequest, transactions_post_bulk, tree_head_publish
from ledger.services.log_state import next_sequence
from projects.models import Project
from projects.services import project_fund_accounts

SHANGHAI = ZoneInfo("Asia/Shanghai")

# (code, [(date, donor display name, channel, amount)], [(date, beneficiaries, region, category, amount)])
GIFTS_AND_GRANTS = {
    "XT100": (
        [("2022-03-08", "淄博某商会(演示)", "bank", "200000.00"), ("2022-04-12", "匿名", "bank", "50000.00"),
         ("2022-06-01", "爱心企业(演示)", "bank", "118500.00")],
        [],  # paid as disbursements to the hospital (charity.demo.beneficiaries)
    ),
    "GEZX": (
        [("2025-08-20", "福彩公益金(演示)", "bank", "945000.00")],
        [],  # paid as the batch 2025年秋季学期孤儿助学金 (charity.demo.beneficiaries)
    ),
    "AXFM": (
        [("2022-05-06", "匿名", "cash", "6000.00"), ("2022-05-09", "眼科医院职工(演示)", "bank", "80000.00")],
        [("2022-05-20", 10, "博山区", "低收入家庭", "30000.00")],
    ),
    "LSJZ": (
        [("2022-01-15", "匿名", "bank", "100000.00"), ("2022-02-20", "社区居民(演示)", "cash", "52000.00")],
        [("2022-06-30", 30, "合川区", "临时救助", "60000.00")],
    ),
    "CXHB": (
        [("2022-01-05", "爱心企业(演示)", "bank", "99550.00")],
        [("2022-01-25", 181, "张店区", "困境儿童", "99550.00")],
    ),
}


def _at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=10, tzinfo=SHANGHAI)


def post_demo_books() -> int:
    """Post the demo gifts and grants that are missing. Returns the number of transactions posted by this call."""
    before = next_sequence()
    requests, openings = [], {}
    for code, (gifts, grants) in GIFTS_AND_GRANTS.items():
        project = Project.objects.filter(code=code).first()
        if project is None:
            continue
        accounts = project_fund_accounts(project=project)
        requests += [_gift(code, accounts.income.code, n, *gift, openings) for n, gift in enumerate(gifts, start=1)]
        requests += [_grant(code, accounts.expense.code, n, *grant) for n, grant in enumerate(grants, start=1)]
    transactions = transactions_post_bulk(requests)
    gifts = [(r, t) for r, t in zip(requests, transactions, strict=True) if ":gift:" in r.source]
    _record_demo_gifts(gifts, openings)
    return next_sequence() - before


def publish_if_grown() -> None:
    """A signed tree head over everything the demo posted (gifts, grants and paid disbursements)."""
    head = latest_tree_head()
    if head is None or head.tree_size != next_sequence():
        tree_head_publish()


def _record_demo_gifts(gifts: list[tuple[PostingRequest, Transaction]], openings: dict[str, tuple[str, str]]) -> None:
    """Each demo gift also gets its Donation row (linked to the transaction already posted, as an import of
    historic records would), so donor walls and receipts have something to show."""
    for request, posted in gifts:
        if Donation.objects.filter(transaction=posted).exists():
            continue
        record = request.public_record
        donor, salt = openings[request.source]
        if record["donor_commitment"] not in posted.record:  # posted earlier, with another salt: can't be opened
            salt = ""
        donation = Donation(
            project=Project.objects.get(code=record["fund"]),
            channel=record["channel"],
            status=DonationStatus.SUCCEEDED,
            requested_amount=request.legs[0].amount,
            amount=request.legs[0].amount,
            display_name="" if donor == "匿名" else donor,
            is_anonymous=donor == "匿名",
            name_committed=donor if salt else "",
            name_salt=salt,
            bank_reference=request.source.upper() if record["channel"] == "bank" else None,
            received_at=request.occurred_at,
            transaction=posted,
        )
        receipt_serial_assign(donation)
        donation.save()


def _gift(code, income_account, n, day, donor, channel, amount, openings) -> PostingRequest:
    source = f"demo:{code}:gift:{n}"
    salt, commitment = commitment_new(donor)
    openings[source] = (donor, salt)
    return PostingRequest(
        kind=TransactionKind.DONATION,
        occurred_at=_at(day),
        legs=[LegSpec(BANK, "D", Decimal(amount)), LegSpec(income_account, "C", Decimal(amount))],
        source=source,
        memo="演示数据",
        public_record={"fund": code, "donor_commitment": commitment, "channel": channel, "demo": True},
    )


def _grant(code, expense_account, n, day, beneficiaries, region, category, amount) -> PostingRequest:
    return PostingRequest(
        kind=TransactionKind.DISBURSEMENT,
        occurred_at=_at(day),
        legs=[LegSpec(expense_account, "D", Decimal(amount)), LegSpec(BANK, "C", Decimal(amount))],
        source=f"demo:{code}:grant:{n}",
        memo="演示数据",
        public_record={
            "fund": code, "beneficiaries": beneficiaries, "region": region, "category": category, "demo": True,
        },
    )
