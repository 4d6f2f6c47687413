"""Data for the disbursement benchmarks (``bench/disbursements.py``): a throw-away database, staff, beneficiaries,
funds with gifts, enrolments, and disbursements in whatever state a phase starts from.

Deterministic: amounts, dates and names come from fixed seeds, so a run reproduces (uuids aside).

What goes through the services and what is bulk-inserted:
- beneficiaries are registered one by one with ``beneficiary_register`` (encryption, keyed hashes, the duplicate
  check), because that is cheap enough at 5,000 and keeps the registry's rules;
- gifts are ``Donation`` rows as ``donation_record_offline`` leaves them (bank gifts, 已到账), inserted with
  ``bulk_create``, and their ledger transactions posted by ``donations.services.ledger_postings.gifts_post_bulk``
  (what the gift import calls: 1002 银行存款 → the fund's 捐赠收入, the gift's source, and a public record with a
  salted commitment to the donor's public name, the salt and review state set on the gift before it is saved) in
  batches of 1,000: the offline-gift service one gift at a time would take minutes at 100,000;
- enrolments and the disbursements a phase starts from (approved, submitted, or already paid for fund tracing)
  are ``bulk_create``d in that state, with the fields the services would have set; paid ones get their ledger
  transactions (``projects.services.postings.disbursement_posting``) through ``transactions_post_bulk`` too.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHANGHAI = ZoneInfo("Asia/Shanghai")
GIFT_EPOCH = datetime(2024, 1, 1, 9, tzinfo=SHANGHAI)
GIFT_SPAN_DAYS = 900
POST_BATCH = 1000
GIFT_PRESETS = [Decimal(v) for v in ("20", "50", "88.80", "100", "200", "500", "1000", "5000")]
GRANT_PRESETS = [Decimal(v) for v in ("1500", "3000", "5000", "7500", "10000", "20000")]


# -- the database ---------------------------------------------------------------------------------------


@dataclass
class Database:
    vendor: str
    url: str
    name: str
    admin_url: str = ""  # PostgreSQL: the server's maintenance database, to create and drop ours


def database_create(db_name: str) -> Database:
    """A fresh database: on the PostgreSQL server of DATABASE_URL, ``db_name`` (dropped first if it exists; the
    URL's own database is never touched); without a PostgreSQL URL, a new SQLite file (WAL, as in production)."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(url)
        ours = urlunsplit(parts._replace(path=f"/{db_name}"))
        admin = urlunsplit(parts._replace(path="/postgres", query=""))
        db = Database("postgresql", ours, db_name, admin)
        _pg_admin(db, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        _pg_admin(db, f'CREATE DATABASE "{db_name}"')
    else:
        path = f"{tempfile.mkdtemp(prefix='bench-disb-')}/bench.sqlite3"
        db = Database("sqlite", f"sqlite:///{path}", path)
    os.environ["DATABASE_URL"] = db.url
    return db


def database_drop(db: Database) -> None:
    from django.db import connections

    connections.close_all()
    if db.vendor == "postgresql":
        _pg_admin(db, f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)')
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(db.name + suffix).unlink(missing_ok=True)


def _pg_admin(db: Database, sql: str) -> None:
    import psycopg

    with psycopg.connect(db.admin_url, autocommit=True) as conn:
        conn.execute(sql)


def django_setup() -> None:
    """Test settings (fixed keys, fast password hashing), migrated: the groups exist after migrate."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "charity.settings.test")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


# -- people -------------------------------------------------------------------------------------------


@dataclass
class Staff:
    officer: object
    approver: object
    approver2: object
    finance: object


def staff_create() -> Staff:
    from tests.factories import staff_user

    return Staff(
        officer=staff_user("bench-guanyuan", "项目官员"),
        approver=staff_user("bench-shenhe", "审核人"),
        approver2=staff_user("bench-shenhe2", "审核人"),
        finance=staff_user("bench-caiwu", "财务"),
    )


def beneficiaries_create(n: int, *, officer) -> list:
    """``n`` adults registered through ``beneficiary_register``; every third has a publication consent (张*三)."""
    from projects.models import Beneficiary, ConsentGiver, PublicationConsent
    from projects.services import beneficiary_register
    from tests.factories import beneficiary_data

    people = [beneficiary_register(data=beneficiary_data(i), created_by=officer) for i in range(n)]
    PublicationConsent.objects.bulk_create(
        PublicationConsent(
            beneficiary=b, given_by=ConsentGiver.SELF, giver_name=b.name, given_on=date(2023, 1, 1), recorded_by=officer
        )
        for b in people[::3]
    )
    people = list(Beneficiary.objects.order_by("pk").prefetch_related("consents"))
    for b in people:  # what projects.disclosure reads instead of querying per row
        b.prefetched_consents = list(b.consents.all())
    return people


# -- funds and gifts ----------------------------------------------------------------------------------


def fund_create(code: str, name: str):
    """A restricted fundraising project (定向基金) with its ledger accounts."""
    from projects.models import Category, Project, Status
    from projects.services import project_fund_accounts

    project = Project.objects.create(
        code=code,
        name=name,
        category=Category.MEDICAL,
        status=Status.FUNDRAISING,
        target_amount=Decimal("100000000.00"),
        start_date=date(2024, 1, 1),
        is_restricted=True,
    )
    project_fund_accounts(project=project)
    return project


def gift_amounts(g: int, *, seed: int) -> list[Decimal]:
    rng = random.Random(seed)
    return [GIFT_PRESETS[rng.randrange(len(GIFT_PRESETS))] for _ in range(g)]


def gifts_create(project, amounts: list[Decimal], *, seed: int) -> list[int]:
    """Received bank gifts to ``project``, spread over GIFT_SPAN_DAYS in order, posted to the ledger in bulk.
    Returns their primary keys in the order received."""
    from django.db import transaction

    from donations.models import Channel, Donation, DonationStatus
    from donations.services.ledger_postings import gifts_post_bulk

    rng = random.Random(f"{project.code}:{seed}")
    step = GIFT_SPAN_DAYS * 86400 / max(1, len(amounts))
    pks = []
    for start in range(0, len(amounts), POST_BATCH):
        chunk = amounts[start : start + POST_BATCH]
        gifts = []
        for i, amount in enumerate(chunk, start=start):
            received = GIFT_EPOCH + timedelta(seconds=int(i * step) + rng.randrange(max(1, int(step))))
            gifts.append(
                Donation(
                    public_id=uuid.UUID(int=rng.getrandbits(128), version=4),
                    project=project,
                    channel=Channel.BANK,
                    status=DonationStatus.SUCCEEDED,
                    requested_amount=amount,
                    amount=amount,
                    currency="CNY",
                    received_at=received,
                    display_name="" if i % 3 else f"爱心人士{i}",
                    is_anonymous=i % 7 == 0,
                    bank_reference=f"BENCH-{project.code}-{i:07d}",
                )
            )
        with transaction.atomic():
            posted = gifts_post_bulk(gifts)  # commits each public name: salt and review state on the gift
            for gift, txn in zip(gifts, posted, strict=True):
                gift.transaction = txn
            Donation.objects.bulk_create(gifts)
        pks += [g.pk for g in gifts]
    return pks


def fund_with_money(code: str, name: str, amount: Decimal, *, seed: int):
    project = fund_create(code, name)
    gifts_create(project, [amount], seed=seed)
    return project


# -- enrolments and disbursements ---------------------------------------------------------------------


def enrolments_create(project, people: list, *, amount: Decimal, officer) -> None:
    from projects.models import Enrolment, StandardUnit

    Enrolment.objects.bulk_create(
        Enrolment(
            beneficiary=b,
            project=project,
            standard_amount=amount,
            standard_unit=StandardUnit.PER_YEAR,
            start_date=date(2026, 1, 1),
            created_by=officer,
        )
        for b in people
    )


def singles_create(project, people: list, *, amount: Decimal, status: str, staff: Staff) -> list:
    """One single (not batched) disbursement per person, left ``submitted`` or ``approved`` as the services would
    leave it (one approval needed: ``amount`` is below the dual-approval threshold). Returns them in pk order."""
    from django.utils import timezone

    from projects.models import Approval, Disbursement, DisbursementStatus

    now = timezone.now()
    approved = status == DisbursementStatus.APPROVED
    rows = Disbursement.objects.bulk_create(
        Disbursement(
            project=project,
            beneficiary=b,
            amount=amount,
            currency=project.currency,
            purpose="生活救助金",
            disbursed_on=date(2026, 11, 1),
            status=status,
            required_approvals=1,
            submission_round=1,
            created_by=staff.officer,
            submitted_by=staff.officer,
            submitted_at=now,
            approved_at=now if approved else None,
        )
        for b in people
    )
    if approved:
        Approval.objects.bulk_create(
            Approval(disbursement=d, approver=staff.approver, maker=staff.officer, submitter=staff.officer, round=1)
            for d in rows
        )
    return list(Disbursement.objects.filter(project=project).order_by("pk"))


def grant_amounts(d: int, *, budget: Decimal, seed: int) -> list[Decimal]:
    """``d`` grant amounts from GRANT_PRESETS, scaled down in whole yuan if they would spend more than ``budget``."""
    rng = random.Random(seed)
    amounts = [GRANT_PRESETS[rng.randrange(len(GRANT_PRESETS))] for _ in range(d)]
    total = sum(amounts)
    if total > budget:
        amounts = [max(Decimal(1), (a * budget / total).quantize(Decimal(1))) for a in amounts]
        while sum(amounts) > budget:
            amounts[amounts.index(max(amounts))] -= 1
    return amounts


def paid_disbursements_create(project, people: list, amounts: list[Decimal], *, staff: Staff, seed: int) -> None:
    """Paid disbursements of ``project`` (one per amount, people in turn), paid at times spread over the gifts'
    span, each with its ledger transaction as ``disbursement_pay`` posts it: its legs and public record, effective
    on the payment day (``paid_on``; ``effective_moment``, the end of that day)."""
    from django.db import transaction
    from django.utils import timezone

    from ledger.services import transactions_post_bulk
    from projects.models import Disbursement, DisbursementStatus
    from projects.services.postings import disbursement_posting
    from projects.services.rules import effective_moment

    rng = random.Random(seed)
    step = GIFT_SPAN_DAYS * 86400 / max(1, len(amounts))
    for start in range(0, len(amounts), POST_BATCH):
        rows = []
        for i in range(start, min(len(amounts), start + POST_BATCH)):
            paid_at = GIFT_EPOCH + timedelta(seconds=int(i * step) + rng.randrange(max(1, int(step))))
            rows.append(
                Disbursement(
                    project=project,
                    beneficiary=people[i % len(people)],
                    amount=amounts[i],
                    currency=project.currency,
                    purpose="助学金" if i % 2 else "医疗救助",
                    disbursed_on=paid_at.date(),
                    status=DisbursementStatus.PAID,
                    submission_round=1,
                    created_by=staff.officer,
                    submitted_by=staff.officer,
                    submitted_at=paid_at,
                    approved_at=paid_at,
                    paid_by=staff.finance,
                    paid_at=paid_at,
                    paid_on=timezone.localdate(paid_at),
                )
            )
        with transaction.atomic():
            posted = transactions_post_bulk([disbursement_posting(d, at=effective_moment(d.paid_on)) for d in rows])
            for row, txn in zip(rows, posted, strict=True):
                row.transaction = txn
            Disbursement.objects.bulk_create(rows)
