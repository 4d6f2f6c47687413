"""Batch grants (批量发放): built from the enrolments active on the payment date at their standard amounts,
approved as one unit by someone other than its maker, paid all or none, each item within its yearly cap."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from ledger.models import Transaction
from ledger.selectors import fund_figures
from projects.models import Approval, Disbursement, DisbursementBatch, DisbursementStatus, Status
from projects.selectors import project_funding
from projects.services import (
    DisbursementError,
    batch_approve,
    batch_cancel,
    batch_create,
    batch_pay,
    batch_remove_item,
    batch_return,
    batch_submit,
    batch_total,
    disbursement_approve,
    disbursement_pay,
    disbursement_reverse,
)
from projects.services import postings as postings_module
from tests.factories import ProjectFactory, staff_user
from tests.projects.conftest import give
from tests.projects.disbursement_flows import disbursement_transactions, enrol, person, submitted

pytestmark = pytest.mark.django_db

S = DisbursementStatus
PAY_DAY = date(2026, 9, 15)


@pytest.fixture
def project(db, finance):
    project = ProjectFactory(code="GY-ORPHAN", name="孤儿助学")
    give(project, "10000.00", finance_user=finance)
    return project


@pytest.fixture
def enrolled(project):
    """Four people active on the payment date at different standards, and two who are not."""
    people = [person(n) for n in range(1, 7)]
    enrol(people[0], project, amount="1000.00", start=date(2026, 9, 1))
    enrol(people[1], project, amount="1500.00", start=date(2026, 1, 1), end=date(2026, 9, 15))  # ends on the day
    enrol(people[2], project, amount="1000.00", start=date(2026, 9, 15))  # starts on the day
    enrol(people[3], project, amount="500.00", start=date(2025, 9, 1))
    enrol(people[4], project, amount="1000.00", start=date(2025, 9, 1), end=date(2026, 7, 31))  # ended
    enrol(people[5], project, amount="1000.00", start=date(2026, 10, 1))  # not yet started
    return people


def create(project, user, title="2026年秋季学期孤儿助学金", on=PAY_DAY):
    return batch_create(project=project, title=title, disbursed_on=on, purpose="助学金", user=user)


def approved_batch(project, officer, approver):
    batch = batch_submit(batch=create(project, officer), user=officer)
    return batch_approve(batch=batch, user=approver)


def test_a_batch_holds_the_active_enrolments_at_their_standard(project, enrolled, officer):
    batch = create(project, officer)
    items = {i.beneficiary: i for i in batch.items.select_related("enrolment")}
    assert set(items) == set(enrolled[:4])
    assert [items[p].amount for p in enrolled[:4]] == [Decimal(a) for a in ("1000.00", "1500.00", "1000.00", "500.00")]
    assert all(i.enrolment.beneficiary == b and i.status == S.DRAFT for b, i in items.items())
    assert all(i.purpose == "助学金" and i.disbursed_on == PAY_DAY for i in items.values())
    assert batch_total(batch) == Decimal("4000.00")
    assert batch.required_approvals == 1


def test_no_active_enrolment_no_batch(project, officer):
    with pytest.raises(DisbursementError, match="没有有效"):
        create(project, officer)
    assert not DisbursementBatch.objects.exists()


def test_a_closed_project_takes_no_batch(project, enrolled, officer):
    project.status = Status.CLOSED
    project.save()
    with pytest.raises(DisbursementError, match="结项"):
        create(project, officer)


def test_a_title_is_used_once_while_the_batch_is_live(project, enrolled, officer, approver):
    first = create(project, officer)
    with pytest.raises(DisbursementError, match="不能发放两次"):
        create(project, officer)
    assert DisbursementBatch.objects.count() == 1 and Disbursement.objects.count() == 4
    batch_cancel(batch=first, user=officer, reason="日期填错")
    again = create(project, officer, on=date(2026, 9, 16))
    assert again.items.count() == 3  # the one whose enrolment ended on the 15th is not in it
    assert create(project, officer, title="2026年冬季助学金").pk


def test_maker_checker_on_the_batch(project, enrolled, officer, approver, approver2):
    both = staff_user("jianren", "项目官员", "审核人")
    made_by_both = batch_submit(batch=create(project, both), user=officer)
    with pytest.raises(DisbursementError, match="经办人或提交人"):
        batch_approve(batch=made_by_both, user=both)
    batch_cancel(batch=made_by_both, user=approver, reason="重新建")

    submitted_by_both = batch_submit(batch=create(project, officer, title="第二批"), user=both)
    with pytest.raises(DisbursementError, match="经办人或提交人"):
        batch_approve(batch=submitted_by_both, user=both)
    assert not Approval.objects.exists()
    batch = batch_approve(batch=submitted_by_both, user=approver)
    assert batch.status == S.APPROVED
    assert set(batch.items.values_list("status", flat=True)) == {S.APPROVED}


def test_a_big_batch_needs_two_approvers_and_a_return_resets_the_round(
    project, enrolled, officer, approver, approver2, settings
):
    settings.DISBURSEMENT_DUAL_APPROVAL_AMOUNT = Decimal("3000.00")
    batch = batch_submit(batch=create(project, officer), user=officer)
    assert batch.required_approvals == 2
    batch = batch_approve(batch=batch, user=approver)
    assert batch.status == S.SUBMITTED
    with pytest.raises(DisbursementError, match="另一位审核人"):
        batch_approve(batch=batch, user=approver)
    batch_return(batch=batch, user=approver2, reason="名单需复核")
    batch.refresh_from_db()
    assert batch.status == S.DRAFT
    assert set(batch.items.values_list("status", flat=True)) == {S.DRAFT}
    batch = batch_submit(batch=batch, user=officer)
    assert batch_approve(batch=batch, user=approver).status == S.SUBMITTED  # round 1 no longer counts
    assert batch_approve(batch=batch, user=approver2).status == S.APPROVED


def test_items_move_only_with_their_batch(project, enrolled, officer, approver, finance):
    batch = batch_submit(batch=create(project, officer), user=officer)
    item = batch.items.first()
    with pytest.raises(DisbursementError, match="批次"):
        disbursement_approve(disbursement=item, user=approver)
    batch_approve(batch=batch, user=approver)
    item.refresh_from_db()
    with pytest.raises(DisbursementError, match="批次"):
        disbursement_pay(disbursement=item, user=finance)
    assert not disbursement_transactions().exists()


def test_paying_posts_one_transaction_per_beneficiary(project, enrolled, officer, approver, finance):
    batch = batch_pay(batch=approved_batch(project, officer, approver), user=finance)
    assert batch.status == S.PAID and batch.paid_by == finance
    items = list(batch.items.all())
    assert {i.status for i in items} == {S.PAID}
    assert disbursement_transactions().count() == 4
    assert len({i.transaction_id for i in items}) == 4
    assert fund_figures("GY-ORPHAN").spent == Decimal("4000.00")
    funding = project_funding(project)
    assert (funding.beneficiaries, funding.disbursements, funding.available) == (4, 4, Decimal("6000.00"))
    with pytest.raises(DisbursementError):
        batch_pay(batch=batch, user=finance)
    assert disbursement_transactions().count() == 4


def test_payment_is_all_or_none(project, enrolled, officer, approver, finance, monkeypatch):
    batch = approved_batch(project, officer, approver)
    real = postings_module.public_record
    calls = []

    def failing_on_the_third(disbursement):
        calls.append(disbursement.pk)
        if len(calls) == 3:
            raise DisbursementError("模拟第三笔记账失败")
        return real(disbursement)

    monkeypatch.setattr(postings_module, "public_record", failing_on_the_third)
    before = Transaction.objects.count()
    with pytest.raises(DisbursementError, match="模拟"):
        batch_pay(batch=batch, user=finance)
    assert len(calls) == 3
    assert Transaction.objects.count() == before
    batch.refresh_from_db()
    assert batch.status == S.APPROVED
    assert set(batch.items.values_list("status", flat=True)) == {S.APPROVED}
    assert not batch.items.filter(transaction__isnull=False).exists()
    assert fund_figures("GY-ORPHAN").spent == Decimal("0.00")

    monkeypatch.setattr(postings_module, "public_record", real)
    assert batch_pay(batch=batch, user=finance).status == S.PAID


def test_a_failure_after_posting_rolls_the_postings_back(project, enrolled, officer, approver, finance, monkeypatch):
    """The ledger rows are written before the items are marked paid: a failure there must take them back too."""
    batch = approved_batch(project, officer, approver)

    def failing_update(*args, **kwargs):
        assert disbursement_transactions().count() == 4  # posted inside the transaction about to roll back
        raise RuntimeError("模拟更新失败")

    monkeypatch.setattr(Disbursement.objects, "bulk_update", failing_update)
    with pytest.raises(RuntimeError):
        batch_pay(batch=batch, user=finance)
    assert not disbursement_transactions().exists()
    assert fund_figures("GY-ORPHAN").spent == Decimal("0.00")
    assert set(batch.items.values_list("status", flat=True)) == {S.APPROVED}


def test_removing_an_item_from_a_draft(project, enrolled, officer, approver, settings):
    settings.DISBURSEMENT_DUAL_APPROVAL_AMOUNT = Decimal("3500.00")
    batch = create(project, officer)
    assert batch.required_approvals == 2
    item = batch.items.get(beneficiary=enrolled[1])
    batch_remove_item(batch=batch, item=item, user=officer)
    batch.refresh_from_db()
    assert batch.items.count() == 3 and batch_total(batch) == Decimal("2500.00")
    assert batch.required_approvals == 1
    assert not Disbursement.objects.filter(pk=item.pk).exists()

    other_batch_item = batch.items.first()
    batch = batch_submit(batch=batch, user=officer)
    with pytest.raises(DisbursementError, match="草稿"):
        batch_remove_item(batch=batch, item=other_batch_item, user=officer)
    with pytest.raises(PermissionDenied):
        batch_remove_item(batch=batch, item=other_batch_item, user=approver)
    assert batch.items.count() == 3


def test_the_fund_guard_applies_to_the_batch_total(project, enrolled, officer, approver, finance):
    submitted(project, person(9), "6500.00", officer=officer)  # live but not committed: does not count
    big = submitted(project, person(10), "6000.01", officer=officer)
    disbursement_approve(disbursement=big, user=approver)  # leaves 3,999.99 available: the batch needs 4,000
    batch = batch_submit(batch=create(project, officer), user=officer)
    with pytest.raises(DisbursementError, match="可用余额不足"):
        batch_approve(batch=batch, user=approver)
    batch.refresh_from_db()
    assert batch.status == S.SUBMITTED and not batch.approvals.exists()


def test_caps_are_checked_for_every_item(project, officer, approver, finance):
    people = [person(n) for n in (1, 2, 3)]
    for p in people:
        enrol(p, project, amount="1000.00", cap="1500.00", start=date(2026, 1, 1))
    spring = batch_submit(batch=create(project, officer, title="春季", on=date(2026, 3, 1)), user=officer)
    batch_pay(batch=batch_approve(batch=spring, user=approver), user=finance)
    autumn = create(project, officer, title="秋季")
    with pytest.raises(DisbursementError, match="年度上限"):
        batch_submit(batch=autumn, user=officer)  # each would reach 2,000 in 2026
    # Reversing one person's spring payment brings only that person back under the cap.
    spring_item = spring.items.get(beneficiary=people[0])
    disbursement_reverse(disbursement=spring_item, user=finance, reason="银行退票")
    for p in people[1:]:
        batch_remove_item(batch=autumn, item=autumn.items.get(beneficiary=p), user=officer)
    assert batch_submit(batch=autumn, user=officer).status == S.SUBMITTED
    next_year = create(project, officer, title="2027春季", on=date(2027, 3, 1))
    assert batch_submit(batch=next_year, user=officer).status == S.SUBMITTED


def test_a_batch_item_cannot_be_edited_on_its_own(project, enrolled, officer):
    """Batch amounts come from the enrolments' standards; editing one item would bypass the batch's review."""
    from dataclasses import replace

    from projects.services import DisbursementDraft, DisbursementError, disbursement_update_draft

    item = create(project, officer).items.first()
    draft = DisbursementDraft(
        project=item.project,
        beneficiary=item.beneficiary,
        amount=item.amount,
        purpose=item.purpose,
        disbursed_on=item.disbursed_on,
        enrolment=item.enrolment,
    )
    with pytest.raises(DisbursementError, match="批次"):
        disbursement_update_draft(disbursement=item, draft=replace(draft, amount=Decimal("99999.00")), user=officer)
    item.refresh_from_db()
    assert item.amount != Decimal("99999.00")
