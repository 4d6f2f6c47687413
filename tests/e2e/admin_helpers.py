"""Helpers for browser tests of the Wagtail admin: a bare public site with one project page, a chromium that
opens one context per staff member, logging in, and reading the public figures.

Everything that touches the database (``publish_project_page``) runs before ``chromium`` starts: see
``tests/e2e/conftest.py`` for why no ORM call may happen while Playwright's event loop is alive.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.core.cache import caches
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect, sync_playwright

from charity.demo.loader import load_demo
from tests.e2e.conftest import CHROMIUM_ARGS, CHROMIUM_PATH
from tests.factories import staff_user

# Longer than the public pages' 5 s: an admin page pulls in Wagtail's scripts and styles, and a live server on a
# busy test machine sometimes needs more than 5 s for that. A hang still fails within a quarter of a minute.
TIMEOUT_MS = 15_000

DESKTOP = {"width": 1280, "height": 900}  # staff work at a desk: the admin's sidebar and tables are laid out
STAFF_PASSWORD = "pass-1234"  # what tests.factories.staff_user gives every account
YUAN = re.compile(r"^¥([\d,]+\.\d{2})$")


def publish_project_page(project, *, slug: str) -> str:
    """A live ProjectPage for ``project`` under a fresh home page (the default site's root): its path.

    Smaller and faster than the demo charity, and no demo beneficiary or grant moves the figures under test.
    """
    from wagtail.models import Page, Site

    from cms.models import HomePage, ProjectIndexPage, ProjectPage

    home = Page.get_first_root_node().add_child(instance=HomePage(slug="e2e-home", title="慈善总会"))
    site = Site.objects.get(is_default_site=True)
    site.root_page = home
    site.save()
    index = home.add_child(instance=ProjectIndexPage(slug="projects", title="慈善项目"))
    page = index.add_child(
        instance=ProjectPage(slug=slug, title=project.name, project=project, summary=f"{project.name}的简介。")
    )
    page.save_revision().publish()
    return page.relative_url(site)


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's chromium (never a downloaded one); a missing browser fails the test, as in ``conftest.page``."""
    if not CHROMIUM_PATH.is_file():
        pytest.fail(f"No chromium at {CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH).", pytrace=False)
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM_PATH), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_tab(browser: Browser) -> Page:
    """A tab in a fresh context: its own cookies, so each person has their own session."""
    context: BrowserContext = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def log_in(browser: Browser, base_url: str, username: str, password: str = STAFF_PASSWORD) -> Page:
    """Sign in through /admin/login/ as a person would, and land on the dashboard."""
    page = new_tab(browser)
    page.goto(f"{base_url}/admin/login/")
    field(page, "用户名").fill(username)
    page.get_by_placeholder("输入密码").fill(password)  # Django's own "Password" label is left untranslated
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{base_url}/admin/")
    return page


def field(scope: Page | Locator, label: str) -> Locator:
    """A form control by its whole label (Wagtail appends a required mark; "姓名" must not match "监护人姓名")."""
    return scope.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))


def yuan(text: str) -> Decimal:
    """ "¥20,000.00" → Decimal("20000.00"); anything else fails loudly."""
    match = YUAN.match(text.strip())
    assert match, f"not an amount in yuan: {text!r}"
    return Decimal(match.group(1).replace(",", ""))


def shown_yuan(amount: Decimal) -> str:
    return f"¥{amount:,.2f}"


def demo_with_superuser(username: str = "e2e-admin"):
    """The demo charity as `make run` loads it (caches cleared first: a live-server test starts from a restored
    database) and a superuser who made none of its records, so every action is offered to them."""
    for cache in caches.all():
        cache.clear()
    load_demo()
    admin = staff_user(username)
    admin.is_superuser = True
    admin.save()
    return admin
