"""A reader on a phone (390 px wide) browses the public ledger with the keyboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.keyboard import tab_to

pytestmark = pytest.mark.e2e

MAX_ARROWS = 80


def test_the_ledger_table_scrolls_in_its_region_not_the_page(page: Page, demo_url: str):
    page.goto(demo_url + "/transparency/")
    expect(page.get_by_role("heading", level=1)).to_have_text("公开账本")

    region = page.get_by_role("region", name="账本记录")
    expect(region).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    width, inner = region.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert width > inner, "on a phone the entries table is wider than the screen"
    # The 64 hex digits of the root hash wrap instead of widening the page.
    root = page.locator(".ledger-sth code.hash").first
    assert root.bounding_box()["width"] <= 390

    tab_to(page, ".table-scroll[aria-labelledby='entries-heading']")
    assert region.evaluate("el => getComputedStyle(el).outlineStyle") != "none", "focus is visible"
    proof = region.get_by_role("link", name="证明").first
    expect(proof).not_to_be_in_viewport()
    for _ in range(MAX_ARROWS):
        page.keyboard.press("ArrowRight")
        if region.evaluate("el => el.scrollLeft + el.clientWidth >= el.scrollWidth - 1"):
            break

    assert region.evaluate("el => el.scrollLeft") > 0
    expect(proof).to_be_in_viewport()
    assert page.evaluate("window.scrollX") == 0, "only the table moved, not the page"
