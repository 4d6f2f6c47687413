"""Writes to the beneficiary registry (受助人登记), enrolments (项目登记) and publication consents (公示授权).

Rules:
- A 居民身份证号 must pass its GB 11643 check digit; the same person (by keyed hash) is registered once — the
  unique index refuses a race the Python check misses.
- ID numbers, phones and bank accounts are stored encrypted with a keyed hash and a mask; nothing else keeps them.
- A minor needs a guardian on file, and only the guardian can consent to publication.
- Revealing a full value needs ``projects.reveal_beneficiary`` and leaves an audit-log entry naming the field.
- An enrolment needs an open project, a positive standard and no overlap with the same person's other enrolment
  in that project.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.log_actions import log

from projects import sensitive
from projects.models import (
    Beneficiary,
    BeneficiaryCategory,
    ConsentGiver,
    Enrolment,
    Project,
    PublicationConsent,
    StandardUnit,
    Status,
)

REVEAL_ACTION = "projects.beneficiary_reveal"
REVEALABLE = {"id_number": "身份证号", "phone": "联系电话", "bank_account": "银行账号", "guardian_phone": "监护人电话"}
UNCHANGED = None  # a sensitive field left None on update keeps its stored value


@dataclass(frozen=True)
class BeneficiaryData:
    """What staff type in. On update, a sensitive field left ``None`` keeps the stored value ('' clears it)."""

    name: str
    category: str
    district: str
    id_number: str | None = None
    town: str = ""
    village: str = ""
    phone: str | None = None
    bank_name: str = ""
    bank_account: str | None = None
    guardian_name: str = ""
    guardian_relation: str = ""
    guardian_phone: str | None = None
    notes: str = ""


def beneficiary_errors(data: BeneficiaryData, *, instance: Beneficiary | None = None) -> dict[str, str]:
    """Every problem with the data, by field, in Chinese (the importer in issue 6 reports them per row)."""
    errors: dict[str, str] = {}
    if not data.name.strip():
        errors["name"] = "请填写姓名。"
    if data.category not in BeneficiaryCategory.values:
        errors["category"] = "请选择救助类别。"
    if not data.district.strip():
        errors["district"] = "请填写区县。"
    errors.update(_id_number_errors(data, instance))
    for field, validator in (
        ("phone", sensitive.validate_mobile),
        ("guardian_phone", sensitive.validate_mobile),
        ("bank_account", sensitive.validate_bank_account),
    ):
        try:
            validator(getattr(data, field) or "")
        except ValidationError as error:
            errors[field] = error.messages[0]
    if "id_number" not in errors and _is_minor(data, instance) and not data.guardian_name.strip():
        errors["guardian_name"] = "未成年受助人必须登记监护人。"
    return errors


def _id_number_errors(data: BeneficiaryData, instance: Beneficiary | None) -> dict[str, str]:
    if data.id_number is UNCHANGED:
        return {} if instance is not None else {"id_number": "请填写身份证号。"}
    if error := sensitive.id_number_errors(data.id_number):
        return {"id_number": error}
    other = beneficiary_with_id_number(data.id_number)
    if other is not None and (instance is None or other.pk != instance.pk):
        return {"id_number": f"该身份证号已登记(受助人 {other.masked_name},编号 {other.pk}),不能重复登记。"}
    return {}


def _is_minor(data: BeneficiaryData, instance: Beneficiary | None) -> bool:
    if data.id_number:
        born = sensitive.birth_date_from_id(data.id_number)
    elif instance is not None:
        born = instance.birth_date
    else:
        return False
    today = timezone.localdate()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day)) < 18


def beneficiary_with_id_number(id_number: str) -> Beneficiary | None:
    """The registered person with this ID number (found by keyed hash; the number itself is never queried)."""
    return Beneficiary.objects.filter(id_number_hash=sensitive.keyed_hash("id_number", id_number)).first()


@transaction.atomic
def beneficiary_register(*, data: BeneficiaryData, created_by=None) -> Beneficiary:
    """登记受助人. Raises ``ValidationError`` (by field) and saves nothing when the data are wrong."""
    if errors := beneficiary_errors(data):
        raise ValidationError(errors)
    beneficiary = Beneficiary(created_by=created_by)
    _apply(beneficiary, data)
    return _save(beneficiary)


@transaction.atomic
def beneficiary_update(*, beneficiary: Beneficiary, data: BeneficiaryData) -> Beneficiary:
    if errors := beneficiary_errors(data, instance=beneficiary):
        raise ValidationError(errors)
    _apply(beneficiary, data)
    return _save(beneficiary)


def _apply(beneficiary: Beneficiary, data: BeneficiaryData) -> None:
    plain = {f.name for f in fields(data)} - set(REVEALABLE)
    for name in plain:
        setattr(beneficiary, name, getattr(data, name).strip())
    if data.id_number is not UNCHANGED:
        number = sensitive.normalise("id_number", data.id_number)
        beneficiary.id_number_encrypted = sensitive.encrypt(number)
        beneficiary.id_number_hash = sensitive.keyed_hash("id_number", number)
        beneficiary.id_number_masked = sensitive.mask("id_number", number)
        beneficiary.birth_date = sensitive.birth_date_from_id(number)
    for kind in ("phone", "bank_account", "guardian_phone"):
        value = getattr(data, kind)
        if value is UNCHANGED:
            continue
        value = sensitive.normalise(kind, value)
        setattr(beneficiary, f"{kind}_encrypted", sensitive.encrypt(value))
        setattr(beneficiary, f"{kind}_masked", sensitive.mask(kind, value))
        if kind != "guardian_phone":
            setattr(beneficiary, f"{kind}_hash", sensitive.keyed_hash(kind, value))


def _save(beneficiary: Beneficiary) -> Beneficiary:
    try:
        with transaction.atomic():
            beneficiary.save()
    except IntegrityError as error:  # a concurrent registration of the same ID number won the unique index
        raise ValidationError({"id_number": "该身份证号已登记,不能重复登记。"}) from error
    return beneficiary


def beneficiary_reveal(*, beneficiary: Beneficiary, field: str, user) -> str:
    """The full value of one sensitive field, for a user with the permission; the audit log records who and which
    field (never the value)."""
    if field not in REVEALABLE:
        raise ValueError(field)
    if not user.has_perm("projects.reveal_beneficiary"):
        raise PermissionDenied("没有查看受助人完整信息的权限。")
    log(beneficiary, REVEAL_ACTION, user=user, data={"field": field, "label": REVEALABLE[field]})
    return sensitive.decrypt(getattr(beneficiary, f"{field}_encrypted"))


@transaction.atomic
def consent_record(
    *, beneficiary: Beneficiary, given_by: str, giver_name: str, given_on: date, document=None, recorded_by=None
) -> PublicationConsent:
    """登记公示授权. A minor's consent comes from the guardian on file; an adult's from the person (or a guardian)."""
    errors = {}
    if given_on > timezone.localdate():
        errors["given_on"] = "授权日期不能晚于今天。"
    if not giver_name.strip():
        errors["giver_name"] = "请填写授权人姓名。"
    if beneficiary.is_minor_on(given_on) and given_by != ConsentGiver.GUARDIAN:
        errors["given_by"] = "受助人未成年,公示授权须由监护人作出。"
    if given_by == ConsentGiver.GUARDIAN and not beneficiary.guardian_name:
        errors["given_by"] = "受助人没有登记监护人,不能由监护人授权。"
    if errors:
        raise ValidationError(errors)
    return PublicationConsent.objects.create(
        beneficiary=beneficiary,
        given_by=given_by,
        giver_name=giver_name.strip(),
        given_on=given_on,
        document=document,
        recorded_by=recorded_by,
    )


def consent_withdraw(*, consent: PublicationConsent, on: date) -> PublicationConsent:
    if on < consent.given_on:
        raise ValidationError({"withdrawn_on": "撤回日期不能早于授权日期。"})
    consent.withdrawn_on = on
    consent.save(update_fields=["withdrawn_on"])
    return consent


@transaction.atomic
def enrolment_create(
    *,
    beneficiary: Beneficiary,
    project: Project,
    standard_amount: Decimal,
    standard_unit: str,
    start_date: date,
    end_date: date | None = None,
    yearly_cap: Decimal | None = None,
    notes: str = "",
    created_by=None,
) -> Enrolment:
    """把受助人纳入项目. Refuses a closed project, a non-positive standard and an overlapping enrolment."""
    enrolment = Enrolment(
        beneficiary=beneficiary,
        project=project,
        standard_amount=standard_amount,
        standard_unit=standard_unit,
        start_date=start_date,
        end_date=end_date,
        yearly_cap=yearly_cap,
        notes=notes,
        created_by=created_by,
    )
    if errors := enrolment_errors(enrolment):
        raise ValidationError(errors)
    enrolment.save()
    return enrolment


def enrolment_errors(enrolment: Enrolment) -> dict[str, str]:
    errors = {}
    if enrolment.project.status == Status.CLOSED:
        errors["project"] = "项目已结项,不能再登记救助对象。"
    if enrolment.standard_amount is None or enrolment.standard_amount <= 0:
        errors["standard_amount"] = "资助标准必须大于 0。"
    if enrolment.standard_unit not in StandardUnit.values:
        errors["standard_unit"] = "请选择计发单位。"
    if enrolment.yearly_cap is not None and enrolment.yearly_cap <= 0:
        errors["yearly_cap"] = "年度上限必须大于 0(不设上限请留空)。"
    if enrolment.end_date and enrolment.end_date < enrolment.start_date:
        errors["end_date"] = "结束日期不能早于开始日期。"
    elif _overlapping(enrolment).exists():
        errors["start_date"] = "该受助人在本项目已有时间重叠的登记。"
    return errors


def _overlapping(enrolment: Enrolment):
    others = Enrolment.objects.filter(beneficiary=enrolment.beneficiary, project=enrolment.project).exclude(
        pk=enrolment.pk
    )
    if enrolment.end_date:
        others = others.filter(start_date__lte=enrolment.end_date)
    return others.exclude(end_date__lt=enrolment.start_date)


def enrolment_end(*, enrolment: Enrolment, end_date: date) -> Enrolment:
    """结束登记 (e.g. graduated, recovered): payments dated after the end are then refused."""
    if end_date < enrolment.start_date:
        raise ValidationError({"end_date": "结束日期不能早于开始日期。"})
    enrolment.end_date = end_date
    enrolment.save(update_fields=["end_date"])
    return enrolment
