"""Data for ``bench/bank_reconcile.py``: a year (2025) of movements on 1002 银行存款 and the bank statement of them.

``books_and_statement(n, seed)`` posts, for a statement of ``n`` lines:

- 40 % bank gifts (``donations_record_offline_bulk``: real ``Donation`` rows with a 银行流水号, one ledger transaction
  each) — the statement line carries the same 流水号 (one in ten carries it in 摘要 only, under another 流水号);
- 20 % Stripe payouts (``stripe-payout:<id>``, Dr 1002 / Cr 1012.STRIPE), the bank crediting them 0–2 days later;
- 30 % payments by voucher (``voucher:<uuid>``, Dr 5201 / Cr 1002), the bank debiting them 0–2 days later;
- 10 % bank-only lines (interest, charges) that the books do not have: they stay unmatched.

Amounts are random cents (seeded), so some amounts repeat; the matcher must still pair one line with one
transaction. Returns the statement as rows of cells in the importer's column order, and the counts.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

HEADERS = ["交易日期", "摘要", "收入金额", "支出金额", "余额", "对方户名", "对方账号", "流水号"]
START = date(2025, 1, 1)
ZONE = ZoneInfo("Asia/Shanghai")
OPENING = Decimal("1000000.00")


def _at(day: date) -> datetime:
    return datetime.combine(day, time(11), tzinfo=ZONE)


def books_and_statement(n: int, seed: int = 2026) -> tuple[list[list[object]], dict[str, int]]:
    from donations.models import Channel
    from donations.services.offline import OfflineGift, donations_record_offline_bulk
    from ledger.chart import BANK, MANAGEMENT_COST, STRIPE_CLEARING, chart_ensure
    from ledger.models import TransactionKind
    from ledger.services import LegSpec, PostingRequest, transactions_post_bulk

    chart_ensure()
    rng = random.Random(seed)
    gifts, postings, lines = [], [], []  # lines: (day, signed amount, reference, summary, name, account)
    counts = {"gift": 0, "payout": 0, "voucher": 0, "bank_only": 0}
    for i in range(n):
        day = START + timedelta(days=i * 364 // max(n, 1))
        lag = timedelta(days=rng.choice((0, 0, 1, 2)))
        amount = Decimal(rng.randint(100, 5_000_000)) / 100
        roll = rng.random()
        if roll < 0.4:
            reference = f"GIFT{seed}{i:07d}"
            gifts.append(
                OfflineGift(
                    project=None,
                    channel=Channel.BANK,
                    amount=amount,
                    received_at=_at(day),
                    bank_reference=reference,
                    payer_name=f"捐赠人{i}",
                    submission_key=uuid.uuid4(),
                )
            )
            if i % 10 == 0:
                lines.append((day, amount, f"BKL{i:07d}", f"转账 {reference}", f"捐赠人{i}", f"62220202{i:011d}"))
            else:
                lines.append((day, amount, reference, "捐款", f"捐赠人{i}", f"62220202{i:011d}"))
            counts["gift"] += 1
        elif roll < 0.6:
            postings.append(
                PostingRequest(
                    kind=TransactionKind.PAYOUT,
                    occurred_at=_at(day),
                    legs=[LegSpec(BANK, "D", amount, "CNY"), LegSpec(STRIPE_CLEARING, "C", amount, "CNY")],
                    source=f"stripe-payout:po_bench_{seed}_{i}",
                    memo=f"Stripe 结算 po_bench_{i}",
                    public_record={"fund": "general", "channel": "online", "processor": "stripe"},
                )
            )
            lines.append((day + lag, amount, f"PO{i:07d}", "STRIPE PAYOUT", "Stripe Payments", ""))
            counts["payout"] += 1
        elif roll < 0.9:
            postings.append(
                PostingRequest(
                    kind=TransactionKind.EXPENSE,
                    occurred_at=_at(day),
                    legs=[LegSpec(MANAGEMENT_COST, "D", amount, "CNY"), LegSpec(BANK, "C", amount, "CNY")],
                    source=f"voucher:{uuid.uuid4()}",
                    memo="办公费",
                    public_record={"fund": "general", "summary": "办公费"},
                )
            )
            lines.append((day + lag, -amount, f"PAY{i:07d}", "付款", "某某公司", f"4100{i:012d}"))
            counts["voucher"] += 1
        else:
            small = Decimal(rng.randint(1, 9999)) / 100
            signed = small if rng.random() < 0.5 else -small
            lines.append((day, signed, f"BANK{i:07d}", "利息" if signed > 0 else "手续费", "", ""))
            counts["bank_only"] += 1
    for start in range(0, len(gifts), 10_000):
        donations_record_offline_bulk(gifts=gifts[start : start + 10_000])
    for start in range(0, len(postings), 10_000):
        transactions_post_bulk(postings[start : start + 10_000])
    lines.sort(key=lambda line: (line[0], line[2]))
    balance = OPENING
    rows = []
    for day, amount, reference, summary, name, account in lines:
        balance += amount
        income = f"{amount:.2f}" if amount > 0 else ""
        expense = f"{-amount:.2f}" if amount < 0 else ""
        rows.append([day.isoformat(), summary, income, expense, f"{balance:.2f}", name, account, reference])
    return rows, counts


def write_csv(rows: list[list[object]], path) -> None:
    import csv

    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADERS, *rows])
