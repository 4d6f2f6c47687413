"""公益事业捐赠票据导入: the finance e-receipt platform's list, one official receipt per row.

- A row names our 回执编号 (receipt serial, JZ2025-000123) and the official 票据代码, 票据号码 and 校验码; the gift
  is found by its serial (the whole file at once).
- Recording a receipt on a received gift that has none is an update of the gift; the same receipt already
  recorded is skipped; a gift that already carries a different receipt is an error (never overwritten silently).
- One 票据代码 + 票据号码 belongs to one gift: used by another gift on record, or on two rows of the file, is an error.
- The codes are identifiers: a cell Excel stored as a number may have lost its leading zeros and is refused.
"""

from __future__ import annotations

import re

from donations.models import Donation
from donations.services.receipts import (
    OFFICIAL_CHECK,
    OFFICIAL_DIGITS,
    OfficialReceipt,
    donations_record_official_receipts_bulk,
    official_receipts_by_number,
)
from projects.selectors.lookups import in_chunks

from ..engine import Action, Importer, RowPlan
from ..widgets import CodeWidget, Column, TextWidget


class OfficialCodeWidget(TextWidget):
    """票据代码 / 票据号码 / 校验码 as text, checked against the receipts service's pattern."""

    def __init__(self, what: str, pattern: re.Pattern, rule: str):
        super().__init__(20)
        self.what, self.pattern, self.rule = what, pattern, rule

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raise ValueError(f"单元格是数字格式,开头的 0 可能已丢失:请把「{self.what}」列设为文本格式后重新填写。")
        text = super().clean(value).replace(" ", "")
        if not self.pattern.match(text):
            raise ValueError(f"{self.what}应为 {self.rule}。")
        return text


class ReceiptImporter(Importer):
    kind = "receipts"
    title = "公益事业捐赠票据"
    permission = "donations.change_donation"
    description = (
        "每行一张财政电子票据平台开具的公益事业捐赠票据,按回执编号对应到已到账的捐赠。捐赠尚未登记票据的登记上;"
        "已登记同一张票据的跳过;已登记了另一张票据的报错(不会覆盖)。同一票据代码和号码只能对应一笔捐赠。"
    )

    receipt_serial = Column(
        "receipt_serial",
        "回执编号",
        CodeWidget(20, upper=True),
        required=True,
        aliases=("捐赠回执编号", "回执号"),
        example="JZ2025-000123",
    )
    code = Column(
        "code",
        "票据代码",
        OfficialCodeWidget("票据代码", OFFICIAL_DIGITS, "6–20 位数字"),
        required=True,
        hint="文本格式",
        example="37010125",
    )
    number = Column(
        "number",
        "票据号码",
        OfficialCodeWidget("票据号码", OFFICIAL_DIGITS, "6–20 位数字"),
        required=True,
        hint="文本格式,保留开头的 0",
        example="0000123456",
    )
    check = Column(
        "check",
        "校验码",
        OfficialCodeWidget("校验码", OFFICIAL_CHECK, "4–20 位数字或字母"),
        required=True,
        hint="文本格式",
        example="a1b2c3",
    )

    def row_key(self, plan: RowPlan):
        return ("serial", plan.values["receipt_serial"]), f"回执编号 {plan.values['receipt_serial']} 相同"

    def plan_rows(self, plans: list[RowPlan]) -> None:
        gifts = in_chunks(
            Donation.objects.only(
                "receipt_serial", "status", "official_receipt_code", "official_receipt_number", "official_receipt_check"
            ),
            "receipt_serial",
            (p.values["receipt_serial"] for p in plans),
        )
        used = official_receipts_by_number((p.values["code"], p.values["number"]) for p in plans)
        in_file: dict[tuple[str, str], int] = {}
        for plan in plans:
            v = plan.values
            gift = gifts.get(v["receipt_serial"])
            if gift is None:
                plan.fail("回执编号", f"回执编号 {v['receipt_serial']} 不存在。")
            elif not gift.is_received:
                plan.fail("回执编号", f"回执 {v['receipt_serial']} 的捐赠未到账或已冲正,不能登记公益事业捐赠票据。")
            else:
                self._planned(plan, gift, used, in_file)

    def _planned(self, plan: RowPlan, gift: Donation, used: dict, in_file: dict) -> None:
        v = plan.values
        pair = (v["code"], v["number"])
        recorded = (gift.official_receipt_code, gift.official_receipt_number, gift.official_receipt_check)
        plan.target = gift
        if recorded == (*pair, v["check"]):
            plan.action, plan.note = Action.SKIP, f"已登记:票据代码 {pair[0]},号码 {pair[1]}"
            return
        if any(recorded):
            plan.fail(
                "票据号码",
                f"回执 {gift.receipt_serial} 已登记了另一张票据(代码 {recorded[0]},号码 {recorded[1]}),导入不会覆盖;"
                "如需更正,请在后台修改该笔捐赠。",
            )
            return
        other = used.get(pair)
        if other is not None and other != gift.receipt_serial:
            plan.fail("票据号码", f"票据代码 {pair[0]}、号码 {pair[1]} 已登记在回执 {other} 上。")
            return
        first = in_file.setdefault(pair, plan.line)
        if first != plan.line:
            plan.fail("票据号码", f"与第 {first} 行的票据代码和号码相同,一张票据只能对应一笔捐赠。")
            return
        plan.action, plan.note = Action.UPDATE, f"登记票据:代码 {pair[0]},号码 {pair[1]}"

    def apply(self, plans: list[RowPlan]) -> None:
        receipts = [
            OfficialReceipt(
                receipt_serial=p.values["receipt_serial"],
                code=p.values["code"],
                number=p.values["number"],
                check=p.values["check"],
            )
            for p in plans
        ]
        for plan, gift in zip(plans, donations_record_official_receipts_bulk(receipts=receipts), strict=True):
            plan.target = gift
