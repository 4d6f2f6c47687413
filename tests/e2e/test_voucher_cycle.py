"""A voucher (记账凭证) through its whole cycle in a real browser, as finance staff run it on `make run`: 财务 drafts
the month's rent from the 房租 template, sees the running totals say whether it balances, and submits it; the maker
is offered no approval; a 审核人 approves and posts it; the voucher gets its number 记-YYYY-MM-0001, the trial
balance (科目余额表) shows the rent on 5201 管理费用 and 1002 银行存款, and the public ledger lists the posting with
its public summary only.

Setup (staff accounts and the chart) goes through services before the browser starts; what is under test happens
only through the browser.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.utils import timezone
from playwright.sync_api import Page, expect

from ledger.chart import chart_ensure
from tests.e2e.admin_helpers import chromium, field, log_in, new_tab
from tests.factories import staff_user

pytestmark = pytest.mark.e2e

RENT = Decimal("6000.00")
SUMMARY = "支付十二月办公场所房租"


@pytest.fixture
def books_url(transactional_db, django_db_serialized_rollback, live_server) -> str:
    for cache in caches.all():
        cache.clear()
    chart_ensure()
    staff_user("caiwu", "财务")
    staff_user("shenhe", "审核人")
    return live_server.url


def _line(page: Page, n: int, name: str):
    return page.locator(f"[name='lines-{n}-{name}']")


def _draft_rent(page: Page, url: str) -> None:
    page.goto(f"{url}/admin/finance/vouchers/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("记账凭证")
    page.get_by_role("link", name="房租", exact=True).click()
    field(page, "摘要(公开)").fill(SUMMARY)
    # The template prefills the accounts and sides; the maker types the amounts.
    expect(_line(page, 0, "account")).to_have_value("5201")
    expect(_line(page, 1, "account")).to_have_value("1002")
    _line(page, 0, "amount").fill(str(RENT))
    expect(page.locator("#balance-state")).to_have_text("借贷不平衡")
    _line(page, 1, "amount").fill(str(RENT))
    expect(page.locator("#balance-state")).to_have_text("借贷平衡")
    expect(page.locator("#debit-total")).to_have_text("6000.00")
    page.get_by_role("button", name="保存草稿").click()
    expect(page).to_have_url(re.compile(r"/admin/finance/vouchers/\d+/$"))
    expect(page.get_by_text("(过账时编号)")).to_be_visible()  # no number before posting: numbers stay gap-free


def test_a_voucher_drafted_by_finance_is_posted_by_an_approver_and_shows_in_the_books(books_url: str):
    month = timezone.localdate().strftime("%Y-%m")
    with chromium() as browser:
        maker = log_in(browser, books_url, "caiwu")
        _draft_rent(maker, books_url)
        maker.get_by_role("button", name="提交审核").click()
        expect(maker.get_by_text("待审核", exact=True).first).to_be_visible()
        expect(maker.get_by_role("button", name="审核通过并过账")).to_have_count(0)  # never the maker
        voucher_path = maker.url.removeprefix(books_url)

        checker = log_in(browser, books_url, "shenhe")
        checker.goto(books_url + voucher_path)
        expect(checker.get_by_role("row").filter(has_text="5201")).to_contain_text(f"{RENT:,.2f}")
        checker.get_by_role("button", name="审核通过并过账").click()
        number = f"记-{month}-0001"
        expect(checker.get_by_text(number, exact=True).first).to_be_visible()
        expect(checker.get_by_text("借贷平衡")).to_be_visible()
        expect(checker.get_by_text(re.compile(r"账本交易:#\d+"))).to_be_visible()

        # 财务 reads the books (the 审核人 group approves, it does not keep the books).
        maker.goto(f"{books_url}/admin/books/trial-balance/")
        management = maker.get_by_role("row").filter(has=maker.get_by_role("cell", name="5201", exact=True))
        expect(management).to_contain_text("管理费用")
        expect(management).to_contain_text(f"{RENT:,.2f}")
        bank = maker.get_by_role("row").filter(has=maker.get_by_role("cell", name="1002", exact=True))
        expect(bank).to_contain_text(f"{RENT:,.2f}")
        totals = maker.get_by_role("row").filter(has_text="合计")
        cells = totals.last.locator("th").all_inner_texts()
        assert cells[3] == cells[4], f"this period's debits and credits differ: {cells}"

        reader = new_tab(browser)
        reader.goto(f"{books_url}/transparency/")
        entries = reader.get_by_role("region", name="账本记录")
        expect(entries).to_contain_text(SUMMARY)
        html = reader.content()
        assert "caiwu" not in html and "shenhe" not in html  # who made and approved it is not public
