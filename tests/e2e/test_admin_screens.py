"""A walk through the whole admin menu of the demo charity, as a superuser sees it: every screen it leads to and
the first record of every list on it (a project, beneficiary, enrolment, disbursement, batch, gift, donor, …) is
opened, photographed whole into ``var/screenshots/<database>/`` (kept by CI), and every button with an icon on it
must show its label and an icon-sized icon (``tests.e2e.admin_layout``).

The menu is read on the server (Wagtail's own ``admin_menu``, as the sidebar renders it) before the browser starts;
links that leave the admin (Wagtail's help pages) are not followed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.test import RequestFactory
from django.urls import reverse
from playwright.sync_api import Page
from wagtail import hooks
from wagtail.admin.menu import admin_menu

from tests.e2e.admin_helpers import chromium, demo_with_superuser, log_in
from tests.e2e.admin_layout import badly_drawn, icon_buttons, screenshot, whole_page

pytestmark = pytest.mark.e2e

# The screens the walk must reach, so a menu that lost an entry (or a walk that read no menu) fails.
MUST_SEE = [
    "/admin/",
    "/admin/beneficiaries/",
    "/admin/enrolments/",
    "/admin/disbursements/",
    "/admin/disbursement-batches/",
]
# The first record on a list: the link in the first row's title cell (Wagtail's listings), else its first link.
FIRST_RECORD = "main table.listing tbody tr:first-child :is(td.title a, td a)"


@dataclass(frozen=True)
class Menu:
    url: str
    screens: list[tuple[str, str]]  # (menu path as staff read it, "/admin/…")


def _menu_screens(user) -> list[tuple[str, str]]:
    hooks.search_for_hooks()
    reverse("wagtailadmin_home")  # loads the URLconf, which registers the viewsets' menu items (as a request does)
    request = RequestFactory().get("/admin/")
    request.user = user
    screens = [("仪表板", "/admin/")]

    def walk(items, trail):
        for item in sorted(items, key=lambda i: i.order):
            label = f"{trail}-{item.label}" if trail else str(item.label)
            if hasattr(item, "menu"):
                walk(item.menu.menu_items_for_request(request), label)
            elif item.url.startswith("/admin/"):
                screens.append((label, item.url))

    walk(admin_menu.menu_items_for_request(request), "")
    return screens


@pytest.fixture
def menu(transactional_db, django_db_serialized_rollback, live_server) -> Menu:
    admin = demo_with_superuser()
    return Menu(url=live_server.url, screens=_menu_screens(admin))


def _look_at(page: Page, name: str, drawn_badly: dict) -> None:
    page.wait_for_load_state("networkidle")
    with whole_page(page):
        screenshot(page, name)
        drawn = badly_drawn(icon_buttons(page))
    drawn_badly.update({f"{name}: {label}": problems for label, problems in drawn.items()})


def test_every_admin_screen_is_photographed_and_its_buttons_can_be_read(menu: Menu):
    paths = [path for _label, path in menu.screens]
    assert set(MUST_SEE) <= {path.split("?")[0] for path in paths}
    drawn_badly, failed = {}, {}
    with chromium() as browser:
        page = log_in(browser, menu.url, "e2e-admin")
        for number, (label, path) in enumerate(menu.screens, start=1):
            name = f"{number:02d}-{label}"
            response = page.goto(menu.url + path)
            if not response.ok:
                failed[name] = response.status
                continue
            _look_at(page, name, drawn_badly)
            first = page.locator(FIRST_RECORD).first
            if path != "/admin/" and first.count() and re.match(r"^/admin/", first.get_attribute("href") or ""):
                first.click()
                _look_at(page, f"{name}-记录", drawn_badly)

    assert failed == {}
    assert not drawn_badly, "\n".join(f"{where}: {', '.join(problems)}" for where, problems in drawn_badly.items())
