"""How money reads on every screen, public and admin: ¥1,234,567.89 (thousands separators, two decimals)."""

from __future__ import annotations

from decimal import Decimal


def yuan(amount: Decimal | int | str | None) -> str:
    """¥1,234,567.89; — for no amount. The public pages (``cms_tags.yuan``) and the admin's lists and records use it."""
    if amount is None or amount == "":
        return "—"
    return f"¥{Decimal(amount):,.2f}"
