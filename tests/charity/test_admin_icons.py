"""Every icon our admin names is one Wagtail 8 draws. An icon missing from Wagtail's sprite renders as an empty box
(退回修改 asked for "undo", which Wagtail 8 does not have), and nothing else fails.

The names are read from our source: icon keywords in Python (menus, viewsets, buttons, settings, blocks), literal
``{% icon name="…" %}`` in templates, and the icons of the disbursement and batch actions.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from wagtail import hooks

from projects.admin.disbursement_actions import BATCH_ACTIONS, DISBURSEMENT_ACTIONS

APPS = ["bulk", "charity", "cms", "donations", "finance", "ledger", "outreach", "projects", "reports"]
IN_PYTHON = re.compile(r"""\b(?:icon|icon_name|menu_icon|header_icon)\s*=\s*["']([\w-]+)["']""")
IN_TEMPLATES = re.compile(r"""\{%\s*icon\s+name=["']([\w-]+)["']""")


def _wagtail_icons() -> set[str]:
    hooks.search_for_hooks()
    paths: list[str] = []
    for register in hooks.get_hooks("register_icons"):
        paths = register(paths)
    return {Path(path).stem for path in paths}


def _named_in_source() -> dict[str, set[str]]:
    """icon name → the files that name it."""
    found: dict[str, set[str]] = {}
    root = Path(settings.BASE_DIR)
    for app in APPS:
        for path in (root / app).rglob("*"):
            pattern = {".py": IN_PYTHON, ".html": IN_TEMPLATES}.get(path.suffix)
            if pattern is None or "migrations" in path.parts:
                continue
            for name in pattern.findall(path.read_text(encoding="utf-8")):
                found.setdefault(name, set()).add(str(path.relative_to(root)))
    for action in [*DISBURSEMENT_ACTIONS.values(), *BATCH_ACTIONS.values()]:
        found.setdefault(action.icon, set()).add(f"the {action.kind} action {action.name}")
    return found


def test_every_icon_our_admin_names_is_in_wagtails_sprite():
    drawn = _wagtail_icons()
    assert {"spinner", "check", "view"} <= drawn  # the sprite was read
    named = _named_in_source()
    assert "check" in named  # the source was read
    assert {name: sorted(where) for name, where in named.items() if name not in drawn} == {}
