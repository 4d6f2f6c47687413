"""Vouchers start from the standard chart (ledger.chart) and a balanced two-line draft."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from finance.services import VoucherDraft, VoucherLineDraft, voucher_create
from ledger.chart import chart_ensure


@pytest.fixture
def chart(db):
    return chart_ensure()


def rent_draft(amount: str = "3000.00", *, day: date | None = None, summary: str = "支付12月房租") -> VoucherDraft:
    value = Decimal(amount)
    return VoucherDraft(
        voucher_date=day or date(2026, 12, 1),
        summary=summary,
        lines=[
            VoucherLineDraft(account="5201", side="D", amount=value, summary="办公场所房租"),
            VoucherLineDraft(account="1002", side="C", amount=value, summary="银行支付房租"),
        ],
    )


@pytest.fixture
def make_voucher(chart, finance):
    def make(amount: str = "3000.00", **kwargs):
        return voucher_create(draft=rent_draft(amount, **kwargs), user=finance)

    return make
