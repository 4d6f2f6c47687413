"""Receipt serials (捐赠回执编号) and the official 公益事业捐赠票据 numbers staff record against a gift."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from donations.models import Donation, ReceiptCounter

OFFICIAL_DIGITS = re.compile(r"^\d{6,20}$")
OFFICIAL_CHECK = re.compile(r"^[0-9A-Za-z]{4,20}$")


def receipt_serial_assign(donation: Donation) -> str:
    """Give a received gift the next serial of its year (JZ2026-000001, …); gap-free per year because the
    counter row is locked until the gift's transaction commits."""
    if donation.receipt_serial:
        return donation.receipt_serial
    year = timezone.localtime(donation.received_at).year
    donation.receipt_serial = f"{settings.RECEIPT_SERIAL_PREFIX}{year}-{_next_in_year(year):06d}"
    return donation.receipt_serial


def receipt_serials_assign_bulk(donations: list[Donation]) -> None:
    """Serials for many received gifts (an import): one counter statement per year, numbered in the order the
    gifts were received, so an imported year reads like one recorded by hand."""
    by_year: dict[int, list[Donation]] = {}
    for donation in sorted(donations, key=lambda d: d.received_at):
        if not donation.receipt_serial:
            by_year.setdefault(timezone.localtime(donation.received_at).year, []).append(donation)
    for year, gifts in sorted(by_year.items()):
        first = _next_in_year(year, len(gifts)) - len(gifts) + 1
        for offset, donation in enumerate(gifts):
            donation.receipt_serial = f"{settings.RECEIPT_SERIAL_PREFIX}{year}-{first + offset:06d}"


def _next_in_year(year: int, count: int = 1) -> int:
    """Reserve ``count`` serials and return the last. One statement (PostgreSQL and SQLite ≥ 3.35 both have
    upsert … RETURNING): the row stays locked by the caller's transaction until it commits, so serials are
    gap-free and never issued twice."""
    table = connection.ops.quote_name(ReceiptCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (year, last) VALUES (%s, %s) "  # noqa: S608 - the table name is ours
            f"ON CONFLICT (year) DO UPDATE SET last = {table}.last + %s RETURNING last",
            [year, count, count],
        )
        return cursor.fetchone()[0]


def donation_record_official_receipt(*, donation: Donation, code: str, number: str, check: str) -> Donation:
    """Record the 票据代码 / 票据号码 / 校验码 issued by the finance e-receipt platform for a received gift."""
    code, number, check = code.strip(), number.strip(), check.strip()
    errors = {}
    if not OFFICIAL_DIGITS.match(code):
        errors["official_receipt_code"] = "票据代码应为 6–20 位数字。"
    if not OFFICIAL_DIGITS.match(number):
        errors["official_receipt_number"] = "票据号码应为 6–20 位数字。"
    if not OFFICIAL_CHECK.match(check):
        errors["official_receipt_check"] = "校验码应为 4–20 位数字或字母。"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        donation = Donation.objects.select_for_update().get(pk=donation.pk)
        if not donation.is_received:
            raise ValidationError("只有已到账的捐赠才能登记公益事业捐赠票据。")
        donation.official_receipt_code, donation.official_receipt_number = code, number
        donation.official_receipt_check = check
        donation.save(
            update_fields=["official_receipt_code", "official_receipt_number", "official_receipt_check", "updated_at"]
        )
    return donation
