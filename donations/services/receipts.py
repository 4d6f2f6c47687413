"""Receipt serials (捐赠回执编号) and the official 公益事业捐赠票据 numbers staff record against a gift."""

from __future__ import annotations

import re
from dataclasses import dataclass

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
    if errors := official_receipt_errors(code=code, number=number, check=check):
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


def official_receipt_errors(*, code: str, number: str, check: str) -> dict[str, str]:
    """What is wrong with a 票据代码 / 票据号码 / 校验码 as typed (by field, in Chinese; no query)."""
    errors = {}
    if not OFFICIAL_DIGITS.match(code):
        errors["official_receipt_code"] = "票据代码应为 6–20 位数字。"
    if not OFFICIAL_DIGITS.match(number):
        errors["official_receipt_number"] = "票据号码应为 6–20 位数字。"
    if not OFFICIAL_CHECK.match(check):
        errors["official_receipt_check"] = "校验码应为 4–20 位数字或字母。"
    return errors


@dataclass(frozen=True)
class OfficialReceipt:
    """One 公益事业捐赠票据 to record against the gift with this receipt serial."""

    receipt_serial: str
    code: str
    number: str
    check: str


OFFICIAL_FIELDS = ["official_receipt_code", "official_receipt_number", "official_receipt_check", "updated_at"]


@transaction.atomic
def donations_record_official_receipts_bulk(*, receipts: list[OfficialReceipt]) -> list[Donation]:
    """Record many official receipts at once (an import of the finance platform's list), in the order given.

    The rules of ``donation_record_official_receipt`` for each, plus the import's: a gift that already carries a
    different receipt is never overwritten, and one 票据代码 + 号码 belongs to one gift. The gifts are locked in
    primary-key order, all checked, then written, one short UPDATE each (``bulk_update``'s CASE expressions take
    longer to compile than these take to run)."""
    for receipt in receipts:
        if errors := official_receipt_errors(code=receipt.code, number=receipt.number, check=receipt.check):
            raise ValidationError([f"回执 {receipt.receipt_serial}:{message}" for message in errors.values()])
    serials = [r.receipt_serial for r in receipts]
    gifts = {}
    for start in range(0, len(serials), 5000):
        chunk = Donation.objects.select_for_update().filter(receipt_serial__in=serials[start : start + 5000])
        gifts.update({gift.receipt_serial: gift for gift in chunk.order_by("pk")})
    _official_numbers_free(receipts)
    changed = []
    for receipt in receipts:
        gift = gifts.get(receipt.receipt_serial)
        if gift is None or not gift.is_received:
            raise ValidationError(f"回执 {receipt.receipt_serial}:只有已到账的捐赠才能登记公益事业捐赠票据。")
        recorded = (gift.official_receipt_code, gift.official_receipt_number, gift.official_receipt_check)
        if any(recorded) and recorded != (receipt.code, receipt.number, receipt.check):
            raise ValidationError(f"回执 {receipt.receipt_serial} 已登记了另一张公益事业捐赠票据,导入不会覆盖。")
        gift.official_receipt_code, gift.official_receipt_number = receipt.code, receipt.number
        gift.official_receipt_check = receipt.check
        changed.append(gift)
    for gift in changed:
        gift.save(update_fields=OFFICIAL_FIELDS)
    return changed


def _official_numbers_free(receipts: list[OfficialReceipt]) -> None:
    pairs = {}
    for receipt in receipts:
        if pairs.setdefault((receipt.code, receipt.number), receipt.receipt_serial) != receipt.receipt_serial:
            raise ValidationError(f"票据代码 {receipt.code}、号码 {receipt.number} 在本批中对应了两笔捐赠。")
    for pair, serial in official_receipts_by_number(pairs).items():
        if serial != pairs[pair]:
            raise ValidationError(f"票据代码 {pair[0]}、号码 {pair[1]} 已登记在回执 {serial} 上。")


def official_receipts_by_number(pairs) -> dict[tuple[str, str], str]:
    """{(票据代码, 票据号码): the receipt serial of the gift it is recorded on} for the pairs already on record
    (one query per 5,000 numbers)."""
    pairs = set(pairs)
    numbers = sorted({number for _code, number in pairs})
    found = {}
    for start in range(0, len(numbers), 5000):
        rows = Donation.objects.filter(official_receipt_number__in=numbers[start : start + 5000]).order_by("pk")
        for code, number, serial in rows.values_list(
            "official_receipt_code", "official_receipt_number", "receipt_serial"
        ):
            if (code, number) in pairs:
                found.setdefault((code, number), serial)
    return found
