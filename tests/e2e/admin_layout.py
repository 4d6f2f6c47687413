"""What a person sees of the admin's buttons, measured in the browser, and screenshots of the admin's screens.

A button passes when its label can be read and its icon is icon-sized: the element at the centre of the label's
text (a Range over the button's text nodes, outside the icon and any screen-reader-only text) is the button or
something inside it other than the icon, and every icon it shows measures at most ``ICON_MAX_PX`` each way.
Clicking a button by its text proves neither: Playwright finds the text in the DOM whether or not an icon of
300×150 px covers it (the size a browser gives an ``<svg>`` that no style sizes).

Screenshots go to ``var/screenshots/<database vendor>/`` (``var/`` is ignored by git; CI keeps the folder).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection
from playwright.sync_api import Locator, Page

ICON_MAX_PX = 24

# Returns how one button looks: its label, what is at the label's centre, and the size of each icon it shows.
_MEASURE = """
(button) => {
    button.scrollIntoView({block: "center", inline: "center"});
    const hidden = (node) => node.parentElement.closest("svg, .w-sr-only, [hidden]");
    const walker = document.createTreeWalker(button, NodeFilter.SHOW_TEXT, {
        acceptNode: (node) => node.textContent.trim() && !hidden(node)
            ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT,
    });
    const texts = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) texts.push(node);
    const contentBox = (svg) => {  // what is drawn: Wagtail pads some icons to make a larger target
        const box = svg.getBoundingClientRect();
        const px = (side) => parseFloat(getComputedStyle(svg)[side]) || 0;
        const across = px("paddingLeft") + px("paddingRight") + px("borderLeftWidth") + px("borderRightWidth");
        const down = px("paddingTop") + px("paddingBottom") + px("borderTopWidth") + px("borderBottomWidth");
        return [Math.round(box.width - across), Math.round(box.height - down)];
    };
    const icons = [...button.querySelectorAll("svg")]
        .filter((svg) => svg.getClientRects().length)
        .map(contentBox);
    if (!texts.length) return {label: "", icons, at: null};
    const range = document.createRange();
    range.setStart(texts[0], 0);
    const last = texts[texts.length - 1];
    range.setEnd(last, last.textContent.length);
    const box = range.getBoundingClientRect();
    const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    let at = "nothing";
    if (hit && hit.closest("svg")) at = "icon";
    else if (hit && (hit === button || button.contains(hit))) at = "label";
    else if (hit) at = hit.tagName.toLowerCase() + (hit.className ? "." + String(hit.className) : "");
    return {label: range.toString().replace(/\\s+/g, " ").trim(), icons, at};
}
"""


@dataclass(frozen=True)
class ButtonLook:
    label: str
    at_label_centre: str  # "label" when the label can be read; "icon" when an icon covers it; else what does
    icons: list[list[int]]  # [width, height] in CSS pixels of each icon shown

    @property
    def problems(self) -> list[str]:
        found = []
        if self.label and self.at_label_centre != "label":  # an icon-only button has just a screen-reader label
            found.append(f"label covered by {self.at_label_centre}")
        found += [f"icon {w}×{h} px" for w, h in self.icons if w > ICON_MAX_PX or h > ICON_MAX_PX]
        return found


def look(button: Locator) -> ButtonLook:
    measured = button.evaluate(_MEASURE)
    return ButtonLook(label=measured["label"], at_label_centre=measured["at"], icons=measured["icons"])


def badly_drawn(buttons: Locator) -> dict[str, list[str]]:
    """Each visible button among ``buttons`` that a person could not read, with what is wrong with it."""
    found = {}
    for index in range(buttons.count()):
        button = buttons.nth(index)
        if not button.is_visible():
            continue
        seen = look(button)
        if seen.problems:
            found[seen.label or f"button {index + 1}"] = seen.problems
    return found


def icon_buttons(page: Page) -> Locator:
    """The buttons with an icon in the page's main area (header and content, not the sidebar menu)."""
    return page.locator("main").locator("a.button, button.button").filter(has=page.locator("svg"))


def screenshot_dir() -> Path:
    folder = Path(settings.BASE_DIR) / "var" / "screenshots" / connection.vendor
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextmanager
def whole_page(page: Page) -> Iterator[None]:
    """The window made as tall as the page's content, for a whole-page picture and for measuring buttons.

    Wagtail's admin scrolls inside its own layout rather than the document, so Playwright's ``full_page`` alone
    stops at the window's height; and in a window that scrolls, the sticky action bar at the bottom covers
    whatever content is under it. In a window the content's height, neither happens.
    """
    window = page.viewport_size
    tallest = page.evaluate(_TALLEST)
    page.set_viewport_size({"width": window["width"], "height": max(window["height"], min(tallest, MAX_SHOT_PX))})
    try:
        yield
    finally:
        page.set_viewport_size(window)


def screenshot(page: Page, name: str) -> Path:
    """A PNG of the whole of what ``page`` shows (call it inside ``whole_page``), named after the screen."""
    path = screenshot_dir() / f"{re.sub(r'[^0-9A-Za-z一-鿿._-]+', '-', name).strip('-')}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


MAX_SHOT_PX = 12_000  # a list of hundreds of rows is cut here rather than making a picture nobody opens
_TALLEST = """
() => Math.ceil(Math.max(document.documentElement.scrollHeight,
    ...[...document.querySelectorAll("body *")].map((el) => {
        const style = getComputedStyle(el);
        return /(auto|scroll)/.test(style.overflowY) ? el.scrollHeight + el.getBoundingClientRect().top : 0;
    })))
"""
