"""Browser fixtures: Debian's chromium driven by Playwright's sync API against pytest-django's live server.

The browser is never downloaded (``playwright install`` needs the network): the tests drive the system
chromium, ``/usr/bin/chromium`` or ``$CHROMIUM_PATH``. A missing browser fails the run; it is not skipped,
so a machine without it cannot report the browser tests as passed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from charity.demo.loader import load_demo

# Playwright's sync API runs an asyncio event loop in the test thread, and Django refuses ORM calls made
# from a thread with a running loop. The calls here (fixtures, the live server's shared connection) are
# plain synchronous code, so the check is a false alarm for this suite.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_PATH = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Every wait in these tests is for a local server: a few seconds is plenty, and a hang fails fast.
TIMEOUT_MS = 5_000
MOBILE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One chromium per test module; each test gets a fresh context (cookies, storage) from ``page``."""
    if not (CHROMIUM_PATH.is_file() and os.access(CHROMIUM_PATH, os.X_OK)):
        pytest.fail(
            f"No chromium at {CHROMIUM_PATH}. The browser tests need Debian's `chromium` package "
            "(apt-get install chromium), or CHROMIUM_PATH pointing at a chromium binary.",
            pytrace=False,
        )
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM_PATH), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A phone-sized tab in a Chinese-speaking browser, as most donors see the site."""
    context = browser.new_context(viewport=MOBILE, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def demo_url(transactional_db, django_db_serialized_rollback, live_server) -> str:
    """The live server's address, serving the demo charity.

    The live server runs in another thread, so the data must be committed: ``transactional_db``. Its
    flush after each test also empties what the migrations created (Wagtail's root page, locale,
    default site), which ``django_db_serialized_rollback`` restores before the next test.
    """
    load_demo()
    return live_server.url
