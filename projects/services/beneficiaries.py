"""Writes to the beneficiary registry (受助人登记), enrolments (项目登记) and publication consents (公示授权).

Rules:
- A 居民身份证号 must pass its GB 11643 check digit; the same person (by keyed hash) is registered once — the
  unique index refuses a race the Python check misses.
- ID numbers, phones and bank accounts are stored encrypted with a keyed hash and a mask; nothing else keeps them.
- A minor needs a guardian on file, and only the guardian can consent to publication.
- Revealing a full value needs that field's permission (``projects.sensitive.may_reveal``: ID number, phones,
  bank account, address) and leaves an audit-log entry naming the field.
- An enrolment needs an open project, a positive standard and no overlap with the same person's other enrolment
  in that project.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.log_actions import log

from ledger.privacy import mask_name
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
from projects.selectors.lookups import in_chunks

REVEAL_ACTION = "projects.beneficiary_reveal"
REVEALABLE = {
    "id_number": "身份证号",
    "phone": "联系电话",
    "bank_account": "银行账号",
    "guardian_phone": "监护人电话",
    "village": "村(社区)",
}
ENCRYPTED = frozenset({"id_number", "phone", "bank_account", "guardian_phone"})  # the village is stored plain
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


LOOK_UP = object()  # beneficiary_errors(registered=…) not given: the registry is asked here


def beneficiary_errors(
    data: BeneficiaryData, *, instance: Beneficiary | None = None, registered: Beneficiary | None | object = LOOK_UP
) -> dict[str, str]:
    """Every problem with the data, by field, in Chinese (the importer in issue 6 reports them per row).

    ``registered`` is the person already registered with ``data.id_number`` (or None) when the caller looked the
    whole file up at once by keyed hash; left out, it is looked up here (one query)."""
    errors: dict[str, str] = {}
    if not data.name.strip():
        errors["name"] = "请填写姓名。"
    if data.category not in BeneficiaryCategory.values:
        errors["category"] = "请选择救助类别。"
    if not data.district.strip():
        errors["district"] = "请填写区县。"
    errors.update(_id_number_errors(data, instance, registered))
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


def _id_number_errors(data: BeneficiaryData, instance: Beneficiary | None, registered) -> dict[str, str]:
    if data.id_number is UNCHANGED:
        return {} if instance is not None else {"id_number": "请填写身份证号。"}
    if error := sensitive.id_number_errors(data.id_number):
        return {"id_number": error}
    other = beneficiary_with_id_number(data.id_number) if registered is LOOK_UP else registered
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


def beneficiaries_with_id_numbers(id_numbers: Iterable[str]) -> dict[str, Beneficiary]:
    """{normalised ID number: the registered person} for many numbers at once (an import): one query per 5,000
    numbers, by keyed hash. The numbers never leave memory; callers must not show them."""
    hashes = {sensitive.keyed_hash("id_number", n): sensitive.normalise("id_number", n) for n in id_numbers if n}
    found = in_chunks(Beneficiary.objects.all(), "id_number_hash", hashes)
    return {hashes[digest]: person for digest, person in found.items()}


@transaction.atomic
def beneficiaries_register_bulk(*, data: list[BeneficiaryData], created_by=None) -> list[Beneficiary]:
    """登记 many people at once (an import): each checked by the rules of ``beneficiary_register``, the registry
    asked once for the whole list, one bulk insert. The same ID number twice in ``data`` is refused, and the
    unique index still refuses a concurrent registration of the same person."""
    registered = beneficiaries_with_id_numbers(item.id_number for item in data if item.id_number)
    people, seen = [], set()
    for item in data:
        number = sensitive.normalise("id_number", item.id_number or "")
        errors = beneficiary_errors(item, registered=registered.get(number))
        if number in seen:
            errors["id_number"] = "同一身份证号在本批中出现了两次。"
        if errors:
            raise ValidationError([f"受助人 {mask_name(item.name)}:{message}" for message in errors.values()])
        seen.add(number)
        person = Beneficiary(created_by=created_by)
        _apply(person, item)
        people.append(person)
    try:
        with transaction.atomic():
            Beneficiary.objects.bulk_create(people, batch_size=500)
    except IntegrityError as error:
        raise ValidationError({"id_number": "该身份证号已登记,不能重复登记。"}) from error
    return people


@transaction.atomic
def beneficiary_update(*, beneficiary: Beneficiary, data: BeneficiaryData) -> Beneficiary:
    if errors := beneficiary_errors(data, instance=beneficiary):
        raise ValidationError(errors)
    _apply(beneficiary, data)
    return _save(beneficiary)


def _apply(beneficiary: Beneficiary, data: BeneficiaryData) -> None:
    plain = {f.name for f in fields(data)} - ENCRYPTED
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
    """The full value of one sensitive field, for a user with that field's permission (财务: the bank account only);
    the audit log records who and which field (never the value)."""
    if field not in REVEALABLE:
        raise ValueError(field)
    if not sensitive.may_reveal(user, field):
        raise PermissionDenied(f"没有查看受助人完整{REVEALABLE[field]}的权限。")
    log(beneficiary, REVEAL_ACTION, user=user, data={"field": field, "label": REVEALABLE[field]})
    if field not in ENCRYPTED:
        return getattr(beneficiary, field)
    return sensitive.decrypt(getattr(beneficiary, f"{field}_encrypted"))


def beneficiary_revealable(user) -> frozenset[str]:
    """The fields of ``REVEALABLE`` this user may reveal (by the per-field permissions)."""
    return frozenset(field for field in REVEALABLE if sensitive.may_reveal(user, field))


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


@transaction.atomic
def enrolments_create_bulk(*, enrolments: list[Enrolment]) -> list[Enrolment]:
    """Many enrolments at once (an import), unsaved ones built by the caller: each checked by the rules of
    ``enrolment_create`` against the same person's enrolments in the project — on record (looked up once for the
    whole list) and earlier in the list — then one bulk insert. The unique index (person, project, start) still
    refuses a concurrent duplicate."""
    others = enrolments_on_record(
        people={e.beneficiary.pk for e in enrolments}, projects={e.project.pk for e in enrolments}
    )
    for enrolment in enrolments:
        same = others.setdefault((enrolment.beneficiary.pk, enrolment.project.pk), [])
        if errors := enrolment_errors(enrolment, others=same):
            name = enrolment.beneficiary.masked_name
            raise ValidationError([f"受助人 {name}({enrolment.project.code}):{m}" for m in errors.values()])
        same.append(enrolment)
    try:
        with transaction.atomic():
            Enrolment.objects.bulk_create(enrolments, batch_size=1000)
    except IntegrityError as error:
        raise ValidationError("同一受助人在同一项目同一开始日期的登记已存在,不能重复登记。") from error
    return enrolments


def enrolments_on_record(*, people: Iterable[int], projects: Iterable[int]) -> dict[tuple[int, int], list[Enrolment]]:
    """{(person pk, project pk): their enrolments} for these people in these projects (one query per 5,000
    people: an import checks a whole file with it)."""
    people, projects = sorted(set(people)), set(projects)
    found: dict[tuple[int, int], list[Enrolment]] = {}
    for start in range(0, len(people) if projects else 0, 5000):
        chunk = Enrolment.objects.filter(beneficiary_id__in=people[start : start + 5000], project_id__in=projects)
        for enrolment in chunk:
            found.setdefault((enrolment.beneficiary_id, enrolment.project_id), []).append(enrolment)
    return found


def enrolment_errors(enrolment: Enrolment, *, others: Iterable[Enrolment] | None = None) -> dict[str, str]:
    """Every problem, by field, in Chinese. ``others`` are the same person's other enrolments in the project when
    the caller looked a whole file up at once; left out, they are asked for here (one query)."""
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
    elif others is None and _overlapping(enrolment).exists():
        errors["start_date"] = "该受助人在本项目已有时间重叠的登记。"
    elif others is not None and any(enrolments_overlap(enrolment, other) for other in others):
        errors["start_date"] = "该受助人在本项目已有时间重叠的登记。"
    return errors


def enrolments_overlap(one: Enrolment, other: Enrolment) -> bool:
    """Do two enrolments (of the same person in the same project) share a day? An open end runs for ever."""
    if one.pk is not None and one.pk == other.pk:
        return False
    starts_before_other_ends = other.end_date is None or one.start_date <= other.end_date
    ends_after_other_starts = one.end_date is None or other.start_date <= one.end_date
    return starts_before_other_ends and ends_after_other_starts


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
