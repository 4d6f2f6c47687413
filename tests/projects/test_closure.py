"""结项 and the leftover (剩余财产处理): the decision, maker-checker, the ledger legs, both funds' figures, the open
record, the refusals, and fund tracing across the transfer."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from wagtail.models import ModelLogEntry

from donations.selectors import gift_tracing
from ledger.models import Transaction
from ledger.selectors import fund_figures
from ledger.services.verification import ledger_verify
from projects.models import ClosureFrozen, ClosureStatus, ProjectClosure, Status
from projects.selectors import project_funding
from projects.selectors.closure import leftover_given, leftovers_received
from projects.services.closure import ClosureError, closure_approve, closure_propose, closure_reject
from tests.factories import ProjectFactory, staff_user
from tests.projects.conftest import give
from tests.projects.disbursement_flows import approved, paid, person, submitted

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def funds(finance, officer, approver):
    """血透100 raised ¥1,000 + ¥1,500 and paid ¥600 + ¥700 (leftover ¥1,200); 爱心复明 raised ¥500 (from 丙, given
    before the transfer) and will pay later."""
    giver = ProjectFactory(code="XT100", name="血透100")
    receiver = ProjectFactory(code="FM200", name="爱心复明")
    a = give(giver, "1000.00", finance_user=finance, days_ago=20, name="甲")
    b = give(giver, "1500.00", finance_user=finance, days_ago=10, name="乙")
    c = give(receiver, "500.00", finance_user=finance, days_ago=5, name="丙")
    paid(giver, person(1, name="张一"), "600.00", officer=officer, approver=approver, finance=finance)
    paid(giver, person(2, name="张二"), "700.00", officer=officer, approver=approver, finance=finance)
    return giver, receiver, a, b, c


def propose_transfer(giver, receiver, *, user):
    return closure_propose(
        project=giver, user=user, decision="transfer", target=receiver, reason="结余转入", basis="依据募捐方案第 5 条"
    )


def transfer(giver, receiver, *, finance, approver):
    closure = closure_propose(
        project=giver,
        user=finance,
        decision="transfer",
        target=receiver,
        reason="项目救助对象已全部完成治疗,结余用于同类眼科救助",
        basis="依据募捐方案第 5 条",
    )
    return closure_approve(closure=closure, user=approver)


def test_transfer_posts_the_leftover_and_closes(funds, finance, approver):
    giver, receiver, *_ = funds
    assert fund_figures("XT100").available == D("1200.00")
    closure = transfer(giver, receiver, finance=finance, approver=approver)
    giver.refresh_from_db()
    assert giver.status == Status.CLOSED
    assert closure.status == ClosureStatus.POSTED and closure.decided_by == approver
    txn = closure.transaction
    assert (txn.kind, txn.source) == ("transfer", "fund-closure:XT100")
    legs = sorted((leg.account.code, leg.side, leg.amount) for leg in txn.legs.all())
    assert legs == [("3102.FM200", "C", D("1200.00")), ("3102.XT100", "D", D("1200.00"))]
    given, got = fund_figures("XT100"), fund_figures("FM200")
    assert (given.raised, given.spent, given.transferred, given.available) == (
        D("2500.00"),
        D("1300.00"),
        D("-1200.00"),
        D("0.00"),
    )
    assert (got.raised, got.spent, got.transferred, got.available) == (D("500.00"), 0, D("1200.00"), D("1700.00"))
    assert project_funding(receiver).available == D("1700.00")
    assert ledger_verify().ok


def test_the_open_record_names_funds_reason_and_basis_only(funds, finance, approver):
    giver, receiver, *_ = funds
    closure = transfer(giver, receiver, finance=finance, approver=approver)
    details = json.loads(closure.transaction.record)["details"]
    assert details == {
        "fund": "XT100",
        "to_fund": "FM200",
        "reason": "项目救助对象已全部完成治疗,结余用于同类眼科救助",
        "basis": "依据募捐方案第 5 条",
    }
    assert "张一" not in closure.transaction.record and "finance" not in closure.transaction.record


def test_release_to_unrestricted(funds, finance, approver):
    giver, *_ = funds
    closure = closure_propose(
        project=giver, user=finance, decision="release", reason="同类项目均已足额,理事会决议", basis="募捐方案第 7 条"
    )
    closure = closure_approve(closure=closure, user=approver)
    txn = closure.transaction
    assert txn.kind == "release"
    legs = sorted((leg.account.code, leg.side, leg.amount) for leg in txn.legs.all())
    assert legs == [("3101", "C", D("1200.00")), ("3102.XT100", "D", D("1200.00"))]
    assert json.loads(txn.record)["details"]["to_fund"] == "unrestricted"
    assert fund_figures("XT100").available == 0
    move = leftover_given(giver)
    assert move.released and move.amount == D("1200.00")
    assert ledger_verify().ok


def test_an_unrestricted_fund_gives_from_its_unrestricted_net_assets(finance, approver):
    giver = ProjectFactory(code="FX1", name="非定向一", is_restricted=False)
    receiver = ProjectFactory(code="FX2", name="非定向二", is_restricted=False)
    give(giver, "300.00", finance_user=finance)
    closure = transfer(giver, receiver, finance=finance, approver=approver)
    legs = sorted((leg.account.code, leg.side) for leg in closure.transaction.legs.all())
    assert legs == [("3101.FX1", "D"), ("3101.FX2", "C")]


def test_nothing_left_closes_without_a_transfer(finance):
    project = ProjectFactory(code="EMPTY", name="空项目")
    count = Transaction.objects.count()
    closure = closure_propose(project=project, user=finance, decision="none")
    project.refresh_from_db()
    assert project.status == Status.CLOSED and closure.status == ClosureStatus.POSTED
    assert closure.transaction is None and Transaction.objects.count() == count
    assert leftover_given(project) is None


def test_money_left_needs_a_decision(funds, finance):
    giver, *_ = funds
    with pytest.raises(ClosureError, match="请选择转入其他项目或转为非限定性资金"):
        closure_propose(project=giver, user=finance, decision="none")


@pytest.mark.parametrize("status_needed", ["submitted", "approved"])
def test_refused_while_disbursements_are_pending(funds, finance, officer, approver, status_needed):
    giver, receiver, *_ = funds
    if status_needed == "submitted":
        submitted(giver, person(3), "100.00", officer=officer)
    else:
        approved(giver, person(3), "100.00", officer=officer, approver=approver)
    with pytest.raises(ClosureError, match="已提交或已审批未支付的拨付"):
        transfer(giver, receiver, finance=finance, approver=approver)
    giver.refresh_from_db()
    assert giver.status != Status.CLOSED and not ProjectClosure.objects.exists()


def test_refused_at_approval_when_a_disbursement_was_submitted_since(funds, finance, officer, approver):
    giver, receiver, *_ = funds
    closure = propose_transfer(giver, receiver, user=finance)
    submitted(giver, person(3), "100.00", officer=officer)
    with pytest.raises(ClosureError, match="已提交或已审批未支付的拨付"):
        closure_approve(closure=closure, user=approver)
    assert fund_figures("XT100").available == D("1200.00")


def test_refused_when_the_leftover_changed_since_the_proposal(funds, finance, approver):
    giver, receiver, *_ = funds
    closure = propose_transfer(giver, receiver, user=finance)
    give(giver, "50.00", finance_user=finance, days_ago=1, name="丁")
    with pytest.raises(ClosureError, match="结余已变化"):
        closure_approve(closure=closure, user=approver)


def test_maker_is_not_the_checker(funds, finance):
    giver, receiver, *_ = funds
    both = staff_user("both", "财务", "审核人")
    closure = closure_propose(
        project=giver, user=both, decision="transfer", target=receiver, reason="结余转入", basis="依据募捐方案第 5 条"
    )
    with pytest.raises(ClosureError, match="审批人不能是提议人"):
        closure_approve(closure=closure, user=both)
    assert ProjectClosure.objects.get().status == ClosureStatus.PROPOSED


def test_permissions(funds, officer, finance, editor):
    giver, receiver, *_ = funds
    with pytest.raises(PermissionDenied):
        closure_propose(project=giver, user=editor, decision="release", reason="x", basis="y")
    closure = closure_propose(project=giver, user=finance, decision="release", reason="结余", basis="第 5 条")
    with pytest.raises(PermissionDenied):
        closure_approve(closure=closure, user=officer)  # officers propose, never approve


def test_double_approval_posts_once(funds, finance, approver, approver2):
    giver, receiver, *_ = funds
    closure = propose_transfer(giver, receiver, user=finance)
    closure_approve(closure=closure, user=approver)
    with pytest.raises(ClosureError, match="不能再审批"):
        closure_approve(closure=closure, user=approver2)
    assert Transaction.objects.filter(source="fund-closure:XT100").count() == 1
    assert fund_figures("FM200").available == D("1700.00")


def test_target_must_be_active_and_not_itself(funds, finance):
    giver, receiver, *_ = funds
    receiver.status = Status.CLOSED
    receiver.save()
    with pytest.raises(ClosureError, match="已结项"):
        closure_propose(
            project=giver, user=finance, decision="transfer", target=receiver, reason="结余", basis="第 5 条"
        )
    with pytest.raises(ClosureError, match="不能把结余转入本项目"):
        closure_propose(project=giver, user=finance, decision="transfer", target=giver, reason="结余", basis="第 5 条")


@pytest.mark.parametrize(
    "reason,basis",
    [
        ("结余转入,联系人手机 13812345678", "第 5 条"),
        ("结余转入", "见 someone@example.com"),
        ("", "第 5 条"),
        ("结余", ""),
    ],
)
def test_public_text_is_required_and_privacy_checked(funds, finance, reason, basis):
    giver, receiver, *_ = funds
    with pytest.raises(ClosureError):
        closure_propose(
            project=giver, user=finance, decision="transfer", target=receiver, reason=reason, basis=basis
        )
    assert not ProjectClosure.objects.exists()


def test_reject_keeps_the_project_open_and_a_new_proposal_may_follow(funds, finance, approver):
    giver, receiver, *_ = funds
    closure = closure_propose(project=giver, user=finance, decision="release", reason="结余", basis="第 5 条")
    with pytest.raises(ClosureError, match="已有待审批"):
        closure_propose(project=giver, user=finance, decision="release", reason="结余", basis="第 5 条")
    closure_reject(closure=closure, user=approver, reason="应转入同类项目")
    giver.refresh_from_db()
    assert giver.status != Status.CLOSED
    transfer(giver, receiver, finance=finance, approver=approver)
    assert fund_figures("XT100").available == 0


def test_a_decided_closure_is_never_edited(funds, finance, approver):
    giver, receiver, *_ = funds
    closure = transfer(giver, receiver, finance=finance, approver=approver)
    closure.reason = "改过的理由"
    with pytest.raises(ClosureFrozen):
        closure.save()


def test_each_step_is_audit_logged(funds, finance, approver):
    giver, receiver, *_ = funds
    transfer(giver, receiver, finance=finance, approver=approver)
    entries = ModelLogEntry.objects.filter(object_id=str(giver.pk)).order_by("pk")
    assert [(e.action, e.user_id) for e in entries if e.action.startswith("projects.closure.")] == [
        ("projects.closure.propose", finance.pk),
        ("projects.closure.approve", approver.pk),
    ]


def test_the_receiving_fund_lists_the_leftover_received(funds, finance, approver):
    giver, receiver, *_ = funds
    transfer(giver, receiver, finance=finance, approver=approver)
    [move] = leftovers_received(receiver)
    assert (move.from_name, move.amount, move.basis) == ("血透100", D("1200.00"), "依据募捐方案第 5 条")


# 善款去向 across the transfer.
#
# 血透100 sources: 甲 [0, 1000), 乙 [1000, 2500); uses: 张一 [0, 600), 张二 [600, 1300), transfer-out [1300, 2500).
# 爱心复明 sources: 丙 [0, 500) (given before the transfer), transfer-in [500, 1700); uses: 王一 [0, 800) paid after.


def test_tracing_follows_the_leftover_into_the_receiving_fund(funds, finance, officer, approver):
    giver, receiver, a, b, c = funds
    transfer(giver, receiver, finance=finance, approver=approver)
    paid(receiver, person(5, name="王一"), "800.00", officer=officer, approver=approver, finance=finance)
    tracing_a, tracing_b, tracing_c = gift_tracing(a), gift_tracing(b), gift_tracing(c)
    assert (tracing_a.spent, tracing_a.transferred, tracing_a.unspent) == (D("1000.00"), 0, 0)
    assert (tracing_b.spent, tracing_b.transferred, tracing_b.unspent) == (D("300.00"), D("1200.00"), 0)
    [moved] = tracing_b.transfers
    assert (moved.move.to_name, moved.share) == ("爱心复明", D("1200.00"))
    # 乙's ¥1,200 is [500, 1700) in 爱心复明; 王一's [0, 800) overlaps it by ¥300.
    assert [(t.disbursement.project_code, t.share) for t in moved.traced] == [("FM200", D("300.00"))]
    assert moved.used == D("300.00")
    # 丙 gave before the transfer arrived, so 丙 paid first.
    assert [(t.share) for t in tracing_c.traced] == [D("500.00")]


def test_a_gift_to_the_receiving_fund_after_the_transfer_comes_after_it(funds, finance, officer, approver):
    giver, receiver, *_ = funds
    transfer(giver, receiver, finance=finance, approver=approver)
    later = give(receiver, "400.00", finance_user=finance, days_ago=0, name="戊")
    paid(receiver, person(5, name="王一"), "1800.00", officer=officer, approver=approver, finance=finance)
    # 爱心复明: 丙 [0, 500), transfer [500, 1700), 戊 [1700, 2100); 王一 [0, 1800) → 戊 paid ¥100.
    assert gift_tracing(later).spent == D("100.00")


def test_a_release_is_traced_as_released(funds, finance, approver):
    giver, _, _, b, _ = funds
    closure = closure_propose(project=giver, user=finance, decision="release", reason="结余", basis="第 7 条")
    closure_approve(closure=closure, user=approver)
    [moved] = gift_tracing(b).transfers
    assert moved.move.released and moved.share == D("1200.00") and moved.traced == []


def test_every_yuan_of_the_transfer_is_traced_to_one_gift(funds, finance, approver):
    giver, receiver, a, b, _ = funds
    give(giver, "0.01", finance_user=finance, days_ago=1, name="己")  # a late cent still goes with the leftover
    transfer(giver, receiver, finance=finance, approver=approver)
    gifts = giver.donations.all()
    assert sum(gift_tracing(g).transferred for g in gifts) == D("1200.01")
    assert all(gift_tracing(g).unspent == 0 for g in gifts)


def test_tracing_follows_a_leftover_on_through_a_second_closure(funds, finance, officer, approver):
    """血透100 → 爱心复明 (¥1,200 after 丙's ¥500) → 第三基金, which pays 赵一 ¥1,000: 爱心复明's ¥1,700 is all
    moved on; 乙's ¥1,200 is [500, 1700) there, [500, 1700) in 第三基金 too, where 赵一 [0, 1000) takes ¥500 of it."""
    giver, receiver, _, b, _ = funds
    third = ProjectFactory(code="DS300", name="第三基金")
    transfer(giver, receiver, finance=finance, approver=approver)
    transfer(receiver, third, finance=finance, approver=approver)
    paid(third, person(6, name="赵一"), "1000.00", officer=officer, approver=approver, finance=finance)
    [moved] = gift_tracing(b).transfers
    assert (moved.move.to_code, moved.share, moved.used) == ("FM200", D("1200.00"), 0)
    [onward] = moved.onward
    assert (onward.move.to_code, onward.share, onward.used) == ("DS300", D("1200.00"), D("500.00"))


@pytest.mark.postgres
def test_postgresql_refuses_to_change_or_delete_a_decided_closure(funds, finance, approver):
    giver, receiver, *_ = funds
    closure = transfer(giver, receiver, finance=finance, approver=approver)
    with pytest.raises(IntegrityError, match="结项决定已审批或驳回"), transaction.atomic():
        ProjectClosure.objects.filter(pk=closure.pk).update(reason="改过的理由")
    with pytest.raises(IntegrityError, match="结项决定已审批或驳回"), transaction.atomic():
        ProjectClosure.objects.filter(pk=closure.pk).delete()
    pending = closure_propose(project=receiver, user=finance, decision="release", reason="结余", basis="第 5 条")
    ProjectClosure.objects.filter(pk=pending.pk).update(reason="提议中可以修改")  # a pending one is not frozen
