"""Racing 结项 approvals on PostgreSQL: two approvers approving one decision at once post the leftover once and
close the project once; an approval racing a disbursement approval from the same fund never leaves both done
(the project's row lock). Each thread has its own connection and real commits; on SQLite these are deselected."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ledger.models import Transaction
from ledger.selectors import fund_figures
from ledger.services.verification import ledger_verify
from projects.models import ClosureStatus, DisbursementStatus, Project, ProjectClosure, Status
from projects.services import DisbursementError, disbursement_approve
from projects.services.closure import closure_approve, closure_propose
from tests.concurrency import race
from tests.factories import ProjectFactory
from tests.projects.conftest import give
from tests.projects.disbursement_flows import person, submitted

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def funds(finance):
    giver = ProjectFactory(code="RACE-A", name="竞态结项甲")
    receiver = ProjectFactory(code="RACE-B", name="竞态结项乙")
    give(giver, "5000.00", finance_user=finance)
    return giver, receiver


def proposal(giver, receiver, finance):
    return closure_propose(
        project=giver, user=finance, decision="transfer", target=receiver, reason="结余转入", basis="募捐方案第 5 条"
    )


def test_two_approvals_of_one_decision_post_once(funds, finance, approver, approver2):
    giver, receiver = funds
    closure = proposal(giver, receiver, finance)
    outcomes = race(
        lambda: closure_approve(closure=closure, user=approver),
        lambda: closure_approve(closure=closure, user=approver2),
        refusal=DisbursementError,
    )
    assert outcomes.count("ok") == 1, outcomes
    assert "不能再审批" in next(o for o in outcomes if o != "ok")
    assert Transaction.objects.filter(source="fund-closure:RACE-A").count() == 1
    assert ProjectClosure.objects.get().status == ClosureStatus.POSTED
    assert (fund_figures("RACE-A").available, fund_figures("RACE-B").available) == (0, Decimal("5000.00"))
    assert ledger_verify().ok


def test_a_closure_and_a_disbursement_approval_racing(funds, finance, officer, approver, approver2):
    """Either the disbursement is approved first (then the closure is refused: a commitment is pending) or the
    project closes first (then the approval is refused: 已结项); never both."""
    giver, receiver = funds
    closure = proposal(giver, receiver, finance)  # proposed first, then a disbursement is submitted
    pending = submitted(giver, person(1), "1000.00", officer=officer)
    outcomes = race(
        lambda: closure_approve(closure=closure, user=approver),
        lambda: disbursement_approve(disbursement=pending, user=approver2),
        refusal=DisbursementError,
    )
    assert outcomes.count("ok") == 1, outcomes
    pending.refresh_from_db()
    closed = Project.objects.get(pk=giver.pk).status == Status.CLOSED
    assert closed != (pending.status == DisbursementStatus.APPROVED)
    assert ledger_verify().ok
