"""Helpers for the 银行对账 tests: statement rows, files, the import runner, and postings on 1002."""

from __future__ import annotations

import csv
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

from bulk.engine import import_run
from bulk.files import table_read
from bulk.importers.bank_statements import BankStatementImporter
from ledger.chart import BANK
from ledger.models import TransactionKind
from ledger.services import LegSpec, transaction_post

HEADERS = ["交易日期", "摘要", "收入金额", "支出金额", "余额", "对方户名", "对方账号", "流水号"]


@dataclass
class Row:
    day: date
    income: str = ""
    expense: str = ""
    reference: str = ""
    summary: str = ""
    name: str = ""
    account: str = ""
    balance: str | None = None  # computed when None


def rows_with_balances(rows: list[Row], opening: str = "0.00") -> list[list[object]]:
    """The rows as cells in HEADERS order, each 余额 the running balance unless the row gives one."""
    balance = Decimal(opening)
    cells = []
    for n, row in enumerate(rows, start=1):
        balance += Decimal(row.income or "0") - Decimal(row.expense or "0")
        shown = row.balance if row.balance is not None else f"{balance:.2f}"
        reference = row.reference or f"BK{row.day:%Y%m%d}{n:05d}"
        cells.append(
            [row.day.isoformat(), row.summary, row.income, row.expense, shown, row.name, row.account, reference]
        )
    return cells


def write_statement(tmp_path: Path, rows: list[Row], *, opening: str = "0.00", name: str = "statement.csv") -> Path:
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADERS, *rows_with_balances(rows, opening)])
    return path


def run(path: Path, *, user=None, dry_run: bool = False):
    return import_run(BankStatementImporter(user=user), table_read(path), dry_run=dry_run)


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_default_timezone())


def post_on_bank(amount: str, day: date, *, incoming: bool, source: str | None = None, other: str = "5201"):
    """A posting on 1002 (as a posted voucher: source ``voucher:<uuid>``)."""
    value = Decimal(amount)
    legs = [LegSpec(BANK, "D", value, "CNY"), LegSpec(other if other != "5201" else "4901", "C", value, "CNY")]
    if not incoming:
        legs = [LegSpec(other, "D", value, "CNY"), LegSpec(BANK, "C", value, "CNY")]
    return transaction_post(
        kind=TransactionKind.EXPENSE if not incoming else TransactionKind.TRANSFER,
        occurred_at=at(day),
        legs=legs,
        source=source or f"voucher:{uuid.uuid4()}",
        memo="测试凭证",
        public_record={"fund": "general", "summary": "测试"},
    )


def bank_gift(amount: str, day: date, reference: str, *, project=None, user=None):
    from donations.models import Channel
    from donations.services import OfflineGift, donation_record_offline

    return donation_record_offline(
        gift=OfflineGift(
            project=project,
            channel=Channel.BANK,
            amount=Decimal(amount),
            received_at=at(day),
            bank_reference=reference,
            payer_name="张三",
        ),
        recorded_by=user,
    )
