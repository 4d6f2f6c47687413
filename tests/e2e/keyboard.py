"""Keyboard helpers shared by the browser tests."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

MAX_TABS = 60


def tab_to(page: Page, selector: str) -> None:
    """Press Tab until the focused element matches ``selector``; fail if it cannot be reached."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    pytest.fail(f"{selector} cannot be reached with Tab")
