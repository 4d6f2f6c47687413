"""Offline gifts recorded by finance staff (银行转账、现金、物资捐赠), and their correction by reversal.

Rules:
- Each gift posts to the ledger exactly once; a bank transfer's reference (银行流水号) is unique, so the same
  statement line cannot be recorded twice.
- In-kind gifts need items, quantity, unit and a valuation basis (发票、报关单、协议 or 市场价格); the valued
  amount posts to 库存物资.
- A mistake is undone by a reversal with a reason, never by an edit.
- Segregation of duties (复核): a gift of at least ``OFFLINE_GIFT_CONFIRMATION_AMOUNT`` (default ¥50,000) is
  recorded 待复核: nothing posts, no receipt serial, the fund's figures do not move. Another person holding
  ``donations.confirm_offline_gift`` — never the one who recorded it — confirms it (it posts then, in the same
  transaction as the status change, once however many confirmations race) or rejects it with a reason (nothing
  posts; its bank reference is freed so the line can be recorded again correctly). Below the amount nothing changes.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone
from wagtail.log_actions import log

from donations.models import Channel, Donation, DonationStatus, Donor
from donations.models.donations import OFFLINE_CHANNELS
from ledger.privacy import PersonalDataError, check_public_details
from ledger.services import PostingError
from ledger.services.periods import check_open
from ledger.services.rows import insert_rows, instance_builder
from projects.models import Project
from projects.selectors.lookups import in_chunks

from . import ledger_postings
from .payments import RECEIVED_FIELDS, DonationError, _locked, _send_thanks, donation_record_payment
from .receipts import receipt_serial_assign, receipt_serials_assign_bulk

CONFIRM_ACTION = "donations.offline_gift.confirm"
REJECT_ACTION = "donations.offline_gift.reject"
CONFIRM_PERMISSION = "donations.confirm_offline_gift"


@dataclass(frozen=True)
class OfflineGift:
    project: Project | None
    channel: str
    amount: Decimal
    received_at: datetime
    donor: Donor | None = None
    display_name: str = ""
    is_anonymous: bool = False
    message: str = ""
    bank_reference: str = ""
    payer_name: str = ""  # the statement's 付款人户名 (private: staff reconciliation only)
    in_kind_description: str = ""
    in_kind_quantity: Decimal | None = None
    in_kind_unit: str = ""
    valuation_basis: str = ""
    submission_key: uuid.UUID | None = None  # the form's (or import row's) key: the same key records once


def offline_gift_errors(gift: OfflineGift) -> dict[str, str]:
    """Every problem with a gift, by field, in Chinese (the import in issue 6 reports them per row)."""
    errors = {}
    if gift.channel not in OFFLINE_CHANNELS:
        errors["channel"] = "线下捐赠方式只能是银行转账、现金或物资捐赠。"
    if gift.amount is None or gift.amount <= 0 or gift.amount != gift.amount.quantize(Decimal("0.01")):
        errors["amount"] = "金额必须大于 0,最多两位小数。"
    if gift.received_at is None or gift.received_at > timezone.now():
        errors["received_at"] = "到账时间不能晚于现在。"
    if gift.channel == Channel.BANK and not gift.bank_reference.strip():
        errors["bank_reference"] = "银行转账必须填写银行流水号。"
    if gift.channel == Channel.IN_KIND:
        if not gift.in_kind_description.strip():
            errors["in_kind_description"] = "物资捐赠必须填写物资名称。"
        if gift.in_kind_quantity is None or gift.in_kind_quantity <= 0:
            errors["in_kind_quantity"] = "物资数量必须大于 0。"
        if not gift.in_kind_unit.strip():
            errors["in_kind_unit"] = "请填写物资单位(如 袋、箱、台)。"
        if not gift.valuation_basis:
            errors["valuation_basis"] = "请选择估值依据(发票、报关单、捐赠协议或市场价格)。"
        for field, label in (("in_kind_description", "物资名称"), ("in_kind_unit", "单位")):
            try:
                check_public_details({"items": getattr(gift, field)})
            except PersonalDataError:
                errors[field] = f"{label}会在公开账本中显示,不能包含手机号、身份证号、银行卡号或邮箱。"
    if gift.project is not None and not gift.project.is_active:
        errors["project"] = f"项目 {gift.project.code} 已结项,不能再登记捐赠。"
    return errors


def offline_gift_needs_confirmation(amount: Decimal) -> bool:
    """复核: an offline gift of at least ``OFFLINE_GIFT_CONFIRMATION_AMOUNT`` waits for a second person."""
    return amount >= settings.OFFLINE_GIFT_CONFIRMATION_AMOUNT


def _gift_columns(gift: OfflineGift, reference: str | None) -> dict:
    """The gift's own columns, as the form and the import both record them."""
    return {
        "channel": gift.channel,
        "requested_amount": gift.amount,
        "display_name": gift.display_name.strip(),
        "is_anonymous": gift.is_anonymous,
        "message": gift.message.strip(),
        "bank_reference": reference,
        "payer_name": gift.payer_name.strip(),
        "in_kind_description": gift.in_kind_description.strip(),
        "in_kind_quantity": gift.in_kind_quantity,
        "in_kind_unit": gift.in_kind_unit.strip(),
        "valuation_basis": gift.valuation_basis,
        "idempotency_key": gift.submission_key,
    }


def donation_record_offline(*, gift: OfflineGift, recorded_by=None) -> Donation:
    """Record a received offline gift and post it to the ledger, in one transaction; at or above the
    confirmation amount it is recorded 待复核 instead and posts nothing. A gift submitted again with the same
    ``submission_key`` returns the gift already recorded."""
    errors = offline_gift_errors(gift)
    if not errors.get("received_at"):
        try:  # a date in a closed accounting period (期间结账): a form error, not the ledger's refusal at posting
            check_open([gift.received_at])
        except PostingError as error:
            errors["received_at"] = str(error)
    if errors:
        raise ValidationError(errors)
    reference = gift.bank_reference.strip() or None
    with transaction.atomic():
        if gift.submission_key and (done := Donation.objects.filter(idempotency_key=gift.submission_key).first()):
            return done
        if reference and Donation.objects.filter(bank_reference=reference).exists():
            raise ValidationError({"bank_reference": f"银行流水号 {reference} 已经登记过,不能重复入账。"})
        if offline_gift_needs_confirmation(gift.amount):
            return Donation.objects.create(
                project=gift.project, donor=gift.donor, recorded_by=recorded_by, amount=gift.amount,
                received_at=gift.received_at, status=DonationStatus.AWAITING_CONFIRMATION,
                **_gift_columns(gift, reference),
            )
        donation = Donation.objects.create(
            project=gift.project, donor=gift.donor, recorded_by=recorded_by, **_gift_columns(gift, reference)
        )
        return donation_record_payment(
            donation=donation, amount=gift.amount, currency=donation.currency, received_at=gift.received_at
        )


def donations_record_offline_bulk(*, gifts: Sequence[OfflineGift], recorded_by=None) -> list[Donation]:
    """Record many received offline gifts (an import) in one transaction: all of them, or none.

    Each gift is checked as ``donation_record_offline`` checks one; a gift whose ``submission_key`` is already
    recorded comes back as recorded (so importing a file twice records nothing new), and a bank reference recorded
    by another gift is refused. One ledger transaction per gift, posted in a single ledger call; receipt serials
    follow the order the gifts were received. A gift at or above the confirmation amount is inserted 待复核 and
    posts nothing. Imported gifts send no thank-you e-mails: they are history. Returns the gifts in the order
    given."""
    problems = [(i, errors) for i, gift in enumerate(gifts, start=1) if (errors := offline_gift_errors(gift))]
    if problems:
        raise ValidationError([f"第 {i} 笔:{' '.join(errors.values())}" for i, errors in problems[:20]])
    with transaction.atomic():
        by_key = in_chunks(Donation.objects.all(), "idempotency_key", [g.submission_key for g in gifts])
        by_reference = in_chunks(Donation.objects.all(), "bank_reference", [g.bank_reference.strip() for g in gifts])
        result: list[Donation | None] = []
        fresh: list[Donation] = []
        waiting: list[Donation] = []
        references: set[str] = set()
        blank, build = _blank(), instance_builder(Donation)
        for gift in gifts:
            if gift.submission_key and (done := by_key.get(gift.submission_key)):
                result.append(done)
                continue
            reference = gift.bank_reference.strip() or None
            if reference and (reference in by_reference or reference in references):
                raise ValidationError({"bank_reference": f"银行流水号 {reference} 已经登记过,不能重复入账。"})
            if reference:
                references.add(reference)
            donation = _received(gift, reference, recorded_by, blank, build)
            (waiting if donation.status == DonationStatus.AWAITING_CONFIRMATION else fresh).append(donation)
            result.append(donation)
        if fresh:
            for donation, posted in zip(fresh, ledger_postings.gifts_post_bulk(fresh), strict=True):
                donation.transaction_id = posted.pk  # the id, not the object: no gift ↔ transaction cycle for
                # the garbage collector to chase through a 100,000-row import
            receipt_serials_assign_bulk(fresh)
        if fresh or waiting:
            _insert(fresh + waiting)
    return result


def _insert(donations: list[Donation]) -> None:
    """INSERT the new gifts as plain rows (COPY on PostgreSQL): ``bulk_create`` spends more time compiling 40
    columns × 10,000 rows than the database spends storing them (docs/BENCHMARKS.md, "Bulk import"). Only the
    values the driver cannot take as they are (UUIDs on SQLite, datetimes) go through their field."""
    fields = [f for f in Donation._meta.concrete_fields if not f.primary_key]
    convert = {f.attname: f for f in fields if isinstance(f, models.UUIDField | models.DateTimeField)}
    now = timezone.now()
    stamp = convert["created_at"].get_db_prep_save(now, connection)
    names = [f.attname for f in fields]
    rows = []
    for donation in donations:
        donation.created_at = donation.updated_at = now
        values = donation.__dict__
        row = []
        for name in names:
            value = values[name]
            if value is not None and name in convert:
                value = stamp if value is now else convert[name].get_db_prep_save(value, connection)
            row.append(value)
        rows.append(tuple(row))
    insert_rows(Donation._meta.db_table, [f.column for f in fields], rows)


def _received(gift: OfflineGift, reference: str | None, recorded_by, blank: dict, build) -> Donation:
    """A new received gift, built from a blank gift's defaults by the ledger's ``instance_builder``:
    ``Donation(**fields)`` walks all 40 fields per call, which at 100,000 rows cost more than inserting them
    (docs/BENCHMARKS.md, "Bulk import")."""
    donation = build(
        {
            **blank,
            "public_id": uuid.uuid4(),
            "project_id": gift.project.pk if gift.project else None,
            "donor_id": gift.donor.pk if gift.donor else None,
            "recorded_by_id": recorded_by.pk if recorded_by else None,
            "status": DonationStatus.PENDING,
            "amount": gift.amount,
            "received_at": gift.received_at,
            **_gift_columns(gift, reference),
        }
    )
    donation._state.fields_cache.update(project=gift.project, donor=gift.donor)
    if offline_gift_needs_confirmation(gift.amount):
        donation.status = DonationStatus.AWAITING_CONFIRMATION  # created so, as a new online gift is PENDING
    else:
        donation.set_status(DonationStatus.SUCCEEDED)
    return donation


def _blank() -> dict:
    """A new gift's field defaults (its ``public_id`` is replaced per gift)."""
    blank = dict(Donation().__dict__)
    del blank["_state"]
    return blank


def donation_reverse(*, donation: Donation, reason: str, user=None) -> Donation:
    """冲正: undo a wrongly recorded offline gift with a reversing ledger transaction. The gift stays on
    record, marked 已冲正, with the reason."""
    reason = reason.strip()
    if not reason:
        raise DonationError("冲正必须填写原因。")
    with transaction.atomic():
        donation = Donation.objects.select_for_update(of=("self",)).select_related("project").get(pk=donation.pk)
        if donation.channel not in OFFLINE_CHANNELS:
            raise DonationError("在线捐赠不能冲正,请通过支付通道退款。")
        if donation.status != DonationStatus.SUCCEEDED:
            raise DonationError(f"只有已到账的捐赠才能冲正(当前状态:{donation.get_status_display()})。")
        ledger_postings.gift_reverse(donation, at=timezone.now(), reason=reason)
        donation.set_status(DonationStatus.REVERSED)
        donation.reversal_reason = reason[:200]
        donation.save(update_fields=["status", "reversal_reason", "updated_at"])
    return donation


def _check_reviewer(donation: Donation, user) -> None:
    if user is None or not user.has_perm(CONFIRM_PERMISSION):
        raise DonationError("您没有复核线下捐赠的权限。")
    if donation.recorded_by_id is not None and donation.recorded_by_id == user.pk:
        raise DonationError("登记人不能复核自己登记的捐赠,请由另一位有复核权限的人员确认或驳回。")


def _not_awaiting(donation: Donation, verb: str) -> DonationError:
    return DonationError(f"只有待复核的捐赠才能{verb}(当前状态:{donation.get_status_display()})。")


def donation_confirm_offline(*, donation: Donation, user) -> Donation:
    """复核确认: a second person confirms a 待复核 gift. The gift posts to the ledger, gets its receipt serial and
    is logged in one transaction with its status change; a gift already confirmed (a second click, or two
    confirmations racing: the row is locked, the later one finds it confirmed) is returned unchanged."""
    with transaction.atomic():
        donation = _locked(donation)
        _check_reviewer(donation, user)
        if donation.status == DonationStatus.SUCCEEDED and donation.reviewed_by_id is not None:
            return donation
        if donation.status != DonationStatus.AWAITING_CONFIRMATION:
            raise _not_awaiting(donation, "确认入账")
        donation.set_status(DonationStatus.SUCCEEDED)
        try:
            donation.transaction = ledger_postings.gift_post(donation)
        except PostingError as error:  # its month was closed while it waited: record it again, dated in the open one
            raise DonationError(str(error)) from error
        receipt_serial_assign(donation)
        donation.reviewed_by, donation.reviewed_at = user, timezone.now()
        donation.save(update_fields=[*RECEIVED_FIELDS, "reviewed_by", "reviewed_at", "updated_at"])
        log(donation, CONFIRM_ACTION, user=user, data={"status": donation.status,
                                                       "transaction": donation.transaction_id})
        transaction.on_commit(lambda: _send_thanks(donation.pk))
    return donation


def donation_reject_offline(*, donation: Donation, user, reason: str) -> Donation:
    """复核驳回: a second person rejects a 待复核 gift with a reason. Nothing posts; the bank reference is freed
    (kept in ``rejected_bank_reference``) so the statement line can be recorded again, correctly."""
    reason = reason.strip()
    if not reason:
        raise DonationError("驳回必须填写原因。")
    with transaction.atomic():
        donation = _locked(donation)
        _check_reviewer(donation, user)
        if donation.status == DonationStatus.REJECTED:
            return donation
        if donation.status != DonationStatus.AWAITING_CONFIRMATION:
            raise _not_awaiting(donation, "驳回")
        donation.set_status(DonationStatus.REJECTED)
        donation.rejection_reason = reason[:200]
        donation.rejected_bank_reference, donation.bank_reference = donation.bank_reference or "", None
        donation.reviewed_by, donation.reviewed_at = user, timezone.now()
        donation.save(update_fields=["status", "rejection_reason", "rejected_bank_reference", "bank_reference",
                                     "reviewed_by", "reviewed_at", "updated_at"])
        log(donation, REJECT_ACTION, user=user, data={"status": donation.status, "reason": donation.rejection_reason})
    return donation
