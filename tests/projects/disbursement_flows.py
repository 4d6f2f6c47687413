"""Small steps shared by the disbursement tests: register a person, enrol them, and walk a disbursement to a status
through the services (never by writing the status column), so every test starts from a state the services reach."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from django.utils import timezone

from ledger.models import Transaction
from projects.models import Disbursement, DisbursementStatus, StandardUnit
from projects.services import (
    DisbursementDraft,
    beneficiary_register,
    disbursement_approve,
    disbursement_cancel,
    disbursement_create,
    disbursement_pay,
    disbursement_reverse,
    disbursement_submit,
    enrolment_create,
)
from tests.factories import beneficiary_data

PAY_DAY = date(2026, 3, 2)


def person(n: int, **overrides):
    return beneficiary_register(data=beneficiary_data(n, **overrides))


def enrol(beneficiary, project, *, amount="1000.00", start=date(2026, 1, 1), end=None, cap=None, user=None):
    return enrolment_create(
        beneficiary=beneficiary,
        project=project,
        standard_amount=Decimal(amount),
        standard_unit=StandardUnit.PER_YEAR,
        start_date=start,
        end_date=end,
        yearly_cap=Decimal(cap) if cap is not None else None,
        created_by=user,
    )


def draft(project, beneficiary, amount, *, user, on=PAY_DAY, **fields):
    data = DisbursementDraft(
        project=project,
        beneficiary=beneficiary,
        amount=Decimal(amount),
        purpose=fields.pop("purpose", "助学金"),
        disbursed_on=on,
        **fields,
    )
    return disbursement_create(draft=data, user=user)


def submitted(project, beneficiary, amount, *, officer, **fields):
    return disbursement_submit(disbursement=draft(project, beneficiary, amount, user=officer, **fields), user=officer)


def approved(project, beneficiary, amount, *, officer, approver, **fields):
    disbursement = submitted(project, beneficiary, amount, officer=officer, **fields)
    return disbursement_approve(disbursement=disbursement, user=approver)


def paid(project, beneficiary, amount, *, officer, approver, finance, **fields):
    disbursement = approved(project, beneficiary, amount, officer=officer, approver=approver, **fields)
    return disbursement_pay(disbursement=disbursement, user=finance)


def pay_on_day(disbursement, day, *, user):
    """Pay an approved disbursement as a transfer made on ``day`` in the past: history for the checks that read
    payment years. The approval is moved to that day first (money never moves before its approval)."""
    moment = timezone.make_aware(datetime.combine(day, time(9)))
    Disbursement.objects.filter(pk=disbursement.pk).update(approved_at=moment)
    disbursement.refresh_from_db()
    return disbursement_pay(disbursement=disbursement, user=user, paid_on=day)


def in_status(status: str, project, beneficiary, *, officer, approver, finance, amount="100.00"):
    """A disbursement brought to ``status`` by the services."""
    if status == DisbursementStatus.DRAFT:
        return draft(project, beneficiary, amount, user=officer)
    if status == DisbursementStatus.SUBMITTED:
        return submitted(project, beneficiary, amount, officer=officer)
    if status == DisbursementStatus.APPROVED:
        return approved(project, beneficiary, amount, officer=officer, approver=approver)
    if status == DisbursementStatus.CANCELLED:
        return disbursement_cancel(
            disbursement=draft(project, beneficiary, amount, user=officer), user=officer, reason="录入错误"
        )
    done = paid(project, beneficiary, amount, officer=officer, approver=approver, finance=finance)
    if status == DisbursementStatus.REVERSED:
        return disbursement_reverse(disbursement=done, user=finance, reason="银行退票")
    return done


def disbursement_transactions():
    return Transaction.objects.filter(source__startswith="disbursement:")
