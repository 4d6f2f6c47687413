"""Racing approvals on PostgreSQL: the voucher's row lock, not luck, makes two approvals of one voucher post once,
and the month's counter row keeps two vouchers posting at once from sharing or skipping a number. Each thread has
its own connection and real commits (``transaction=True``); on SQLite these tests are deselected, not passed."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from finance.models import Voucher
from finance.services import VoucherError, voucher_approve, voucher_submit
from ledger.models import Transaction
from tests.concurrency import race as shared_race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(*calls: Callable[[], object]) -> list[str]:
    return shared_race(*calls, refusal=VoucherError)


def test_two_approvals_of_one_voucher_post_it_once(make_voucher, finance, approver, approver2):
    voucher = voucher_submit(voucher=make_voucher(), user=finance)

    outcomes = race(
        lambda: voucher_approve(voucher=voucher, user=approver),
        lambda: voucher_approve(voucher=voucher, user=approver2),
    )

    assert sorted(outcomes) == ["ok", "已过账,无需重复审核。"], outcomes
    voucher.refresh_from_db()
    assert voucher.status == "posted" and voucher.approvals.count() == 1
    assert Transaction.objects.filter(source=f"voucher:{voucher.public_id}").count() == 1


def test_two_vouchers_of_one_month_posting_at_once_take_consecutive_numbers(make_voucher, finance, approver, approver2):
    first = voucher_submit(voucher=make_voucher(), user=finance)
    second = voucher_submit(voucher=make_voucher(), user=finance)

    outcomes = race(
        lambda: voucher_approve(voucher=first, user=approver),
        lambda: voucher_approve(voucher=second, user=approver2),
    )

    assert outcomes == ["ok", "ok"]
    assert sorted(Voucher.objects.values_list("number", flat=True)) == ["记-2026-12-0001", "记-2026-12-0002"]
