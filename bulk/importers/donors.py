"""捐赠人导入: a list of donors (individuals and organisations), one per row.

- An organisation is identified by its 统一社会信用代码, a person by 手机号 (or, without one, 电子邮箱) — matched
  through the keyed hashes, never the stored ciphertext. A row that identifies nobody is refused: importing it
  again would register the same person twice.
- A donor already on record is updated when the row says something new (name, e-mail, consent; a phone for a
  person known only by e-mail, or an organisation's contact phone) and skipped when it says nothing new. A blank
  cell keeps what is on record.
- A phone, e-mail or credit code may appear on one row of a file only.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from donations.models import Donor, DonorKind
from donations.services.donors import donor_errors, donors_save_bulk
from donations.validators import validate_credit_code, validate_mobile
from projects.selectors.lookups import in_chunks
from projects.sensitive import keyed_hash

from ..engine import Action, Importer, RowPlan
from ..widgets import ChoiceWidget, Column, TextWidget, ValidatorWidget, YesNoWidget, mobile_digits

KIND_ALIASES = {
    "自然人": DonorKind.INDIVIDUAL,
    "企业": DonorKind.ORGANISATION,
    "公司": DonorKind.ORGANISATION,
    "机构": DonorKind.ORGANISATION,
    "组织": DonorKind.ORGANISATION,
}
FIELD_COLUMNS = {
    "kind": "类型",
    "name": "姓名/单位名称",
    "credit_code": "统一社会信用代码",
    "phone": "手机号",
    "email": "电子邮箱",
    "show_name_publicly": "同意公开姓名",
}


def _validate_email(value: str) -> None:
    try:
        validate_email(value)
    except ValidationError:
        raise ValidationError("电子邮箱格式不正确。") from None


class DonorImporter(Importer):
    kind = "donors"
    title = "捐赠人"
    permission = "donations.add_donor"
    description = (
        "每行一位捐赠人。单位按统一社会信用代码识别,个人按手机号(没有手机号时按电子邮箱)识别;至少要填一项,"
        "否则再次导入会重复登记。已登记的捐赠人:内容有变化则更新(姓名、邮箱、是否公开姓名),没有变化则跳过;"
        "空白单元格保留原有信息。手机号和邮箱加密存储,绝不公开。"
    )

    donor_kind = Column(
        "kind",
        "类型",
        ChoiceWidget(DonorKind.choices, KIND_ALIASES),
        required=True,
        aliases=("捐赠人类型",),
        hint="个人 / 单位",
        example="个人",
    )
    name = Column(
        "name", "姓名/单位名称", TextWidget(100), aliases=("姓名", "单位名称", "名称"), hint="单位必填", example="张三"
    )
    credit_code = Column(
        "credit_code",
        "统一社会信用代码",
        ValidatorWidget(validate_credit_code, 18, upper=True),
        hint="单位必填,用于识别",
    )
    phone = Column(
        "phone",
        "手机号",
        ValidatorWidget(validate_mobile, 20, clean=mobile_digits),
        aliases=("手机", "联系电话"),
        hint="个人用于识别;加密存储,不公开",
        example="13800000000",
    )
    email = Column(
        "email",
        "电子邮箱",
        ValidatorWidget(_validate_email, 254),
        aliases=("邮箱", "Email"),
        hint="用于发送回执;加密存储,不公开",
    )
    show_name_publicly = Column(
        "show_name_publicly", "同意公开姓名", YesNoWidget(), hint="是 / 否;新登记留空为否", example="否"
    )

    def row_key(self, plan: RowPlan):
        v = plan.values
        if v["credit_code"]:
            return ("credit_code", v["credit_code"]), f"统一社会信用代码 {v['credit_code']} 相同"
        if v["phone"]:
            return ("phone", v["phone"]), "手机号相同"
        if v["email"]:
            return ("email", v["email"].lower()), "电子邮箱相同"
        return None

    def plan_rows(self, plans: list[RowPlan]) -> None:
        plans = [plan for plan in plans if self._identified(plan)]
        donors = Donor.objects.order_by("-pk")  # the oldest donor wins when two share a key
        by_code = in_chunks(
            donors.filter(kind=DonorKind.ORGANISATION),
            "credit_code",
            (p.values["credit_code"] for p in plans if p.values["kind"] == DonorKind.ORGANISATION),
        )
        by_phone = in_chunks(donors, "phone_hash", (keyed_hash("phone", p.values["phone"] or "") for p in plans))
        by_email = in_chunks(donors, "email_hash", (_email_hash(p.values["email"]) for p in plans))
        claimed: dict[int, int] = {}  # donor pk → the line that already refers to it
        emails: dict[str, int] = {}  # e-mail → the first line giving it
        for plan in plans:
            v = plan.values
            if v["email"]:
                first = emails.setdefault(v["email"].lower(), plan.line)
                if first != plan.line:
                    plan.fail("电子邮箱", f"与第 {first} 行的电子邮箱相同,同一邮箱只能对应一位捐赠人。")
                    continue
            if v["kind"] == DonorKind.ORGANISATION:
                found, by = by_code.get(v["credit_code"]), "统一社会信用代码"
            else:
                found, by = by_phone.get(keyed_hash("phone", v["phone"] or "")), "手机号"
                if found is None:
                    found, by = by_email.get(_email_hash(v["email"])), "电子邮箱"
            if found is None:
                self._new(plan)
            elif found.pk in claimed:
                plan.fail(by, f"与第 {claimed[found.pk]} 行是同一位已登记的捐赠人(编号 {found.pk})。")
            else:
                claimed[found.pk] = plan.line
                self._existing(plan, found, by)

    def _identified(self, plan: RowPlan) -> bool:
        v = plan.values
        if v["kind"] == DonorKind.ORGANISATION:
            if not v["credit_code"]:
                plan.fail("统一社会信用代码", "单位捐赠人请填写统一社会信用代码(用于识别,避免重复登记)。")
        elif v["credit_code"]:
            plan.fail("统一社会信用代码", "只有单位捐赠人才填写统一社会信用代码。")
        elif not v["phone"] and not v["email"]:
            plan.fail("手机号", "个人捐赠人请至少填写手机号或电子邮箱之一(用于识别,否则再次导入会重复登记)。")
        return plan.action != Action.ERROR

    def _new(self, plan: RowPlan) -> None:
        v = plan.values
        donor = Donor(
            kind=v["kind"],
            name=(v["name"] or "").strip(),
            credit_code=v["credit_code"] or "",
            phone=v["phone"] or "",
            email=v["email"] or "",
            show_name_publicly=bool(v["show_name_publicly"]),
        )
        if self._checked(plan, donor):
            plan.extra["donor"] = donor
            plan.note = f"新登记{DonorKind(donor.kind).label}捐赠人 {donor.name}".rstrip()

    def _existing(self, plan: RowPlan, donor: Donor, by: str) -> None:
        v = plan.values
        if donor.kind != v["kind"]:
            plan.fail(by, f"该{by}已登记为{DonorKind(donor.kind).label}捐赠人(编号 {donor.pk}),与本行的类型不一致。")
            return
        phone_editable = donor.kind == DonorKind.ORGANISATION or not donor.phone
        if v["phone"] and donor.phone and v["phone"] != donor.phone and not phone_editable:
            plan.fail("手机号", f"该电子邮箱已登记在捐赠人编号 {donor.pk} 名下,但手机号不同,请核对。")
            return
        changed = []
        for attribute, value in (
            ("name", (v["name"] or "").strip()),
            ("email", v["email"] or ""),
            ("show_name_publicly", v["show_name_publicly"]),
            ("phone", v["phone"] or ""),
        ):
            if value in ("", None) or _same(attribute, getattr(donor, attribute), value):
                continue
            setattr(donor, attribute, value)
            changed.append(FIELD_COLUMNS[attribute])
        plan.target = donor
        if not changed:
            plan.action, plan.note = Action.SKIP, f"已登记:捐赠人编号 {donor.pk},信息相同"
        elif self._checked(plan, donor):
            plan.action, plan.extra["donor"] = Action.UPDATE, donor
            plan.note = f"捐赠人编号 {donor.pk}:更新{'、'.join(changed)}"

    def _checked(self, plan: RowPlan, donor: Donor) -> bool:
        for field, message in donor_errors(donor).items():
            plan.fail(FIELD_COLUMNS.get(field, ""), message)
        return plan.action != Action.ERROR

    def apply(self, plans: list[RowPlan]) -> None:
        new = [p.extra["donor"] for p in plans if p.action == Action.NEW]
        changed = [p.extra["donor"] for p in plans if p.action == Action.UPDATE]
        donors_save_bulk(new=new, changed=changed)
        for plan in plans:
            if plan.action == Action.NEW:
                plan.target = plan.extra["donor"]
                plan.note = f"已登记:捐赠人编号 {plan.target.pk}"


def _email_hash(email: str | None) -> str:
    return keyed_hash("email", (email or "").strip().lower())


def _same(attribute: str, stored, value) -> bool:
    if attribute == "email":
        return stored.strip().lower() == value.strip().lower()
    return stored == value
