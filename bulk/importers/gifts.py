"""线下捐赠导入: a bank statement, a cash book or an in-kind register, one gift per row.

- A bank transfer is identified by its 银行流水号: a reference already recorded (imported before, or typed in by
  hand) is skipped when the amount agrees and is an error when it does not.
- Cash and in-kind rows are identified by their 凭证号 when the file gives one, otherwise by the whole row; two
  identical rows in one file are refused (give them different 凭证号 if they really are two gifts).
- The identity becomes the gift's idempotency key, so importing the same file again records nothing new.
- A donor is linked (or created once) by 统一社会信用代码 or 手机号; a name alone is kept as the gift's private
  付款人, never published. The public sees 公开署名, or 匿名.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

from donations.models import Channel, Donation, DonorKind
from donations.models.donations import ValuationBasis
from donations.services.donors import DonorIdentity, donors_find_or_create
from donations.services.offline import (
    OfflineGift,
    donations_record_offline_bulk,
    offline_gift_errors,
    offline_gift_needs_confirmation,
)
from donations.validators import validate_credit_code, validate_mobile
from projects.models import Project
from projects.selectors.lookups import in_chunks

from ..engine import Action, Importer, RowPlan
from ..widgets import (
    AmountWidget,
    ChoiceWidget,
    CodeWidget,
    Column,
    DateTimeWidget,
    TextWidget,
    ValidatorWidget,
    mobile_digits,
)

WRITE_CHUNK = 10_000
IMPORT_NAMESPACE = uuid.UUID("5b0e6a52-3c1f-4d7e-9a57-2f1d7c0a9e61")
CHANNELS = [(Channel.BANK.value, "银行转账"), (Channel.CASH.value, "现金"), (Channel.IN_KIND.value, "物资捐赠")]
CHANNEL_ALIASES = {
    "转账": Channel.BANK,
    "银行": Channel.BANK,
    "对公转账": Channel.BANK,
    "物资": Channel.IN_KIND,
    "实物": Channel.IN_KIND,
    "实物捐赠": Channel.IN_KIND,
}


class GiftImporter(Importer):
    kind = "gifts"
    title = "线下捐赠"
    permission = "donations.add_donation"
    description = (
        "每行一笔已到账的线下捐赠(银行转账、现金或物资)。每笔都记入账本并获得回执编号;达到复核金额的记为「待复核」,"
        "由另一位有复核权限的人员确认后才入账。银行转账按银行流水号识别,"
        "现金和物资按凭证号(没有凭证号时按整行内容)识别:同一文件再次导入不会重复入账。"
    )

    project_code = Column(
        "project_code", "项目编号", CodeWidget(40, upper=True), hint="留空表示非限定性资金", example="XT100"
    )
    channel = Column(
        "channel",
        "捐赠方式",
        ChoiceWidget(CHANNELS, CHANNEL_ALIASES),
        required=True,
        hint="银行转账 / 现金 / 物资捐赠",
        example="银行转账",
    )
    amount = Column(
        "amount",
        "金额(元)",
        AmountWidget(),
        required=True,
        aliases=("金额", "交易金额", "估值(元)"),
        hint="物资捐赠填估值",
        example="1000.00",
    )
    received_at = Column(
        "received_at",
        "到账日期",
        DateTimeWidget(),
        required=True,
        aliases=("交易日期", "日期"),
        hint="2025-01-31 或 2025-01-31 14:05",
        example="2025-01-31",
    )
    bank_reference = Column(
        "bank_reference",
        "银行流水号",
        CodeWidget(64),
        aliases=("流水号", "交易流水号"),
        hint="银行转账必填",
        example="BK20250131000123",
    )
    payer_name = Column(
        "payer_name",
        "付款人",
        TextWidget(100),
        aliases=("付款人户名", "对方户名", "捐赠人"),
        hint="仅内部对账,不公开",
        example="张三",
    )
    credit_code = Column(
        "credit_code",
        "统一社会信用代码",
        ValidatorWidget(validate_credit_code, 18, upper=True),
        hint="单位捐赠人填写,用于关联捐赠人",
    )
    phone = Column(
        "phone",
        "手机号",
        ValidatorWidget(validate_mobile, 20, clean=mobile_digits),
        hint="个人捐赠人填写,用于关联捐赠人;加密存储",
    )
    display_name = Column("display_name", "公开署名", TextWidget(60), hint="留空则公开为「匿名」")
    message = Column("message", "附言", TextWidget(200), aliases=("摘要", "留言", "用途"))
    in_kind_description = Column("in_kind_description", "物资名称", TextWidget(200), hint="物资捐赠必填")
    in_kind_quantity = Column("in_kind_quantity", "数量", AmountWidget(digits=12), hint="物资捐赠必填")
    in_kind_unit = Column("in_kind_unit", "单位", TextWidget(20), hint="如 袋、箱、台")
    valuation_basis = Column(
        "valuation_basis", "估值依据", ChoiceWidget(ValuationBasis.choices), hint="发票 / 报关单 / 捐赠协议 / 市场价格"
    )
    voucher = Column("voucher", "凭证号", TextWidget(64), aliases=("收据号",), hint="现金、物资的收据或凭证编号")

    FIELD_COLUMNS = {
        "project": "项目编号",
        "channel": "捐赠方式",
        "amount": "金额(元)",
        "received_at": "到账日期",
        "bank_reference": "银行流水号",
        "in_kind_description": "物资名称",
        "in_kind_quantity": "数量",
        "in_kind_unit": "单位",
        "valuation_basis": "估值依据",
    }

    def row_key(self, plan: RowPlan):
        v = plan.values
        if v["channel"] == Channel.BANK and v["bank_reference"]:
            return ("bank", v["bank_reference"]), f"银行流水号 {v['bank_reference']} 相同"
        if v["voucher"]:
            return ("voucher", v["channel"], v["voucher"]), f"凭证号 {v['voucher']} 相同"
        content = tuple(str(v[c.attribute] or "") for c in self.columns())
        return ("row", content), "两行内容完全相同;如确为两笔捐赠,请填写不同的凭证号"

    def submission_key(self, plan: RowPlan) -> uuid.UUID:
        key = plan.extra["key"] if "key" in plan.extra else self.row_key(plan)[0]
        return uuid.uuid5(IMPORT_NAMESPACE, repr(key))

    def plan_rows(self, plans: list[RowPlan]) -> None:
        projects = in_chunks(Project.objects.all(), "code", (p.values["project_code"] for p in plans))
        keys = {self.submission_key(p): p for p in plans}
        gifts = Donation.objects.only(
            "idempotency_key", "bank_reference", "amount", "channel", "receipt_serial", "status"
        )
        recorded = in_chunks(gifts, "idempotency_key", keys)
        by_reference = in_chunks(gifts, "bank_reference", (p.values["bank_reference"] for p in plans))
        for key, plan in keys.items():
            v = plan.values
            project = None
            if v["project_code"]:
                project = projects.get(v["project_code"])
                if project is None:
                    plan.fail("项目编号", f"项目编号 {v['project_code']} 不存在。")
                    continue
            done = recorded.get(key) or by_reference.get(v["bank_reference"])
            if done is not None:
                self._already(plan, done)
                continue
            gift = OfflineGift(
                project=project,
                channel=v["channel"],
                amount=v["amount"],
                received_at=v["received_at"],
                display_name=v["display_name"] or "",
                message=v["message"] or "",
                bank_reference=v["bank_reference"] or "",
                payer_name=v["payer_name"] or "",
                in_kind_description=v["in_kind_description"] or "",
                in_kind_quantity=v["in_kind_quantity"],
                in_kind_unit=v["in_kind_unit"] or "",
                valuation_basis=v["valuation_basis"] or "",
                submission_key=key,
            )
            for field, message in offline_gift_errors(gift).items():
                plan.fail(self.FIELD_COLUMNS.get(field, ""), message)
            if v["credit_code"] and not v["payer_name"]:
                plan.fail("付款人", "填写了统一社会信用代码,请同时填写单位名称(付款人)。")
            if plan.action != Action.ERROR:
                plan.extra["gift"] = gift
                plan.note = _describe(gift)

    def _already(self, plan: RowPlan, done) -> None:
        v = plan.values
        if done.amount != v["amount"] or done.channel != v["channel"]:
            plan.fail(
                "银行流水号" if v["bank_reference"] else "",
                f"已登记为{_label(done)}(金额 {done.amount} 元),与本行金额 {v['amount']} 元不一致。"
                "请核对;如需更正,请先冲正原记录。",
            )
            return
        plan.action, plan.target = Action.SKIP, done
        plan.note = f"已登记:{_label(done)}"

    def apply(self, plans: list[RowPlan]) -> None:
        """Donors first (one look-up, one insert), then the gifts in date order, WRITE_CHUNK at a time inside the
        import's one transaction: receipt serials still follow the dates across chunks, and memory holds one
        chunk's gifts and ledger rows, not the whole file's."""
        identities = {p.line: i for p in plans if (i := _donor_identity(p.values)) is not None}
        donors = donors_find_or_create(identities.values())
        plans = sorted(plans, key=lambda p: p.extra["gift"].received_at)
        for start in range(0, len(plans), WRITE_CHUNK):
            chunk = plans[start : start + WRITE_CHUNK]
            gifts = [
                replace(p.extra.pop("gift"), donor=donors[identities[p.line].key])
                if p.line in identities
                else p.extra.pop("gift")
                for p in chunk
            ]
            recorded = donations_record_offline_bulk(gifts=gifts, recorded_by=self.user)
            for plan, donation in zip(chunk, recorded, strict=True):
                plan.note = f"已入账:回执 {donation.receipt_serial}" if donation.receipt_serial else _AWAITING
            if self.progress:
                self.progress("写入", start + len(chunk), len(plans))


def _donor_identity(values: dict) -> DonorIdentity | None:
    if values["credit_code"]:
        return DonorIdentity(
            kind=DonorKind.ORGANISATION, name=values["payer_name"] or "", credit_code=values["credit_code"]
        )
    if values["phone"]:
        return DonorIdentity(kind=DonorKind.INDIVIDUAL, name=values["payer_name"] or "", phone=values["phone"])
    return None


def _label(done) -> str:
    return f"回执 {done.receipt_serial}" if done.receipt_serial else f"「{done.get_status_display()}」的捐赠"


_AWAITING = "待复核:未入账,须另一位有复核权限的人员确认"


def _describe(gift: OfflineGift) -> str:
    fund = gift.project.code if gift.project else "非限定性资金"
    note = f"{dict(CHANNELS)[gift.channel]} {gift.amount} 元 → {fund}"
    return f"{note}({_AWAITING})" if offline_gift_needs_confirmation(gift.amount) else note
