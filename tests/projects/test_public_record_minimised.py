"""A public record of medical aid says less (issue 18): a category of illness, a hospital payee and a street-level
region together point at a sick person. New records of medical aid — a medical project, a 重病患者, or a payment to
a hospital — carry the region down to the 区县 only and no payee; other records keep the 镇街 and the payee type.
The 公示 follows the same rule."""

from __future__ import annotations

import json

import pytest
from django.utils import translation

from ledger.models import Transaction
from ledger.services.verification import ledger_verify
from projects.models import BeneficiaryCategory, Category, Payee
from projects.selectors.disbursements import project_disbursements_public
from tests.factories import ProjectFactory
from tests.projects.conftest import give
from tests.projects.disbursement_flows import paid, person

pytestmark = pytest.mark.django_db

CASES = {
    "medical project": (Category.MEDICAL, BeneficiaryCategory.DIBAO, Payee.BENEFICIARY),
    "seriously ill": (Category.EDUCATION, BeneficiaryCategory.SERIOUSLY_ILL, Payee.BENEFICIARY),
    "paid to a hospital": (Category.EMERGENCY, BeneficiaryCategory.LOW_INCOME, Payee.HOSPITAL),
}


def pay(officer, approver, finance, *, project_category, category, payee):
    project = ProjectFactory(code="P1", category=project_category)
    give(project, "1000.00", finance_user=finance)
    someone = person(1, category=category, district="张店区", town="车站街道")
    payee_name = "淄博市中心医院" if payee == Payee.HOSPITAL else ""
    payment = paid(
        project,
        someone,
        "300.00",
        officer=officer,
        approver=approver,
        finance=finance,
        payee=payee,
        payee_name=payee_name,
    )
    return project, json.loads(Transaction.objects.get(pk=payment.transaction_id).record)["details"]


@pytest.mark.parametrize("case", CASES.keys())
def test_a_new_record_of_medical_aid_has_the_district_and_no_payee(case, officer, approver, finance):
    project_category, category, payee = CASES[case]
    project, details = pay(
        officer, approver, finance, project_category=project_category, category=category, payee=payee
    )

    assert details["region"] == "张店区"
    assert "payee" not in details
    assert [d.region for d in project_disbursements_public(project)] == ["张店区"]
    assert ledger_verify().ok


def test_other_aid_keeps_the_street_and_the_payee_type(officer, approver, finance):
    project, details = pay(
        officer,
        approver,
        finance,
        project_category=Category.EDUCATION,
        category=BeneficiaryCategory.ORPHAN,
        payee=Payee.GUARDIAN,
    )

    assert (details["region"], details["payee"]) == ("张店区车站街道", "guardian")
    with translation.override("en"):  # the 公示 names the category in the reader's language (ledger.labels)
        shown = [(d.region, str(d.category)) for d in project_disbursements_public(project)]
    assert shown == [("张店区车站街道", "Orphan")]
