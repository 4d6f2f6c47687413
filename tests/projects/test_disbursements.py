"""Single disbursements (拨付) through the services: the state machine move by move, maker-checker, dual approval,
closed projects, ended enrolments, per-group permissions and a public purpose free of personal data.

The fund guard, the yearly caps and the ledger postings are in ``test_disbursement_ledger``."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from projects.models import (
    DISBURSEMENT_TRANSITIONS,
    Approval,
    Disbursement,
    DisbursementStatus,
    Status,
)
from projects.services import (
    DisbursementError,
    disbursement_approve,
    disbursement_cancel,
    disbursement_pay,
    disbursement_return,
    disbursement_reverse,
    disbursement_submit,
    disbursement_update_draft,
)
from tests.factories import staff_user
from tests.projects.disbursement_flows import (
    approved,
    disbursement_transactions,
    draft,
    enrol,
    in_status,
    paid,
    person,
    submitted,
)

pytestmark = pytest.mark.django_db

S = DisbursementStatus
ALLOWED = {(source, target) for source, targets in DISBURSEMENT_TRANSITIONS.items() for target in targets}
ILLEGAL = sorted(set(itertools.product(S.values, repeat=2)) - ALLOWED)


@pytest.fixture
def someone(db):
    return person(1)


@pytest.fixture
def staff(officer, approver, approver2, finance):
    return {"officer": officer, "approver": approver, "approver2": approver2, "finance": finance}


def move(target: str, disbursement, staff):
    """The service that moves a disbursement to ``target``, called by someone allowed to call it."""
    reason = {"reason": "测试原因"}
    if target == S.SUBMITTED:
        return disbursement_submit(disbursement=disbursement, user=staff["officer"])
    if target == S.DRAFT:
        return disbursement_return(disbursement=disbursement, user=staff["approver"], **reason)
    if target == S.APPROVED:
        return disbursement_approve(disbursement=disbursement, user=staff["approver2"])
    if target == S.PAID:
        return disbursement_pay(disbursement=disbursement, user=staff["finance"])
    if target == S.REVERSED:
        return disbursement_reverse(disbursement=disbursement, user=staff["finance"], **reason)
    canceller = staff["officer"] if disbursement.status == S.DRAFT else staff["approver"]
    return disbursement_cancel(disbursement=disbursement, user=canceller, **reason)


def test_the_table_is_the_documented_one():
    assert set(DISBURSEMENT_TRANSITIONS) == set(S.values)
    assert ALLOWED == {
        ("draft", "submitted"), ("draft", "cancelled"),
        ("submitted", "approved"), ("submitted", "draft"), ("submitted", "cancelled"),
        ("approved", "paid"), ("approved", "cancelled"),
        ("paid", "reversed"),
    }  # fmt: skip


@pytest.mark.parametrize(("source", "target"), ILLEGAL)
def test_illegal_move_through_the_services_is_refused_and_changes_nothing(
    source, target, funded_project, someone, staff
):
    disbursement = in_status(source, funded_project, someone, **_makers(staff))
    posted = disbursement_transactions().count()
    approvals = Approval.objects.count()
    with pytest.raises(DisbursementError):
        move(target, disbursement, staff)
    disbursement.refresh_from_db()
    assert disbursement.status == source
    assert disbursement_transactions().count() == posted
    assert Approval.objects.count() == approvals


@pytest.mark.parametrize(("source", "target"), sorted(ALLOWED))
def test_allowed_move_through_the_services(source, target, funded_project, someone, staff):
    disbursement = in_status(source, funded_project, someone, **_makers(staff))
    move(target, disbursement, staff)
    disbursement.refresh_from_db()
    assert disbursement.status == target


def _makers(staff):
    return {"officer": staff["officer"], "approver": staff["approver"], "finance": staff["finance"]}


# -- maker-checker (经办与审批分离) -------------------------------------------------------------------------------


@pytest.fixture
def officer_approver(db):
    """Someone in both groups: only maker-checker, not a missing permission, can stop them."""
    return staff_user("jianren", "项目官员", "审核人")


def test_the_maker_cannot_approve(funded_project, someone, officer, officer_approver, approver):
    disbursement = draft(funded_project, someone, "100.00", user=officer_approver)
    disbursement = disbursement_submit(disbursement=disbursement, user=officer)
    with pytest.raises(DisbursementError, match="经办人或提交人"):
        disbursement_approve(disbursement=disbursement, user=officer_approver)
    assert not Approval.objects.exists()
    assert disbursement_approve(disbursement=disbursement, user=approver).status == S.APPROVED


def test_the_submitter_cannot_approve(funded_project, someone, officer, officer_approver, approver):
    disbursement = draft(funded_project, someone, "100.00", user=officer)
    disbursement = disbursement_submit(disbursement=disbursement, user=officer_approver)
    with pytest.raises(DisbursementError, match="经办人或提交人"):
        disbursement_approve(disbursement=disbursement, user=officer_approver)
    disbursement.refresh_from_db()
    assert disbursement.status == S.SUBMITTED
    assert not Approval.objects.exists()


@pytest.fixture
def dual_above_1000(settings):
    settings.DISBURSEMENT_DUAL_APPROVAL_AMOUNT = Decimal("1000.00")


@pytest.mark.usefixtures("dual_above_1000")
def test_above_the_threshold_two_distinct_approvers_are_needed(funded_project, someone, officer, approver, approver2):
    at_threshold = submitted(funded_project, someone, "1000.00", officer=officer)
    assert at_threshold.required_approvals == 1
    assert disbursement_approve(disbursement=at_threshold, user=approver).status == S.APPROVED

    above = submitted(funded_project, someone, "1000.01", officer=officer)
    assert above.required_approvals == 2
    above = disbursement_approve(disbursement=above, user=approver)
    above.refresh_from_db()
    assert above.status == S.SUBMITTED
    assert above.approved_at is None
    with pytest.raises(DisbursementError, match="另一位审核人"):
        disbursement_approve(disbursement=above, user=approver)
    assert disbursement_approve(disbursement=above, user=approver2).status == S.APPROVED
    assert sorted(above.approvals.values_list("approver__username", flat=True)) == ["shenhe", "shenhe2"]


@pytest.mark.usefixtures("dual_above_1000")
def test_a_return_starts_a_new_round(funded_project, someone, officer, approver, approver2):
    disbursement = submitted(funded_project, someone, "2000.00", officer=officer)
    disbursement_approve(disbursement=disbursement, user=approver)
    disbursement_return(disbursement=disbursement, user=approver2, reason="请补充发票")
    disbursement.refresh_from_db()
    assert (disbursement.status, disbursement.return_reason) == (S.DRAFT, "请补充发票")

    disbursement = disbursement_submit(disbursement=disbursement, user=officer)
    assert disbursement.submission_round == 2 and disbursement.return_reason == ""
    # The first-round approval no longer counts, and the same approver may sign the new round.
    disbursement = disbursement_approve(disbursement=disbursement, user=approver)
    assert disbursement.status == S.SUBMITTED
    disbursement = disbursement_approve(disbursement=disbursement, user=approver2)
    assert disbursement.status == S.APPROVED
    assert sorted(disbursement.approvals.values_list("round", "approver__username")) == [
        (1, "shenhe"),
        (2, "shenhe"),
        (2, "shenhe2"),
    ]


@pytest.mark.parametrize("role", ["maker", "submitter"])
def test_the_database_refuses_an_approval_by_the_maker_or_submitter(role, funded_project, someone, officer, approver):
    disbursement = submitted(funded_project, someone, "100.00", officer=officer)
    fields = {"maker": officer, "submitter": approver} if role == "maker" else {"maker": approver, "submitter": officer}
    with pytest.raises(IntegrityError), transaction.atomic():
        Approval.objects.create(disbursement=disbursement, approver=officer, round=1, **fields)
    Approval.objects.create(disbursement=disbursement, approver=staff_user("other", "审核人"), round=1, **fields)


def test_the_database_refuses_the_same_approver_twice_in_a_round(funded_project, someone, officer, approver):
    disbursement = submitted(funded_project, someone, "100.00", officer=officer)
    Approval.objects.create(disbursement=disbursement, approver=approver, maker=officer, submitter=officer, round=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Approval.objects.create(disbursement=disbursement, approver=approver, maker=officer, submitter=officer, round=1)


# -- closed projects and ended enrolments ----------------------------------------------------------------------


def test_a_closed_project_refuses_create_submit_and_approve(funded_project, someone, officer, approver):
    waiting = draft(funded_project, someone, "100.00", user=officer)
    to_approve = submitted(funded_project, someone, "100.00", officer=officer)
    funded_project.status = Status.CLOSED
    funded_project.save()
    with pytest.raises(DisbursementError, match="结项"):
        draft(funded_project, someone, "100.00", user=officer)
    with pytest.raises(DisbursementError, match="结项"):
        disbursement_submit(disbursement=waiting, user=officer)
    with pytest.raises(DisbursementError, match="结项"):
        disbursement_approve(disbursement=to_approve, user=approver)
    assert Disbursement.objects.count() == 2
    assert list(Disbursement.objects.order_by("pk").values_list("status", flat=True)) == [S.DRAFT, S.SUBMITTED]


def test_after_an_enrolment_ends_a_later_payment_is_refused(funded_project, someone, officer):
    enrolment = enrol(someone, funded_project, start=date(2026, 1, 1), end=date(2026, 6, 30))
    with pytest.raises(DisbursementError, match="登记期"):
        draft(funded_project, someone, "100.00", user=officer, on=date(2026, 7, 1), enrolment=enrolment)
    with pytest.raises(DisbursementError, match="登记期"):
        draft(funded_project, someone, "100.00", user=officer, on=date(2025, 12, 31), enrolment=enrolment)
    on_last_day = draft(funded_project, someone, "100.00", user=officer, on=date(2026, 6, 30), enrolment=enrolment)
    assert on_last_day.enrolment == enrolment
    assert Disbursement.objects.count() == 1


def test_an_enrolment_of_someone_else_is_refused(funded_project, someone, officer):
    other = enrol(person(2), funded_project)
    with pytest.raises(DisbursementError, match="不属于"):
        draft(funded_project, someone, "100.00", user=officer, enrolment=other)


def test_the_active_enrolment_is_found_when_none_is_given(funded_project, someone, officer):
    enrolment = enrol(someone, funded_project, start=date(2026, 1, 1))
    assert draft(funded_project, someone, "100.00", user=officer).enrolment == enrolment


# -- what may be drafted ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "purpose", ["资助 13912345678", "身份证 11010519491231002X", "打款至 6228480402564890018", "   "]
)
def test_a_purpose_with_personal_data_or_blank_is_refused(purpose, funded_project, someone, officer):
    with pytest.raises(DisbursementError):
        draft(funded_project, someone, "100.00", user=officer, purpose=purpose)
    assert not Disbursement.objects.exists()


@pytest.mark.parametrize("amount", ["0", "-1.00", "0.001"])
def test_amount_must_be_positive_with_at_most_two_decimals(amount, funded_project, someone, officer):
    with pytest.raises(DisbursementError, match="金额"):
        draft(funded_project, someone, amount, user=officer)


def test_paying_a_hospital_needs_its_name(funded_project, someone, officer):
    with pytest.raises(DisbursementError, match="收款单位"):
        draft(funded_project, someone, "100.00", user=officer, payee="hospital")
    assert draft(funded_project, someone, "100.00", user=officer, payee="hospital", payee_name="广安市人民医院")


def test_only_a_draft_can_be_edited(funded_project, someone, officer):
    from dataclasses import replace

    from projects.services import DisbursementDraft

    disbursement = submitted(funded_project, someone, "100.00", officer=officer)
    change = DisbursementDraft(
        project=funded_project,
        beneficiary=someone,
        amount=Decimal("999.00"),
        purpose="改",
        disbursed_on=date(2026, 3, 2),
    )
    with pytest.raises(DisbursementError, match="草稿"):
        disbursement_update_draft(disbursement=disbursement, draft=change, user=officer)
    waiting = draft(funded_project, someone, "100.00", user=officer)
    disbursement_update_draft(disbursement=waiting, draft=replace(change, purpose="医疗救助"), user=officer)
    waiting.refresh_from_db()
    assert (waiting.amount, waiting.purpose) == (Decimal("999.00"), "医疗救助")


# -- permissions per group -------------------------------------------------------------------------------------


@pytest.fixture
def at_each_step(funded_project, someone, officer, approver, finance):
    """One disbursement waiting at each step, made by the right people."""
    return {
        "draft": draft(funded_project, someone, "100.00", user=officer),
        "submitted": submitted(funded_project, someone, "100.00", officer=officer),
        "approved": approved(funded_project, someone, "100.00", officer=officer, approver=approver),
        "paid": paid(funded_project, someone, "100.00", officer=officer, approver=approver, finance=finance),
    }


def attempt(action: str, user, steps, project, beneficiary):
    reason = {"reason": "测试"}
    if action == "create":
        return draft(project, beneficiary, "100.00", user=user)
    if action == "submit":
        return disbursement_submit(disbursement=steps["draft"], user=user)
    if action == "approve":
        return disbursement_approve(disbursement=steps["submitted"], user=user)
    if action == "return":
        return disbursement_return(disbursement=steps["submitted"], user=user, **reason)
    if action == "pay":
        return disbursement_pay(disbursement=steps["approved"], user=user)
    if action == "reverse":
        return disbursement_reverse(disbursement=steps["paid"], user=user, **reason)
    if action == "cancel_draft":
        return disbursement_cancel(disbursement=steps["draft"], user=user, **reason)
    return disbursement_cancel(disbursement=steps["submitted"], user=user, **reason)


ACTIONS = ["create", "submit", "approve", "return", "pay", "reverse", "cancel_draft", "cancel_submitted"]
FORBIDDEN = {
    "officer": ["approve", "return", "pay", "reverse", "cancel_submitted"],
    "approver": ["create", "submit", "pay", "reverse", "cancel_draft"],
    "finance": ["create", "submit", "approve", "return", "cancel_draft", "cancel_submitted"],
    "auditor": ACTIONS,
    "editor": ACTIONS,
}


@pytest.mark.parametrize(
    ("role", "action"), [(role, action) for role, actions in FORBIDDEN.items() for action in actions]
)
def test_forbidden_actions_per_group(role, action, request, at_each_step, funded_project, someone):
    user = request.getfixturevalue(role)
    before = list(Disbursement.objects.order_by("pk").values_list("status", flat=True))
    with pytest.raises(PermissionDenied):
        attempt(action, user, at_each_step, funded_project, someone)
    assert list(Disbursement.objects.order_by("pk").values_list("status", flat=True)) == before


ALLOWED_ACTIONS = [
    (role, action) for role in ("officer", "approver", "finance") for action in ACTIONS if action not in FORBIDDEN[role]
]


@pytest.mark.parametrize(("role", "action"), ALLOWED_ACTIONS)
def test_allowed_actions_per_group(role, action, request, at_each_step, funded_project, someone):
    user = request.getfixturevalue(role)
    assert attempt(action, user, at_each_step, funded_project, someone) is not None
