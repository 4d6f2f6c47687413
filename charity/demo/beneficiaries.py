"""Demo staff, beneficiaries and disbursements, made through the services exactly as staff would make them.

- Staff: one demo account per group (项目官员 guanyuan, 审核人 shenhe and shenhe2, 财务 caiwu, 审计 shenji,
  编辑 bianji), with the password from ``DEMO_STAFF_PASSWORD`` (a printed dev-only default). For local use only:
  under the production settings neither the accounts nor the beneficiaries below are made, so a public demo site
  never has accounts with a published password.
- 福彩圆梦·孤儿助学: 126 orphans enrolled at 7,500 元 per school year and one paid batch,
  "2025年秋季学期孤儿助学金" (made by guanyuan, approved by shenhe and shenhe2, paid by caiwu): 126 人次, 94.5万元,
  the 广安 report's figures.
- 血透100: six patients at 100 元 per dialysis session up to 12,000 元 a year, monthly subsidies paid to the hospital,
  one December subsidy waiting for approval and one approved waiting for payment (the dashboard shows both).
- Some beneficiaries gave a publication consent (张*三 on the public pages) and some did not (张*).

All personal data are invented: ID numbers are built with a valid check digit, phones and bank accounts are fake.
Everything is looked up by a natural key first (user name, ID number, batch title, a ``demo:`` note), so a second
run changes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from projects.models import (
    Beneficiary,
    BeneficiaryCategory,
    ConsentGiver,
    Disbursement,
    DisbursementBatch,
    Enrolment,
    Payee,
    Project,
    StandardUnit,
)
from projects.sensitive import id_number_with_check, keyed_hash
from projects.services import (
    BeneficiaryData,
    DisbursementDraft,
    batch_approve,
    batch_create,
    batch_pay,
    batch_submit,
    beneficiary_register,
    consent_record,
    disbursement_approve,
    disbursement_create,
    disbursement_pay,
    disbursement_submit,
    enrolment_create,
)

DEV_ONLY_PASSWORD = "demo-only-Cishan-2025"  # noqa: S105 - printed by load_demo; local demo accounts only
DEMO_STAFF = [
    ("guanyuan", "项目官员", "演示项目官员"),
    ("shenhe", "审核人", "演示审核人"),
    ("shenhe2", "审核人", "演示审核人二"),
    ("caiwu", "财务", "演示财务"),
    ("shenji", "审计", "演示审计"),
    ("bianji", "编辑", "演示编辑"),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["晓雨", "子涵", "浩然", "欣怡", "宇航", "思琪", "俊杰", "雨婷", "嘉豪", "梦瑶", "志强", "佳怡", "明轩"]
GUANGAN_TOWNS = ["浓洄街道", "北辰街道", "万盛街道", "中桥街道", "枣山街道", "协兴镇"]
ORPHANS = 126
SCHOOL_YEAR = (date(2025, 9, 1), date(2026, 8, 31))
ORPHAN_STANDARD = Decimal("7500.00")
ORPHAN_BATCH = "2025年秋季学期孤儿助学金"

DIALYSIS_SESSION = Decimal("100.00")
DIALYSIS_CAP = Decimal("12000.00")
HOSPITAL = "淄博市中心医院(演示)"
# (name, born YYYYMMDD, district, town, consent, guardian): the last one is a minor, so the guardian consents.
PATIENTS = [
    ("孙立群", "19620315", "张店区", "车站街道", True, ""),
    ("周桂兰", "19580722", "张店区", "和平街道", False, ""),
    ("吴建华", "19700109", "淄川区", "般阳路街道", True, ""),
    ("郑秀英", "19651130", "淄川区", "松龄路街道", False, ""),
    ("冯志刚", "19751018", "张店区", "科苑街道", True, ""),
    ("陈思远", "20120605", "张店区", "马尚街道", True, "陈国庆"),
]
# (patient, month, sessions): paid monthly subsidies, then December: one waits for approval, one for payment.
PAID_SESSIONS = [(p, month, 12 + (p + month) % 2) for month in (10, 11) for p in range(4)]
DECEMBER_SUBMITTED, DECEMBER_APPROVED = 4, 5


def demo_staff_allowed() -> bool:
    """Demo accounts and demo people are for local use: never under the production settings."""
    module = settings.SETTINGS_MODULE or os.environ.get("DJANGO_SETTINGS_MODULE", "")
    return not module.endswith(".production")


def staff_password() -> str:
    return os.environ.get("DEMO_STAFF_PASSWORD", "") or DEV_ONLY_PASSWORD


def ensure_demo_staff(add: Callable[[str], None]) -> dict:
    users = {}
    created = []
    for username, group, last_name in DEMO_STAFF:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            user = get_user_model().objects.create_user(
                username, f"{username}@demo.invalid", staff_password(), is_staff=True, last_name=last_name
            )
            user.groups.set(Group.objects.filter(name=group))
            created.append(username)
        users[username] = get_user_model().objects.get(pk=user.pk)  # fresh, so group permissions are read
    if created:
        shown = "from DEMO_STAFF_PASSWORD" if os.environ.get("DEMO_STAFF_PASSWORD") else f"{DEV_ONLY_PASSWORD!r}"
        add(f"demo staff {', '.join(created)} (password {shown}; local use only)")
    return users


def load_beneficiaries(add: Callable[[str], None]) -> None:
    users = ensure_demo_staff(add)
    orphans = Project.objects.filter(code="GEZX").first()
    if orphans is not None:
        _orphan_grants(orphans, users, add)
    dialysis = Project.objects.filter(code="XT100").first()
    if dialysis is not None:
        _dialysis_aid(dialysis, users, add)


# -- 福彩圆梦·孤儿助学 -------------------------------------------------------------------------------------------


def _orphan(n: int) -> BeneficiaryData:
    born = f"{2004 + n % 3}{1 + n % 12:02d}{1 + n % 28:02d}"  # 18 to 21 at the start of the school year
    return BeneficiaryData(
        name=SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7 + n // len(SURNAMES)) % len(GIVEN)],
        category=BeneficiaryCategory.ORPHAN,
        district="广安区",
        town=GUANGAN_TOWNS[n % len(GUANGAN_TOWNS)],
        village=f"演示{n % 9 + 1}村",
        id_number=id_number_with_check(f"511602{born}{n:03d}"),
        phone=f"1380000{n:04d}",
        bank_name="四川农信(演示)",
        bank_account=f"6214000000000{n:06d}",
        notes="超龄在校孤儿(演示数据)",
    )


def _orphan_grants(project: Project, users: dict, add: Callable[[str], None]) -> None:
    # The batch is made last in one database transaction with the rest: if it exists, so does everything before it.
    if DisbursementBatch.objects.filter(project=project, title=ORPHAN_BATCH).exists():
        return
    enrolled = 0
    for n, (beneficiary, new) in enumerate(_registered_many([_orphan(n) for n in range(ORPHANS)], users)):
        if new and n % 2 == 0:
            _consent(beneficiary, ConsentGiver.SELF, beneficiary.name, SCHOOL_YEAR[0], users["guanyuan"])
        enrolled += _enrol(beneficiary, project, ORPHAN_STANDARD, StandardUnit.PER_YEAR, SCHOOL_YEAR, users, new=new)
    if enrolled:
        add(f"{enrolled} enrolments in {project.code}")
    batch = batch_create(
        project=project,
        title=ORPHAN_BATCH,
        disbursed_on=date(2025, 9, 15),
        purpose="2025—2026学年助学金",
        user=users["guanyuan"],
    )
    batch_submit(batch=batch, user=users["guanyuan"])
    batch_approve(batch=batch, user=users["shenhe"], comment="名单与学籍核对无误(演示)")
    batch_approve(batch=batch, user=users["shenhe2"], comment="同意发放(演示)")
    batch_pay(batch=batch, user=users["caiwu"])
    add(f"batch {ORPHAN_BATCH} ({batch.items.count()} paid)")


# -- 血透100 -----------------------------------------------------------------------------------------------------


def _patient(n: int) -> BeneficiaryData:
    name, born, district, town, _consent_given, guardian = PATIENTS[n]
    return BeneficiaryData(
        name=name,
        category=BeneficiaryCategory.SERIOUSLY_ILL if n % 2 else BeneficiaryCategory.DIBAO,
        district=district,
        town=town,
        village=f"演示社区{n + 1}",
        id_number=id_number_with_check(f"370303{born}{800 + n:03d}"),
        phone=f"1390000{n:04d}",
        bank_name="淄博农商银行(演示)",
        bank_account=f"6223000000000{n:06d}",
        guardian_name=guardian,
        guardian_relation="父亲" if guardian else "",
        guardian_phone=f"1370000{n:04d}" if guardian else "",
        notes="规律血液透析,每周三次(演示数据)",
    )


def _dialysis_aid(project: Project, users: dict, add: Callable[[str], None]) -> None:
    patients, enrolled = [], 0
    registered = _registered_many([_patient(n) for n in range(len(PATIENTS))], users)
    for spec, (beneficiary, new) in zip(PATIENTS, registered, strict=True):
        if new and spec[4]:
            giver = (ConsentGiver.GUARDIAN, spec[5]) if spec[5] else (ConsentGiver.SELF, spec[0])
            _consent(beneficiary, *giver, date(2025, 1, 2), users["guanyuan"])
        period = (date(2025, 1, 1), None)
        unit = StandardUnit.PER_SESSION
        enrolled += _enrol(beneficiary, project, DIALYSIS_SESSION, unit, period, users, new=new, cap=DIALYSIS_CAP)
        patients.append(beneficiary)
    if enrolled:
        add(f"{enrolled} enrolments in {project.code}")
    made = 0
    for patient, month, sessions in PAID_SESSIONS:
        made += _subsidy(project, patients[patient], month, sessions, users, until="paid")
    made += _subsidy(project, patients[DECEMBER_SUBMITTED], 12, 13, users, until="submitted")
    made += _subsidy(project, patients[DECEMBER_APPROVED], 12, 12, users, until="approved")
    if made:
        add(f"{made} disbursements in {project.code}")


def _subsidy(project: Project, patient: Beneficiary, month: int, sessions: int, users: dict, *, until: str) -> int:
    key = f"demo:{project.code}:{patient.pk}:2025-{month:02d}"  # internal note: the demo's natural key
    if Disbursement.objects.filter(project=project, notes=key).exists():
        return 0
    draft = DisbursementDraft(
        project=project,
        beneficiary=patient,
        amount=DIALYSIS_SESSION * sessions,
        purpose=f"2025年{month}月血透补助({sessions}次)",
        disbursed_on=date(2025, month, 28),
        payee=Payee.HOSPITAL,
        payee_name=HOSPITAL,
        notes=key,
    )
    disbursement = disbursement_create(draft=draft, user=users["guanyuan"])
    disbursement_submit(disbursement=disbursement, user=users["guanyuan"])
    if until != "submitted":
        disbursement_approve(disbursement=disbursement, user=users["shenhe"])
    if until == "paid":
        disbursement_pay(disbursement=disbursement, user=users["caiwu"])
    return 1


# -- shared ------------------------------------------------------------------------------------------------------


def _registered_many(people: list[BeneficiaryData], users: dict) -> list[tuple[Beneficiary, bool]]:
    """Each person, registered now (True) or found by the keyed hash of their ID number (False); one query to find."""
    hashes = [keyed_hash("id_number", p.id_number) for p in people]
    found = Beneficiary.objects.in_bulk(hashes, field_name="id_number_hash")
    return [
        (found[h], False) if h in found else (beneficiary_register(data=p, created_by=users["guanyuan"]), True)
        for p, h in zip(people, hashes, strict=True)
    ]


def _consent(beneficiary: Beneficiary, given_by: str, giver: str, on: date, officer) -> None:
    consent_record(beneficiary=beneficiary, given_by=given_by, giver_name=giver, given_on=on, recorded_by=officer)


def _enrol(beneficiary, project, standard, unit, period, users, *, new: bool, cap=None) -> int:
    start, end = period
    if not new and Enrolment.objects.filter(beneficiary=beneficiary, project=project, start_date=start).exists():
        return 0
    enrolment_create(
        beneficiary=beneficiary,
        project=project,
        standard_amount=standard,
        standard_unit=unit,
        start_date=start,
        end_date=end,
        yearly_cap=cap if cap is not None else (standard if unit == StandardUnit.PER_YEAR else None),
        created_by=users["guanyuan"],
    )
    return 1
