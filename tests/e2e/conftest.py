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
from django.core.cache import caches
from playwright.sync_api import Page, expect, sync_playwright

from charity.demo.loader import load_demo

# Playwright's sync API runs an asyncio event loop in the test thread, and Django refuses ORM calls made
# from a thread with a running loop. Any such call here is plain synchronous code, so the check is a
# false alarm; but see ``page`` for why the database work still happens outside the browser's lifetime.
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


@pytest.fixture
def demo_url(transactional_db, django_db_serialized_rollback, live_server) -> str:
    """The live server's address, serving the demo charity.

    The live server runs in another thread, so the data must be committed: ``transactional_db``. Its
    flush after each test also empties what the migrations created (Wagtail's root page and collection,
    locale, default site), which ``django_db_serialized_rollback`` restores before the next test.

    Wagtail caches renditions process-wide, keyed by image id; ids repeat from test to test while each
    test has its own MEDIA_ROOT, so a stale cache entry would point at a file from an earlier test.
    """
    for cache in caches.all():
        cache.clear()
    load_demo()
    return live_server.url


@pytest.fixture
def page(demo_url: str) -> Iterator[Page]:
    """A phone-sized tab in a Chinese-speaking chromium, as most donors see the site.

    The browser starts after the demo is loaded and stops before the database is flushed, one per test.
    While Playwright's sync API is alive it marks its event loop as running in this thread, and Django
    then hands out a second, per-async-context database connection: one without the test database's
    serialized state (so the flush could not be rolled back) and one nobody would close (so PostgreSQL
    could not drop the test database). Keeping the database work outside the browser's lifetime avoids
    both, at the cost of about a second per test to launch chromium.
    """
    if not (CHROMIUM_PATH.is_file() and os.access(CHROMIUM_PATH, os.X_OK)):
        pytest.fail(
            f"No chromium at {CHROMIUM_PATH}. The browser tests need Debian's `chromium` package "
            "(apt-get install chromium), or CHROMIUM_PATH pointing at a chromium binary.",
            pytrace=False,
        )
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM_PATH), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=MOBILE, locale="zh-CN")
        context.set_default_timeout(TIMEOUT_MS)
        yield context.new_page()
        context.close()
        browser.close()
