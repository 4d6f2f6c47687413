"""Walk the Wagtail admin as a person would and read what they would read, to find English left on screen.

``walk`` follows every admin link from the dashboard (the sidebar menu, each listing's first record, its inspect,
edit, history and add pages), one page per URL shape: ``/admin/gifts/inspect/9/`` stands for every gift.
``english_on`` takes the text people read from a page: text nodes (``<template>`` content included: Wagtail
shows it later), the attributes people read (title, placeholder, aria-label, alt, tooltips, the value of a button)
and the labels in the JSON Wagtail builds its menu and scripts from. ``english_in`` flags a run of two or more
English words, or one word from ``UI_WORDS`` — after removing what is rightly Latin (see ``LATIN``).
"""

from __future__ import annotations

import json
import re
import zoneinfo
from collections import deque
from collections.abc import Iterator

from bs4 import BeautifulSoup, Comment

# Links the walk does not take: signing out ends the walk; a delete confirmation and a reveal are not pages one
# reads in passing (a reveal writes an audit entry); downloads and previews are not admin pages; jsi18n is a script.
SKIPPED = re.compile(r"/logout/|/delete/|/reveal|/export|download|/preview/|jsi18n|/sprite/|/usage/|/workflow/")
MAX_PAGES = 300

# Single English words a Chinese admin must not show on their own (a run of two or more words is always flagged).
UI_WORDS = frozenset(
    """
    account actions active add all any apply approve archive back cancel change choose clear close collection
    comments confirm copy create created dashboard date delete disable documents download draft edit edited email
    enable error exploring false file filter filters first help history home images items last latest live loading
    locked logout more name never new newest next no none oldest owner page pages password preview previous profile
    publish published refresh remove reports reset results revert revisions root save saved search select settings
    shortcuts show size snippets sort status submit success task title true type unknown unlock unpublish update
    updated upload usage user username users view warning workflow workflows yes
    """.split()
)

# Rightly Latin: product and protocol names staff know by these names, and the codes and units the app uses.
LATIN_WORDS = frozenset(
    """
    Wagtail Stripe PaymentIntent Checkout Session Charge Invoice Alipay WeChat JavaScript Merkle Ed25519 SHA
    """.split()
)
_ACRONYM = re.compile(r"^[A-Z]{2,6}s?$")  # CSV, XLSX, ID, API, URL, PDF, CNY, IDs
_URL_OR_EMAIL = re.compile(r"\S+@\S+|(?:https?:)?//\S+|/[\w\-./]+/")
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")  # filled in by Wagtail's scripts: "已选择 %(objects)s 个页面"
_SLUG = re.compile(r"\b[a-z0-9]+(?:[-_.][a-z0-9]+)+\b")  # identifiers: slugs, keys, app_label.model
_FILE = re.compile(r"\b[\w\-]+\.(?:csv|xlsx|pdf|png|jpe?g|gif|webp|txt|docx|zip)\b", re.IGNORECASE)
_WORD_RUN = re.compile(r"[A-Za-z][A-Za-z0-9'’]*(?:[\s\-,.:;&/()]+[A-Za-z][A-Za-z0-9'’]*)*")
_TIME_ZONES = frozenset(zoneinfo.available_timezones())
READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt", "data-w-tooltip-content-value")
READ_JSON_KEYS = frozenset({"label", "title", "text", "placeholder", "helpText", "help_text", "tooltip"})


def english_in(text: str, names: frozenset[str] = frozenset()) -> list[str]:
    """The runs of English in ``text`` that a Chinese reader would stumble on."""
    if text.strip() in _TIME_ZONES:
        return []  # the account page lists time zones by their IANA names
    text = _FILE.sub(" ", _SLUG.sub(" ", _URL_OR_EMAIL.sub(" ", _PLACEHOLDER.sub(" ", text))))
    found = []
    for run in _WORD_RUN.findall(text):
        words = [w for w in re.findall(r"[A-Za-z][A-Za-z0-9'’]*", run) if _is_english(w, names)]
        if len(words) >= 2 or (words and words[0].lower() in UI_WORDS):
            found.append(" ".join(words))
    return found


def _is_english(word: str, names: frozenset[str]) -> bool:
    if any(c.isdigit() for c in word):
        return False  # a code: XT100, Ed25519, v3
    return not (word in LATIN_WORDS or word in names or _ACRONYM.match(word))


def readable_texts(html: str) -> Iterator[tuple[str, str]]:
    """(where, text) for everything on the page a person reads, scripts and styles left out."""
    soup = BeautifulSoup(html, "html.parser")
    for script in soup(["script", "style"]):
        if script.get("type") == "application/json":
            yield from _json_texts(script.get("id", "json"), script.string or "")
        script.extract()
    for machine in soup.find_all(attrs={"translate": "no"}):
        machine.extract()  # data shown as received, marked translate="no" (a Stripe event's JSON): not UI text
    for node in soup.find_all(string=True):
        if isinstance(node, Comment) or not node.strip():
            continue
        if node.strip() == "None" and node.parent.has_attr("data-side-panel-toggle-counter"):
            continue  # Wagtail prints an empty side-panel counter as "None" in a hidden element its script fills in
        yield node.parent.name, " ".join(node.split())
    for element in soup.find_all(True):
        for attribute in READ_ATTRIBUTES:
            if element.get(attribute):
                yield f"{element.name}[{attribute}]", element[attribute]
        if element.name == "input" and element.get("type") in ("submit", "button", "reset") and element.get("value"):
            yield "input[value]", element["value"]  # a <button>'s value is never shown; an <input>'s is its label


def _json_texts(where: str, source: str) -> Iterator[tuple[str, str]]:
    """The human-readable strings of a json_script: Wagtail's sidebar menu and the strings its scripts show."""

    def walk(value, key="", under_strings=False):
        if isinstance(value, dict):
            for k, v in value.items():
                yield from walk(v, k, under_strings or k == "STRINGS")
        elif isinstance(value, list):
            for item in value:
                yield from walk(item, key, under_strings)
        elif isinstance(value, str) and (under_strings or key in READ_JSON_KEYS):
            yield f"{where}:{key}", value

    try:
        yield from walk(json.loads(source))
    except ValueError:
        return


def english_on(html: str, names: frozenset[str] = frozenset()) -> set[tuple[str, str]]:
    return {(where, run) for where, text in readable_texts(html) for run in english_in(text, names)}


def links(html: str) -> list[str]:
    """Admin URLs a person can reach from this page: links, forms, and the sidebar menu's JSON."""
    found = re.findall(r'(?:href|action|data-url)="(/admin/[^"#?]*)', html)
    found += re.findall(r'"url": "(/admin/[^"#?]*)"', html)
    return found


def walk(client, start: list[str]) -> Iterator[tuple[str, str]]:
    """(url, html) of every admin page reachable from ``start``, one per URL shape."""
    queue, shapes, seen = deque(start), set(), 0
    while queue and seen < MAX_PAGES:
        url = queue.popleft()
        shape = re.sub(r"\d+", "N", url)
        if shape in shapes or SKIPPED.search(url):
            continue
        shapes.add(shape)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        seen += 1
        html = response.content.decode()
        yield url, html
        queue.extend(links(html))
