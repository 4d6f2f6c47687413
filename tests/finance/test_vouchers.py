"""Vouchers (记账凭证): validation, the state machine, maker-checker, dual approval, numbering, posting, reversal."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from finance.models import (
    VOUCHER_TRANSITIONS,
    IllegalTransition,
    Voucher,
    VoucherApproval,
    VoucherCounter,
    VoucherStatus,
)
from finance.services import (
    VoucherDraft,
    VoucherError,
    VoucherLineDraft,
    voucher_approve,
    voucher_cancel,
    voucher_create,
    voucher_return,
    voucher_reverse,
    voucher_submit,
    voucher_update_draft,
)
from ledger.models import Account, Transaction
from ledger.services import LegSpec, PostingError, transaction_post
from ledger.services.verification import ledger_verify

from .conftest import rent_draft

pytestmark = pytest.mark.django_db


def posted(make_voucher, finance, approver, **kwargs) -> Voucher:
    voucher = voucher_submit(voucher=make_voucher(**kwargs), user=finance)
    return voucher_approve(voucher=voucher, user=approver)


def lines(*specs) -> list[VoucherLineDraft]:
    return [VoucherLineDraft(account=a, side=s, amount=Decimal(m), summary="摘要") for a, s, m in specs]


# Validation ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("draft_lines", "message"),
    [
        (lines(("5201", "D", "100.00"), ("1002", "C", "90.00")), "借贷不平衡:借方合计 ¥100.00,贷方合计 ¥90.00"),
        (lines(("5201", "D", "100.00")), "凭证至少需要两行分录"),
        (lines(("9999", "D", "100.00"), ("1002", "C", "100.00")), "第 1 行:会计科目 9999 不存在"),
        (lines(("5201", "D", "0"), ("1002", "C", "0")), "第 1 行:金额必须大于 0"),
        (lines(("5201", "D", "-5.00"), ("1002", "C", "-5.00")), "金额必须大于 0"),
        (lines(("5201", "D", "1.005"), ("1002", "C", "1.005")), "第 1 行:金额最多两位小数"),
    ],
)
def test_a_bad_draft_is_refused_in_chinese_and_nothing_is_written(chart, finance, draft_lines, message):
    draft = VoucherDraft(voucher_date=date(2026, 11, 30), summary="支付房租", lines=draft_lines)

    with pytest.raises(VoucherError, match=message):
        voucher_create(draft=draft, user=finance)

    assert not Voucher.objects.exists()


def test_an_account_with_sub_accounts_takes_no_entries(chart, finance):
    Account.objects.create(code="5201.01", name="管理费用·工资福利", type="expense")

    with pytest.raises(VoucherError, match="5201 管理费用 有明细科目,请记入明细科目"):
        voucher_create(draft=rent_draft(), user=finance)


def test_a_future_date_is_refused(chart, finance):
    tomorrow = timezone.localdate() + timedelta(days=1)

    with pytest.raises(VoucherError, match="凭证日期不能晚于今天"):
        voucher_create(draft=rent_draft(day=tomorrow), user=finance)


@pytest.mark.parametrize("summary", ["工资 账号6222021234567890123", "联系13812345678报销", "身份证110101199003071234"])
def test_the_privacy_guard_refuses_personal_data_in_the_public_summary(chart, finance, summary):
    with pytest.raises(VoucherError, match="公开记录.*疑似包含.*请按合计记账"):
        voucher_create(draft=rent_draft(summary=summary), user=finance)


def test_template_accounts_missing_from_the_chart_are_created_on_use(finance):
    draft = VoucherDraft(
        voucher_date=date(2026, 11, 30), summary="银行利息", lines=lines(("1002", "D", "12.34"), ("4901", "C", "12.34"))
    )

    voucher_create(draft=draft, user=finance)

    assert Account.objects.get(code="4901").type == "income" and Account.objects.get(code="1002").type == "asset"


def test_only_finance_drafts(chart, approver):
    with pytest.raises(PermissionDenied):
        voucher_create(draft=rent_draft(), user=approver)


# State machine -------------------------------------------------------------------------------------------------------


def test_the_transition_table_is_the_documented_one():
    assert {k: set(v) for k, v in VOUCHER_TRANSITIONS.items()} == {
        "draft": {"submitted", "cancelled"},
        "submitted": {"posted", "draft", "cancelled"},
        "posted": {"reversed"},
        "reversed": set(),
        "cancelled": set(),
    }


@pytest.mark.parametrize(
    ("status", "new"),
    [(old, new) for old in VoucherStatus.values for new in VoucherStatus.values if new not in VOUCHER_TRANSITIONS[old]],
)
def test_every_illegal_transition_is_refused(status, new):
    voucher = Voucher(status=status)

    with pytest.raises(IllegalTransition, match="凭证状态不能从|无需重复|无需再审核"):
        voucher.set_status(new)


def test_a_draft_cannot_be_approved_or_reversed(make_voucher, approver):
    voucher = make_voucher()

    with pytest.raises(VoucherError, match="不能从「草稿」改为「已过账」"):
        voucher_approve(voucher=voucher, user=approver)
    with pytest.raises(VoucherError, match="不能从「草稿」改为「已冲正」"):
        voucher_reverse(voucher=voucher, user=approver, reason="错")


def test_returned_with_a_reason_it_is_a_draft_again_and_editable(make_voucher, finance, approver):
    voucher = voucher_submit(voucher=make_voucher(), user=finance)

    with pytest.raises(VoucherError, match="请填写退回原因"):
        voucher_return(voucher=voucher, user=approver, reason=" ")
    voucher = voucher_return(voucher=voucher, user=approver, reason="附件缺发票")
    voucher = voucher_update_draft(voucher=voucher, draft=rent_draft("3100.00"), user=finance)

    assert voucher.status == "draft" and voucher.return_reason == "附件缺发票"
    assert [line.amount for line in voucher.lines.all()] == [Decimal("3100.00")] * 2


def test_a_submitted_voucher_cannot_be_edited(make_voucher, finance):
    voucher = voucher_submit(voucher=make_voucher(), user=finance)

    with pytest.raises(VoucherError, match="只有草稿可以修改"):
        voucher_update_draft(voucher=voucher, draft=rent_draft("1.00"), user=finance)


def test_a_cancelled_voucher_is_final_and_never_numbered(make_voucher, finance, approver):
    voucher = voucher_cancel(voucher=make_voucher(), user=finance, reason="重复制单")

    with pytest.raises(VoucherError, match="不能从「已作废」改为「待审核」"):
        voucher_submit(voucher=voucher, user=finance)
    assert voucher.number == "" and str(voucher) == f"草稿 #{voucher.pk}"


# Maker-checker -------------------------------------------------------------------------------------------------------


def test_finance_cannot_approve_and_the_maker_never_approves_even_with_the_permission(make_voucher, finance, approver):
    voucher = voucher_submit(voucher=make_voucher(), user=finance)
    with pytest.raises(PermissionDenied):
        voucher_approve(voucher=voucher, user=finance)

    from django.contrib.auth.models import Group

    finance.groups.add(Group.objects.get(name="审核人"))
    finance = type(finance).objects.get(pk=finance.pk)
    with pytest.raises(VoucherError, match="制单人和提交人不能审核自己的凭证"):
        voucher_approve(voucher=voucher, user=finance)
    assert Voucher.objects.get(pk=voucher.pk).status == "submitted"


def test_the_database_refuses_an_approval_by_the_maker_or_the_submitter(make_voucher, finance, approver):
    voucher = voucher_submit(voucher=make_voucher(), user=finance)

    for maker, submitter in ((finance, approver), (approver, finance)):
        with pytest.raises(IntegrityError), transaction.atomic():
            VoucherApproval.objects.create(voucher=voucher, approver=finance, maker=maker, submitter=submitter, round=1)


def test_approval_posts_to_the_ledger_with_codes_amounts_and_summary_only(make_voucher, finance, approver):
    voucher = posted(make_voucher, finance, approver)

    record = json.loads(voucher.transaction.record)
    assert voucher.status == "posted" and voucher.number == "记-2026-12-0001"
    assert voucher.transaction.source == f"voucher:{voucher.public_id}"
    assert record["details"] == {"purpose": "支付12月房租"}
    assert sorted((leg["account"], leg["side"], leg["amount"]) for leg in record["legs"]) == [
        ("1002", "C", "3000.00"),
        ("5201", "D", "3000.00"),
    ]
    assert "caiwu" not in voucher.transaction.record and "shenhe" not in voucher.transaction.record
    assert Account.objects.get(code="5201").debit_total == Decimal("3000.00")
    assert ledger_verify().ok


def test_posting_is_idempotent_on_the_voucher_source(make_voucher, finance, approver):
    voucher = posted(make_voucher, finance, approver)
    legs = [LegSpec(account="5201", side="D", amount=Decimal("1.00")), LegSpec("1002", "C", Decimal("1.00"))]

    again = transaction_post(
        kind="expense", occurred_at=timezone.now(), legs=legs, source=f"voucher:{voucher.public_id}"
    )

    assert again.pk == voucher.transaction_id
    with pytest.raises(VoucherError, match="已过账,无需重复审核"):
        voucher_approve(voucher=voucher, user=approver)
    assert Transaction.objects.filter(source__startswith="voucher:").count() == 1


def test_above_the_threshold_two_different_approvers_sign_before_it_posts(
    make_voucher, finance, approver, approver2, settings
):
    settings.VOUCHER_DUAL_APPROVAL_AMOUNT = Decimal("50000.00")
    voucher = voucher_submit(voucher=make_voucher("50000.01"), user=finance)
    assert voucher.required_approvals == 2

    voucher = voucher_approve(voucher=voucher, user=approver)
    assert voucher.status == "submitted" and voucher.transaction_id is None
    with pytest.raises(VoucherError, match="您已审核过本轮"):
        voucher_approve(voucher=voucher, user=approver)
    voucher = voucher_approve(voucher=voucher, user=approver2)

    assert voucher.status == "posted" and voucher.approvals.count() == 2


def test_at_the_threshold_one_approver_posts(make_voucher, finance, approver, settings):
    settings.VOUCHER_DUAL_APPROVAL_AMOUNT = Decimal("50000.00")

    assert posted(make_voucher, finance, approver, amount="50000.00").status == "posted"


def test_a_return_starts_a_new_round_of_approvals(make_voucher, finance, approver, approver2):
    voucher = voucher_submit(voucher=make_voucher("60000.00"), user=finance)
    voucher_approve(voucher=voucher, user=approver)
    voucher_return(voucher=voucher, user=approver2, reason="金额有误")
    voucher = voucher_submit(voucher=voucher, user=finance)

    voucher = voucher_approve(voucher=voucher, user=approver2)

    assert voucher.status == "submitted"


# Numbering ------------------------------------------------------------------------------------------------------------


def test_numbers_are_gap_free_per_month_and_skip_nothing_for_cancelled_or_returned_drafts(
    make_voucher, finance, approver
):
    first = posted(make_voucher, finance, approver, day=date(2026, 11, 3))
    voucher_cancel(voucher=make_voucher(day=date(2026, 11, 4)), user=finance, reason="重复")
    returned = voucher_submit(voucher=make_voucher(day=date(2026, 11, 5)), user=finance)
    voucher_return(voucher=returned, user=approver, reason="缺附件")
    december = posted(make_voucher, finance, approver, day=date(2026, 12, 1))
    second = posted(make_voucher, finance, approver, day=date(2026, 11, 30))

    assert [first.number, second.number, december.number] == ["记-2026-11-0001", "记-2026-11-0002", "记-2026-12-0001"]
    assert VoucherCounter.objects.get(year=2026, month=11).last == 2


def test_a_refused_posting_changes_nothing_and_uses_no_number(make_voucher, finance, approver, monkeypatch):
    voucher = voucher_submit(voucher=make_voucher(), user=finance)

    def refuse(**kwargs):
        raise PostingError("会计科目不存在:5201")

    monkeypatch.setattr("finance.services.vouchers.transaction_post", refuse)
    with pytest.raises(VoucherError, match="记账失败"):
        voucher_approve(voucher=voucher, user=approver)

    assert Voucher.objects.get(pk=voucher.pk).status == "submitted"
    assert not VoucherApproval.objects.exists() and not VoucherCounter.objects.filter(last__gt=0).exists()


# Reversal -------------------------------------------------------------------------------------------------------------


def test_a_posted_voucher_is_corrected_only_by_a_reversing_voucher_with_a_reason(make_voucher, finance, approver):
    voucher = posted(make_voucher, finance, approver)

    with pytest.raises(VoucherError, match="请填写冲正原因"):
        voucher_reverse(voucher=voucher, user=approver, reason="")
    with pytest.raises(PermissionDenied):
        voucher_reverse(voucher=voucher, user=finance, reason="金额错误")
    reversal = voucher_reverse(voucher=voucher, user=approver, reason="金额错误")

    voucher.refresh_from_db()
    assert voucher.status == "reversed" and voucher.reversal_reason == "金额错误"
    assert reversal.reverses == voucher and reversal.number == "记-2026-12-0002"
    assert reversal.transaction.reverses_id == voucher.transaction_id
    assert [(line.account_id, line.side) for line in reversal.lines.all()] == [
        (line.account_id, "C" if line.side == "D" else "D") for line in voucher.lines.all()
    ]
    assert Account.objects.get(code="5201").debit_total == Account.objects.get(code="5201").credit_total
    with pytest.raises(VoucherError, match="已冲正,无需重复冲正"):
        voucher_reverse(voucher=voucher, user=approver, reason="再来")
    assert ledger_verify().ok
