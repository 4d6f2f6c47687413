"""The dashboard panel 财务待办: vouchers to approve or fix, large offline gifts to confirm, bank gifts no statement
has matched yet. Reads through ``finance.selectors.work`` only; each section shows to whoever may act on it."""

from __future__ import annotations

from django.urls import reverse
from wagtail.admin.ui.components import Component

from finance.selectors.bank import unmatched_days
from finance.selectors.work import finance_work


def _voucher_row(voucher, note: str) -> dict:
    return {
        "title": voucher.summary,
        "what": str(voucher),
        "amount": voucher.total,
        "note": note,
        "url": reverse("finance_voucher", args=[voucher.pk]),
    }


def _gift_row(gift) -> dict:
    return {
        "title": f"{gift.get_channel_display()} · {gift.project.name if gift.project else '非限定性(一般基金)'}",
        "what": gift.bank_reference or "",
        "amount": gift.amount,
        "note": f"登记于 {gift.created_at:%Y-%m-%d}",
        "url": reverse("gifts:review", args=[gift.pk, "confirm"]),
    }


def _section(heading: str, element_id: str, count: int, rows: list[dict], empty: str, more_url: str) -> dict:
    return {"heading": heading, "id": element_id, "count": count, "rows": rows, "empty": empty, "more_url": more_url}


def panel_sections(user) -> list[dict]:
    work = finance_work(user)
    vouchers = reverse("finance_vouchers")
    sections = []
    if section := work.get("vouchers_to_approve"):
        rows = [_voucher_row(v, f"提交于 {v.submitted_at:%Y-%m-%d}") for v in section.rows]
        sections.append(
            _section("待我审核的凭证", "finance-vouchers-approve", section.count, rows, "没有待您审核的凭证。",
                     vouchers + "?status=submitted")
        )  # fmt: skip
    if section := work.get("vouchers_returned"):
        rows = [_voucher_row(v, f"退回原因:{v.return_reason}") for v in section.rows]
        sections.append(
            _section("退回的凭证", "finance-vouchers-returned", section.count, rows, "没有退回给您修改的凭证。",
                     vouchers + "?status=draft")
        )  # fmt: skip
    if section := work.get("gifts_to_confirm"):
        rows = [_gift_row(g) for g in section.rows]
        sections.append(
            _section("待复核的线下捐赠", "finance-gifts-confirm", section.count, rows, "没有待您复核的线下捐赠。", "")
        )
    if section := work.get("gifts_unreconciled"):
        count = section.count
        empty = f"到账超过 {unmatched_days()} 天仍未与银行流水对上的银行转账捐赠:{count} 笔。"
        more = reverse("finance_bank_reconciliation") if count else ""
        sections.append(_section("未对账的线下捐赠", "finance-gifts-unreconciled", count, [], empty, more))
    return sections


class FinanceWorkPanel(Component):
    name = "finance_work"
    template_name = "finance/admin/dashboard_work.html"
    order = 85  # after 待我处理 (disbursements), before the balances

    def get_context_data(self, parent_context):
        return {"sections": panel_sections(parent_context["request"].user)}


def panel_visible_to(user) -> bool:
    return user.is_active and bool(finance_work(user))
