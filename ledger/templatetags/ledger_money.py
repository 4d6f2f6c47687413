"""``{{ amount|ledger_yuan }}``: ¥1,234.00 on the ledger's admin screens (``ledger.money.yuan``)."""

from django import template

from ledger.money import yuan

register = template.Library()
register.filter("ledger_yuan", yuan)
