"""Amounts on the admin's record pages read as the lists and the public pages do: 1,234,567.89 under a "(元)"
label, or ¥1,234,567.89 on its own (``projects.formatting``)."""

from __future__ import annotations

from decimal import Decimal

from django import template

from projects.formatting import yuan as format_yuan

register = template.Library()


@register.filter
def amount(value: Decimal | None) -> str:
    """1,234,567.89 (the label carries the unit); — for none."""
    return format_yuan(value).removeprefix("¥")


@register.filter
def yuan(value: Decimal | None) -> str:
    """¥1,234,567.89; — for none."""
    return format_yuan(value)
