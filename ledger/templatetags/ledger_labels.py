"""Public-record labels in templates: ``{{ value|record_value:"channel" }}``, ``{{ "channel"|record_key }}``."""

from django import template

from ledger import labels

register = template.Library()


@register.filter
def record_value(value, key: str):
    return labels.value_label(key, value)


@register.filter
def record_key(key: str):
    return labels.key_label(key)
