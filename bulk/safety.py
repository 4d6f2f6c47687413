"""Spreadsheet safety for exports: no cell we write may be read by Excel, WPS or LibreOffice as a formula.

django-import-export's own escaping (``IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT``) is off by default and only strips
a leading ``=``, so every exported text cell passes through ``neutralise`` instead.
"""

from __future__ import annotations

import re

# A spreadsheet starts a formula (or a DDE call) at these characters (OWASP "CSV Injection"). The full-width forms
# are a precaution: Chinese input methods type them, and any tool that normalises width (NFKC) makes them ASCII.
FORMULA_STARTS = frozenset("=+-@") | frozenset("＝＋－＠")
# OWASP adds tab and carriage return: some spreadsheets skip them and then read the formula that follows.
UNSAFE_FIRST = FORMULA_STARTS | frozenset("\t\r")
# Skipped before looking for a formula start: ASCII and Unicode whitespace (space, \t, \n, \r, \v, \f, NBSP, the
# ideographic space U+3000, …) and the zero-width characters that no one sees in a cell.
LEADING_BLANKS = re.compile(r"^[\s\u200b\u200c\u200d\u2060\ufeff]+")


def neutralise(value):
    """A cell value that no spreadsheet evaluates.

    Rule: a ``str`` is prefixed with a single quote ``'`` when

    - its first character is ``=``, ``+``, ``-``, ``@`` (or the full-width ``＝＋－＠``), a tab or a carriage
      return; or
    - it starts with whitespace, line breaks or zero-width characters followed by one of those formula starts
      (``" =1"``, ``"\\n=1"``, ``"\\u3000=1"``): importers that trim cells would otherwise uncover the formula.

    Everything else is returned unchanged, and so is every non-``str`` value (``Decimal``, ``int``, ``date``,
    ``datetime``, ``None``): numbers are written as numbers, never as formulas, so a negative ``Decimal`` stays a
    number. The result is idempotent: a quoted value starts with ``'`` and is never quoted twice.
    """
    if not isinstance(value, str) or not value:
        return value
    if value[0] in UNSAFE_FIRST or LEADING_BLANKS.sub("", value, count=1)[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def is_unsafe(text: str) -> bool:
    """Whether ``neutralise`` would quote this text (for checks and tests)."""
    return neutralise(text) != text
