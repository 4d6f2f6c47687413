"""A donor browses the demo site in a real browser: home page → project card → project page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from charity.demo import content
from charity.demo.organisation_books import CLOSED_PROJECT
from projects.models import Status

pytestmark = pytest.mark.e2e

# The home page features the projects a donor can still give to or follow.
FEATURED_STATUSES = {Status.FUNDRAISING, Status.IMPLEMENTING}
# 爱心复明 is listed as fundraising in the content, but the demo's books close it (结项, its leftover transferred).
OPEN = [p for p in content.PROJECTS if p["status"] in FEATURED_STATUSES and p["code"] != CLOSED_PROJECT]
FEATURED = sorted(OPEN, key=lambda p: p["code"])[:6]
MAX_TABS = 40


def _card_links(page: Page):
    return page.locator(".cards .card__title a")


def _expect_project_page(page: Page, *, slug: str, name: str) -> None:
    expect(page).to_have_url(re.compile(rf"/projects/{re.escape(slug)}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    # The funding bar must show even at 0% raised: its track is what tells the donor there is a target.
    bar = page.get_by_role("progressbar")
    expect(bar).to_be_visible()
    box = bar.bounding_box()
    assert box is not None and box["width"] > 100 and box["height"] >= 8, box
    assert 0 <= int(bar.get_attribute("aria-valuenow")) <= 100


def _spec_for(name: str) -> dict:
    return next(p for p in content.PROJECTS if p["name"] == name)


def test_home_lists_projects_and_a_card_leads_to_its_page(page: Page, demo_url: str):
    page.goto(demo_url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")

    cards = _card_links(page)
    expect(cards).to_have_count(len(FEATURED))
    assert sorted(cards.all_inner_texts()) == sorted(p["name"] for p in FEATURED)
    # goto() waits for the load event, so every cover has arrived or failed by now.
    covers = page.locator(".card__image")
    expect(covers).to_have_count(len(FEATURED))
    assert covers.evaluate_all("imgs => imgs.every(img => img.naturalWidth > 0 && img.alt !== '')")

    project = FEATURED[-1]
    page.get_by_role("link", name=project["name"], exact=True).click()

    _expect_project_page(page, slug=project["slug"], name=project["name"])


def test_keyboard_alone_reaches_and_opens_a_project(page: Page, demo_url: str):
    page.goto(demo_url + "/")
    expect(_card_links(page).first).to_be_visible()

    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('.card__title a')"):
            break
    else:
        pytest.fail(f"no project card link took the focus within {MAX_TABS} presses of Tab")

    # A keyboard user must see where the focus is.
    assert page.evaluate("document.activeElement.matches(':focus-visible')")
    name = page.evaluate("document.activeElement.textContent").strip()
    page.keyboard.press("Enter")

    _expect_project_page(page, slug=_spec_for(name)["slug"], name=name)


def test_english_home_and_the_switch_back_to_chinese(page: Page, demo_url: str):
    page.goto(demo_url + "/en/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Projects you can support")).to_be_visible()

    switcher = page.get_by_role("navigation", name="Language")
    expect(switcher.locator('a[hreflang="en"]')).to_have_attribute("aria-current", "true")
    switcher.locator('a[hreflang="zh-Hans"]').click()

    expect(page).to_have_url(demo_url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.get_by_role("heading", name="您可以支持的项目")).to_be_visible()
    expect(page.get_by_role("navigation", name="语言").locator('a[hreflang="zh-Hans"]')).to_have_attribute(
        "aria-current", "true"
    )
