"""Voucher numbers (凭证号): 记-2026-12-0001, gap-free per month.

A number is allocated when the voucher posts, in the same database transaction, from the month's counter row
locked FOR UPDATE. Drafts, returned and cancelled vouchers never hold a number, and a posting that fails rolls the
counter back with it, so every number from 0001 to the month's last is a posted (or later reversed) voucher: no
number is skipped, none is used twice (the unique constraint on ``Voucher.number`` is the last line of defence).
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction

from finance.models import VoucherCounter

PREFIX = "记"


def format_number(day: date, serial: int) -> str:
    return f"{PREFIX}-{day.year}-{day.month:02d}-{serial:04d}"


def voucher_number_allocate(*, day: date) -> str:
    """The next number of ``day``'s month. Call inside the posting's atomic block: the counter stays locked until it
    commits, so two postings in one month take turns."""
    counter = _locked_counter(day.year, day.month)
    counter.last += 1
    counter.save(update_fields=["last"])
    return format_number(day, counter.last)


def _locked_counter(year: int, month: int) -> VoucherCounter:
    locked = VoucherCounter.objects.select_for_update()
    counter = locked.filter(year=year, month=month).first()
    if counter is not None:
        return counter
    try:
        with transaction.atomic():  # the month's first voucher: another posting may create the row at the same time
            VoucherCounter.objects.create(year=year, month=month)
    except IntegrityError:
        pass
    return locked.get(year=year, month=month)
