"""Presentation helpers: money formatting and the language switcher."""

from decimal import Decimal

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language
from wagtail.models import Site

from projects.formatting import yuan as format_yuan

register = template.Library()


@register.filter
def yuan(amount: Decimal | None) -> str:
    """¥1,234,567.89 — money shown with thousands separators and two decimals (the admin's helper too)."""
    return format_yuan(amount)


@register.simple_tag(takes_context=True)
def language_links(context):
    """(code, label, url, is_current) for every site language, pointing at this same page."""
    request = context["request"]
    current = get_language()
    return [
        (code, label, translate_url(request.get_full_path(), code), code == current)
        for code, label in settings.LANGUAGES
    ]


@register.inclusion_tag("cms/includes/main_nav.html", takes_context=True)
def main_nav(context):
    request = context["request"]
    site = Site.find_for_request(request)
    root = site.root_page if site else None
    items = root.get_children().live().in_menu().specific() if root else []
    return {"request": request, "root": root, "items": items, "current": context.get("page")}
