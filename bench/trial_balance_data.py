"""A year of an organisation's books for ``bench/trial_balance.py``: N postings through ``transactions_post_bulk``,
spread evenly over the local days of 2025 (Asia/Shanghai), in time order.

The mix over the chart (deterministic: the i-th posting of a size is always the same bar donor-commitment salts,
uuids and recording times):

- the first posting of every day (of three or more): yesterday's Stripe payout (1002 银行存款 ← 1012.STRIPE);
- the next postings of every month's first day (of seven or more): the payroll (5201.01 工资福利 ← 1002, one
  total, never per person), the rent (5201.02 房租 ← 1002), bank interest (1002 ← 4901 其他收入) and, every
  third month, a government subsidy (1002 ← 4401 政府补助收入) — vouchers' shapes (kind expense / transfer, a
  public ``purpose``);
- then by a seeded roll: 45 % online gifts (1012.STRIPE ← 4101.<fund>, one in six to 4101.U 非限定性), 30 % their
  Stripe fees (5301 ← 1012.STRIPE), 10 % bank gifts (1002 ← 4101.<fund>), 8 % disbursements (5101.<fund> ← 1002),
  3 % membership dues (1002 ← 4201), 2.5 % office costs (5201.03 办公费 ← 1002), 1.5 % publicity (5301.01
  宣传费 ← 1002).

20 restricted funds (``TB01``…``TB20``); gifts carry a salted ``donor_commitment`` as gift records do.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
YEAR = 2025  # a whole year in the past: the ledger refuses postings dated in the future
DAYS = 365
FUNDS = 20
SALARIES, RENT, OFFICE, PUBLICITY = "5201.01", "5201.02", "5201.03", "5301.01"
SUBACCOUNTS = [
    ("5201", "01", "工资福利"),
    ("5201", "02", "房租"),
    ("5201", "03", "办公费"),
    ("5301", "01", "宣传费"),
]
DONORS = ["匿名", "爱心企业(演示)", "社区居民(演示)", "某商会(演示)", "校友会(演示)", "匿名"]
REGIONS = ["张店区", "淄川区", "博山区", "广安区", "合川区"]
CATEGORIES = ["重病患者", "孤儿", "低收入家庭", "临时救助", "困境儿童"]
MONTHLY = 4  # postings at the start of each month: payroll, rent, interest, subsidy (every third month)


def fund_codes() -> list[str]:
    return [f"TB{n:02d}" for n in range(1, FUNDS + 1)]


def chart_ready() -> None:
    """The standard chart, the funds' accounts and the sub-accounts staff would add in the admin."""
    from ledger.chart import chart_ensure, fund_accounts_ensure
    from ledger.models import Account
    from ledger.services.accounts import subaccount_create

    chart_ensure()
    for n, code in enumerate(fund_codes(), start=1):
        fund_accounts_ensure(fund_code=code, fund_name=f"基准项目{n}", restricted=True)
    for parent, suffix, name in SUBACCOUNTS:
        if not Account.objects.filter(code=f"{parent}.{suffix}").exists():
            subaccount_create(parent=Account.objects.get(code=parent), suffix=suffix, name=name)


def day_of(i: int, size: int) -> int:
    """0…364: postings spread evenly over the year."""
    return i * DAYS // size


def first_of_day(d: int, size: int) -> int:
    """The index of the first posting of day ``d`` (the inverse of ``day_of``)."""
    return -(-d * size // DAYS)


def request_for(i: int, size: int, prefix: str = "tb"):
    """The i-th posting request of a year of ``size`` postings (same i and size → same request)."""
    from ledger.chart import BANK, FUNDRAISING_COST, GENERAL_INCOME, STRIPE_CLEARING, expense_code, income_code
    from ledger.merkle import SALT_SIZE, donor_commitment
    from ledger.models import TransactionKind as K
    from ledger.services import LegSpec, PostingRequest

    rng = random.Random(i * 7919 + size)
    d = day_of(i, size)
    day = date(YEAR, 1, 1) + timedelta(days=d)
    start, end = first_of_day(d, size), first_of_day(d + 1, size)
    # chronological within the day, 08:00 … 20:00 local
    when = datetime(day.year, day.month, day.day, 8, tzinfo=SHANGHAI) + timedelta(
        seconds=(i - start) * 43200 // max(1, end - start)
    )

    def post(kind, debit, credit, amount, record):
        return PostingRequest(
            kind=kind,
            occurred_at=when,
            legs=[LegSpec(debit, "D", amount), LegSpec(credit, "C", amount)],
            source=f"{prefix}:{i}",
            memo="基准数据",
            public_record=record,
        )

    def money(low: int, high: int) -> Decimal:
        return Decimal(rng.randrange(low * 100, high * 100)) / 100

    fund = rng.choice(fund_codes())
    slot = i - start
    if slot == 0 and end - start >= 3:  # yesterday's payout; a day's online gifts are ~45 % of the day's postings
        per_day = max(1, size // DAYS)
        return post(K.PAYOUT, BANK, STRIPE_CLEARING, money(1, 2) * per_day * 80,
                    {"fund": "general", "channel": "online", "processor": "stripe"})  # fmt: skip
    if day.day == 1 and slot <= MONTHLY and end - start > MONTHLY + 2:
        if slot == 1:
            return post(K.EXPENSE, SALARIES, BANK, money(180_000, 220_000), {"purpose": f"{day.month}月工资"})
        if slot == 2:
            return post(K.EXPENSE, RENT, BANK, Decimal("38000.00"), {"purpose": f"{day.month}月房租"})
        if slot == 3:
            return post(K.TRANSFER, BANK, "4901", money(800, 2_000), {"purpose": "银行利息"})
        if day.month % 3 == 1:
            return post(K.TRANSFER, BANK, "4401", Decimal("500000.00"), {"purpose": "政府补助"})
    roll = rng.random()
    gift = {"fund": fund, "donor_commitment": donor_commitment(rng.choice(DONORS), rng.randbytes(SALT_SIZE))}
    if roll < 0.45:
        income = GENERAL_INCOME if rng.random() < 1 / 6 else income_code(fund)
        if income == GENERAL_INCOME:
            gift["fund"] = "general"
        amount = Decimal(rng.choice([20, 50, 100, 200, 500, 1000])) + Decimal(rng.randrange(100)) / 100
        return post(K.DONATION, STRIPE_CLEARING, income, amount, {**gift, "channel": "online"})
    if roll < 0.75:
        return post(K.FEE, FUNDRAISING_COST, STRIPE_CLEARING, money(1, 30),
                    {"fund": "general", "channel": "online", "processor": "stripe"})  # fmt: skip
    if roll < 0.85:
        amount = Decimal(rng.choice([1000, 5000, 10000, 50000]))
        return post(K.DONATION, BANK, income_code(fund), amount, {**gift, "channel": "bank"})
    if roll < 0.93:
        count = rng.randrange(1, 20)
        return post(K.DISBURSEMENT, expense_code(fund), BANK, Decimal(count * rng.choice([500, 1000, 3000])),
                    {"fund": fund, "beneficiaries": count, "region": rng.choice(REGIONS),
                     "category": rng.choice(CATEGORIES)})  # fmt: skip
    if roll < 0.96:
        return post(K.TRANSFER, BANK, "4201", Decimal(rng.choice([200, 500, 1000])), {"purpose": "会费"})
    if roll < 0.985:
        return post(K.EXPENSE, OFFICE, BANK, money(50, 3_000), {"purpose": "办公费"})
    return post(K.EXPENSE, PUBLICITY, BANK, money(500, 20_000), {"purpose": "宣传费"})


def generate(size: int, *, batch: int = 5000, say=print) -> dict:
    """Post the year up to ``size`` (resumable: what is already there is kept). Returns stats."""
    import time

    from ledger.services import transactions_post_bulk
    from ledger.services.log_state import next_sequence

    chart_ready()
    have = next_sequence()
    if have > size:
        raise SystemExit(f"the database holds {have} transactions, more than {size}: use --fresh")
    started, posted, build_s = time.perf_counter(), 0, 0.0
    while have < size:
        end = min(size, have + batch)
        t0 = time.perf_counter()
        requests = [request_for(i, size) for i in range(have, end)]
        build_s += time.perf_counter() - t0
        transactions_post_bulk(requests)
        posted += end - have
        have = end
        if posted % (batch * 20) == 0:
            rate = posted / (time.perf_counter() - started - build_s)
            say(f"  {have:>9,} / {size:,} posted ({rate:,.0f} postings/s)")
    elapsed = time.perf_counter() - started
    if posted:
        say(f"posted {posted:,} in {elapsed:.1f} s ({posted / elapsed:,.0f} postings/s, building requests "
            f"{build_s:.1f} s of it)")  # fmt: skip
    else:
        say(f"already at {have:,} transactions")
    return {"size": have, "posted": posted, "seconds": elapsed}
