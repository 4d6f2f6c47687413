"""结项 and the leftover (剩余财产处理): propose, approve (posts and closes), reject.

| decision | debit | credit | kind |
|---|---|---|---|
| 转入 fund G | 3102.F (3101.F if F is 非定向) | 3102.G (3101.G if G is 非定向) | transfer |
| 转为非限定性 | 3102.F (3101.F if F is 非定向) | 3101 非限定性净资产 (the organisation's) | release |

The amount is the fund's leftover in the ledger (raised − spent + transferred, ``ledger.selectors.fund_figures``):
the giving fund's available falls to zero, the receiving fund's rises, and neither fund's raised or spent changes.
The source is ``fund-closure:<code>``, so a project's leftover posts once whatever happens; the public record names
the funds, the reason and the plan clause, never a person. Maker-checker as for money elsewhere: one person with
``projects.propose_closure`` proposes, another with ``projects.approve_closure`` (审核人) approves; the approval
re-checks everything under the project's row lock and posts in the same database transaction as the status change.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from wagtail.log_actions import log

from ledger.chart import (
    UNRESTRICTED_NET_ASSETS,
    chart_ensure,
    fund_net_assets_ensure,
    restricted_net_assets_code,
    unrestricted_net_assets_code,
)
from ledger.models import TransactionKind
from ledger.privacy import PersonalDataError, check_public_details
from ledger.selectors import fund_figures
from ledger.services import LegSpec, transaction_post
from projects.models import (
    ClosureDecision,
    ClosureStatus,
    Disbursement,
    DisbursementStatus,
    Project,
    ProjectClosure,
    Status,
)

from .funds import project_lock
from .rules import DisbursementError, require_permission

ZERO = Decimal("0.00")
UNRESTRICTED = "unrestricted"  # the public record's to_fund for a release
PENDING = (DisbursementStatus.SUBMITTED, DisbursementStatus.APPROVED)


class ClosureError(DisbursementError):
    """A closure step was refused; the message is in Chinese for staff."""


def closure_source(project: Project) -> str:
    return f"fund-closure:{project.code}"


def fund_leftover(project: Project) -> Decimal:
    """What the fund still holds in the ledger: raised − spent + transferred (commitments are refused, not netted)."""
    return fund_figures(project.code).available


def _pending_disbursements(project: Project) -> int:
    return Disbursement.objects.filter(project=project, status__in=PENDING).count()


def _check_closable(project: Project) -> None:
    if project.status == Status.CLOSED:
        raise ClosureError(f"项目「{project.name}」已结项。")
    if pending := _pending_disbursements(project):
        raise ClosureError(
            f"项目「{project.name}」还有 {pending} 笔已提交或已审批未支付的拨付,请先支付、退回或作废后再结项。"
        )


def _check_public_text(reason: str, basis: str) -> tuple[str, str]:
    reason, basis = reason.strip(), basis.strip()
    if not reason:
        raise ClosureError("请填写结余处理的理由(将公开)。")
    if not basis:
        raise ClosureError("请填写所依据的募捐方案条款,例如「依据募捐方案第 5 条」(将公开)。")
    if len(reason) > 500 or len(basis) > 200:
        raise ClosureError("理由最多 500 字,依据最多 200 字。")
    try:
        check_public_details({"reason": reason, "basis": basis})
    except PersonalDataError:
        raise ClosureError("理由和依据会公开,不能包含姓名以外的个人信息(身份证号、手机号、银行账号、邮箱)。") from None
    return reason, basis


def _check_target(project: Project, decision: str, target: Project | None) -> None:
    if decision == ClosureDecision.TRANSFER:
        if target is None:
            raise ClosureError("转入其他项目时,请选择接收结余的项目。")
        if target.pk == project.pk:
            raise ClosureError("不能把结余转入本项目。")
        if not target.is_active:
            raise ClosureError(f"接收项目「{target.name}」已结项,请选择筹款中或执行中的项目。")
        if target.currency != project.currency:
            raise ClosureError("接收项目的币种与本项目不同。")
    elif target is not None:
        raise ClosureError("只有「转入其他项目」需要选择接收项目。")


def _live(project: Project) -> ProjectClosure | None:
    return ProjectClosure.objects.filter(project=project, status=ClosureStatus.PROPOSED).first()


@transaction.atomic
def closure_propose(
    *, project: Project, user, decision: str, target: Project | None = None, reason: str = "", basis: str = ""
) -> ProjectClosure:
    """提议结项. With nothing left in the fund the project closes at once (no money moves, nothing to approve);
    otherwise the decision waits for another person's approval."""
    require_permission(user, "propose_closure", "提议结项")
    project = project_lock(project)
    _check_closable(project)
    if _live(project) is not None:
        raise ClosureError("该项目已有待审批的结项决定,请先审批或驳回。")
    leftover = fund_leftover(project)
    if leftover < 0:
        raise ClosureError(f"项目账面结余为负(¥{leftover:,.2f}),请先核对账目。")
    if leftover == 0:
        if decision not in (ClosureDecision.NONE, "", None):
            raise ClosureError("项目已无结余,无需转出,将直接结项。")
        closure = ProjectClosure.objects.create(
            project=project,
            decision=ClosureDecision.NONE,
            amount=ZERO,
            reason=reason.strip() or "项目资金已全部使用完毕",
            basis=basis.strip() or "—",
            proposed_by=user,
        )
        _close(project)
        ProjectClosure.objects.filter(pk=closure.pk).update(
            status=ClosureStatus.POSTED, decided_by=user, decided_at=timezone.now()
        )
        closure.refresh_from_db()
        log(project, "projects.closure.close", user=user, data={"closure": closure.pk, "leftover": "0.00"})
        return closure
    if decision not in (ClosureDecision.TRANSFER, ClosureDecision.RELEASE):
        raise ClosureError(f"项目还有结余 ¥{leftover:,.2f},请选择转入其他项目或转为非限定性资金。")
    _check_target(project, decision, target)
    reason, basis = _check_public_text(reason, basis)
    closure = ProjectClosure.objects.create(
        project=project,
        decision=decision,
        target=target if decision == ClosureDecision.TRANSFER else None,
        amount=leftover,
        reason=reason,
        basis=basis,
        proposed_by=user,
    )
    log(project, "projects.closure.propose", user=user, data=_log_data(closure))
    return closure


def _locked(closure: ProjectClosure) -> tuple[Project, ProjectClosure]:
    """The projects first, as every spending step does: the giving fund and the receiving one, in id order, so two
    closures between the same funds in opposite directions wait for each other instead of deadlocking."""
    locked = {pk: project_lock(Project(pk=pk)) for pk in sorted({closure.project_id, closure.target_id} - {None})}
    closure = ProjectClosure.objects.select_for_update(of=("self",)).get(pk=closure.pk)
    closure.project = locked[closure.project_id]
    if closure.target_id is not None:
        closure.target = locked.get(closure.target_id) or Project.objects.get(pk=closure.target_id)
    return closure.project, closure


@transaction.atomic
def closure_approve(*, closure: ProjectClosure, user) -> ProjectClosure:
    """审批结项: posts the leftover's transfer (or release) and closes the project, together, under the project's
    lock. The leftover must still be what the proposer saw; a second approval is refused and posts nothing."""
    require_permission(user, "approve_closure", "审批结项")
    project, closure = _locked(closure)
    if closure.status != ClosureStatus.PROPOSED:
        raise ClosureError(f"该结项决定{closure.get_status_display()},不能再审批。")
    if user.pk == closure.proposed_by_id:
        raise ClosureError("审批人不能是提议人(提议与审批须由不同人员完成)。")
    _check_closable(project)
    target = closure.target
    _check_target(project, closure.decision, target)
    leftover = fund_leftover(project)
    if leftover != closure.amount:
        raise ClosureError(
            f"结余已变化(提议时 ¥{closure.amount:,.2f},现在 ¥{leftover:,.2f}),请驳回后按现在的结余重新提议。"
        )
    txn = transaction_post(**_posting(project, closure, target, leftover))
    _close(project)
    ProjectClosure.objects.filter(pk=closure.pk).update(
        status=ClosureStatus.POSTED, decided_by=user, decided_at=timezone.now(), transaction=txn
    )
    closure.refresh_from_db()
    log(project, "projects.closure.approve", user=user, data=_log_data(closure))
    return closure


@transaction.atomic
def closure_reject(*, closure: ProjectClosure, user, reason: str) -> ProjectClosure:
    """驳回: the project stays open and a new decision may be proposed."""
    require_permission(user, "approve_closure", "驳回结项")
    if not reason.strip():
        raise ClosureError("请填写驳回原因。")
    project, closure = _locked(closure)
    if closure.status != ClosureStatus.PROPOSED:
        raise ClosureError(f"该结项决定{closure.get_status_display()},不能驳回。")
    ProjectClosure.objects.filter(pk=closure.pk).update(
        status=ClosureStatus.REJECTED, decided_by=user, decided_at=timezone.now(), reject_reason=reason.strip()
    )
    closure.refresh_from_db()
    log(project, "projects.closure.reject", user=user, data={**_log_data(closure), "reason": reason.strip()})
    return closure


def _close(project: Project) -> None:
    Project.objects.filter(pk=project.pk).update(status=Status.CLOSED, updated_at=timezone.now())
    project.status = Status.CLOSED


def _debit_code(project: Project) -> str:
    nature = restricted_net_assets_code if project.is_restricted else unrestricted_net_assets_code
    return nature(project.code)


def _posting(project: Project, closure: ProjectClosure, target: Project | None, amount: Decimal) -> dict:
    chart_ensure()
    fund_net_assets_ensure(fund_code=project.code, fund_name=project.name)
    if target is not None:
        fund_net_assets_ensure(fund_code=target.code, fund_name=target.name)
        credit, kind, to_fund = _debit_code(target), TransactionKind.TRANSFER, target.code
        memo = f"结项结余 {project.code} 转入 {target.code}"
    else:
        credit, kind, to_fund = UNRESTRICTED_NET_ASSETS, TransactionKind.RELEASE, UNRESTRICTED
        memo = f"结项结余 {project.code} 转为非限定性资金"
    record = {"fund": project.code, "to_fund": to_fund, "reason": closure.reason, "basis": closure.basis}
    check_public_details(record)
    return {
        "kind": kind,
        "occurred_at": timezone.now(),
        "legs": [
            LegSpec(_debit_code(project), "D", amount, project.currency),
            LegSpec(credit, "C", amount, project.currency),
        ],
        "source": closure_source(project),
        "memo": memo,
        "public_record": record,
    }


def _log_data(closure: ProjectClosure) -> dict:
    data = {
        "closure": closure.pk,
        "decision": closure.decision,
        "amount": f"{closure.amount:.2f}",
        "status": closure.status,
        "basis": closure.basis,
    }
    if closure.target_id:
        data["target"] = closure.target.code
    if closure.transaction_id:
        data["transaction"] = closure.transaction_id
    return data
