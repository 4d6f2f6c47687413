"""The worked example from the seeds (广安 福彩圆梦·孤儿助学): 126 orphans at 7,500 元, one batch approved and
paid → 126 beneficiaries, 126 人次 and ¥945,000.00 disbursed, in the ledger and on the project page, and a donor
whose gift funded part of it sees those disbursements."""

from datetime import date
from decimal import Decimal

import pytest

from donations.selectors import gift_tracing
from ledger.chart import expense_code
from ledger.models import Transaction, TransactionKind
from ledger.selectors import fund_figures
from projects.models import DisbursementStatus, StandardUnit
from projects.selectors import project_funding
from projects.services import (
    batch_approve,
    batch_create,
    batch_pay,
    batch_submit,
    beneficiary_register,
    enrolment_create,
)
from tests.factories import ProjectFactory, beneficiary_data
from tests.projects.conftest import give

pytestmark = pytest.mark.django_db


def test_126_orphans_one_batch(officer, approver, finance):
    project = ProjectFactory(code="GA-ORPHAN", name="福彩圆梦·孤儿助学", target_amount=Decimal("945000.00"))
    first = give(project, "300000.00", finance_user=finance, days_ago=30, name="广安福彩")
    give(project, "700000.00", finance_user=finance, days_ago=20, name="爱心企业")
    for n in range(126):
        beneficiary = beneficiary_register(data=beneficiary_data(n, born="20050901"), created_by=officer)
        enrolment_create(
            beneficiary=beneficiary,
            project=project,
            standard_amount=Decimal("7500.00"),
            standard_unit=StandardUnit.PER_YEAR,
            yearly_cap=Decimal("7500.00"),
            start_date=date(2026, 9, 1),
            created_by=officer,
        )
    batch = batch_create(
        project=project,
        title="2026年秋季学期孤儿助学金",
        disbursed_on=date(2026, 11, 1),
        purpose="助学金",
        user=officer,
    )
    batch_submit(batch=batch, user=officer)
    assert batch.required_approvals == 2  # ¥945,000 is above the dual-approval threshold
    batch_approve(batch=batch, user=approver)
    from tests.factories import staff_user

    batch_approve(batch=batch, user=staff_user("shenhe-b", "审核人"))
    batch_pay(batch=batch, user=finance)

    batch.refresh_from_db()
    assert batch.status == DisbursementStatus.PAID
    assert batch.items.filter(status=DisbursementStatus.PAID).count() == 126
    assert (
        Transaction.objects.filter(kind=TransactionKind.DISBURSEMENT, source__startswith="disbursement:").count() == 126
    )
    assert fund_figures(project.code).spent == Decimal("945000.00")
    funding = project_funding(project)
    assert (funding.beneficiaries, funding.disbursements) == (126, 126)
    assert funding.spent == Decimal("945000.00")
    assert funding.available == Decimal("55000.00")
    assert expense_code(project.code) == f"5101.{project.code}"

    tracing = gift_tracing(first)  # the first ¥300,000 paid for the first 40 grants in order of payment
    assert tracing.spent == Decimal("300000.00")
    assert len(tracing.traced) == 40
    assert {t.share for t in tracing.traced} == {Decimal("7500.00")}
    assert all("*" in t.disbursement.beneficiary for t in tracing.traced)
