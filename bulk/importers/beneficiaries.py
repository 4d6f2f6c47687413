"""受助人导入: the civil-affairs bureau's roll (民政局名册), one person per row.

- A person is identified by the 居民身份证号 (GB 11643 check digit), looked up by keyed hash for the whole file
  at once; the same number twice in one file is an error naming the other line.
- A person already registered is updated when a cell says something new and skipped when nothing differs; a
  blank cell keeps what is on record. Sensitive values (phone, bank account, guardian's phone) are compared by
  keyed hash or in memory and passed on only when they change (``None`` keeps the stored ciphertext).
- Messages and notes name a person by the masked name and the registry number (张*三,编号 12), never by the
  full ID number, phone or bank account.
"""

from __future__ import annotations

from ledger.privacy import mask_name
from projects import sensitive
from projects.models import Beneficiary, BeneficiaryCategory
from projects.services.beneficiaries import (
    BeneficiaryData,
    beneficiaries_register_bulk,
    beneficiaries_with_id_numbers,
    beneficiary_errors,
    beneficiary_update,
)

from ..engine import Action, Importer, RowPlan
from ..widgets import ChoiceWidget, Column, TextWidget

CATEGORY_ALIASES = {
    "低保户": BeneficiaryCategory.DIBAO,
    "最低生活保障": BeneficiaryCategory.DIBAO,
    "特困人员": BeneficiaryCategory.TEKUN,
    "特困供养": BeneficiaryCategory.TEKUN,
    "事实无人抚养": BeneficiaryCategory.UNSUPPORTED_CHILD,
    "残疾": BeneficiaryCategory.DISABLED,
    "重病": BeneficiaryCategory.SERIOUSLY_ILL,
    "大病": BeneficiaryCategory.SERIOUSLY_ILL,
    "低收入": BeneficiaryCategory.LOW_INCOME,
    "低边": BeneficiaryCategory.LOW_INCOME,
    "留守儿童": BeneficiaryCategory.CHILD_IN_DIFFICULTY,
    "留守/困境儿童": BeneficiaryCategory.CHILD_IN_DIFFICULTY,
}
FIELD_COLUMNS = {
    "name": "姓名",
    "id_number": "身份证号",
    "category": "救助类别",
    "district": "区县",
    "town": "镇街",
    "village": "村(社区)",
    "phone": "联系电话",
    "bank_name": "开户行",
    "bank_account": "银行账号",
    "guardian_name": "监护人姓名",
    "guardian_relation": "监护人关系",
    "guardian_phone": "监护人电话",
    "notes": "备注",
}
PLAIN = ("name", "category", "district", "town", "village", "bank_name", "guardian_name", "guardian_relation", "notes")
EXCEL_NUMBER = "Excel 把{what}存成了数字,末几位已经丢失:请把这一列设为「文本」格式后重新填写。"


class IdNumberWidget(TextWidget):
    """A 居民身份证号, normalised (spaces out, X upper-case) and checked. Its errors never repeat the number; a
    number Excel stored as a float (3.70303E+17) has lost its last digits and is refused as such."""

    def __init__(self):
        super().__init__(30)

    def clean(self, value, row=None, **kwargs):
        if _is_number(value) or "E+" in str(value).upper():
            raise ValueError(EXCEL_NUMBER.format(what="身份证号"))
        number = sensitive.normalise("id_number", super().clean(value))
        if error := sensitive.id_number_errors(number):
            raise ValueError(error)
        return number


class DigitsWidget(TextWidget):
    """A phone or bank account: text, or an Excel number small enough to be exact (a float holds 15 digits)."""

    def __init__(self, what: str, max_length: int):
        super().__init__(max_length)
        self.what = what

    def clean(self, value, row=None, **kwargs):
        if (_is_number(value) and abs(value) >= 10**15) or "E+" in str(value).upper():
            raise ValueError(EXCEL_NUMBER.format(what=self.what))
        return super().clean(value)


class BeneficiaryImporter(Importer):
    kind = "beneficiaries"
    title = "受助人"
    permission = "projects.add_beneficiary"
    description = (
        "每行一位受助人(如民政局名册)。按身份证号识别(校验位必须正确):未登记的新增;已登记的,有内容变化则更新,"
        "没有变化则跳过;空白单元格保留原有信息。身份证号、电话和银行账号加密存储,预览和提示中只显示脱敏信息。"
    )

    name = Column("name", "姓名", TextWidget(50), required=True, example="张三")
    id_number = Column(
        "id_number",
        "身份证号",
        IdNumberWidget(),
        required=True,
        aliases=("身份证号码", "公民身份号码"),
        hint="18 位;请把这一列设为文本格式",
    )
    category = Column(
        "category",
        "救助类别",
        ChoiceWidget(BeneficiaryCategory.choices, CATEGORY_ALIASES),
        required=True,
        hint="、".join(BeneficiaryCategory.labels),
        example="孤儿",
    )
    district = Column("district", "区县", TextWidget(50), required=True, example="广安区")
    town = Column("town", "镇街", TextWidget(50), aliases=("乡镇街道", "乡镇(街道)"), example="浓洄街道")
    village = Column("village", "村(社区)", TextWidget(50), aliases=("村社区", "村/社区"), hint="不公开")
    phone = Column("phone", "联系电话", DigitsWidget("联系电话", 20), aliases=("手机号",), hint="加密存储")
    bank_name = Column("bank_name", "开户行", TextWidget(100), example="农业银行")
    bank_account = Column(
        "bank_account", "银行账号", DigitsWidget("银行账号", 40), aliases=("银行卡号",), hint="加密存储;文本格式"
    )
    guardian_name = Column("guardian_name", "监护人姓名", TextWidget(50), aliases=("监护人",), hint="未成年人必填")
    guardian_relation = Column("guardian_relation", "监护人关系", TextWidget(20), aliases=("与受助人关系",))
    guardian_phone = Column("guardian_phone", "监护人电话", DigitsWidget("监护人电话", 20), hint="加密存储")
    notes = Column("notes", "备注", TextWidget(1000), hint="内部备注,不公开")

    def row_key(self, plan: RowPlan):
        return ("id_number", plan.values["id_number"]), "身份证号相同"

    def plan_rows(self, plans: list[RowPlan]) -> None:
        registered = beneficiaries_with_id_numbers(p.values["id_number"] for p in plans)
        for plan in plans:
            person = registered.get(plan.values["id_number"])
            if person is None:
                self._new(plan)
            else:
                self._existing(plan, person)

    def _new(self, plan: RowPlan) -> None:
        v = plan.values
        data = BeneficiaryData(
            **{name: v[name] or "" for name in PLAIN},
            id_number=v["id_number"],
            phone=v["phone"] or "",
            bank_account=v["bank_account"] or "",
            guardian_phone=v["guardian_phone"] or "",
        )
        if self._checked(plan, data, registered=None):
            plan.extra["data"] = data
            category = BeneficiaryCategory(data.category).label
            plan.note = f"新登记:{mask_name(data.name)}({category},{data.district})"

    def _existing(self, plan: RowPlan, person: Beneficiary) -> None:
        v = plan.values
        changed, plain = [], {}
        for name in PLAIN:
            stored, given = getattr(person, name), (v[name] or "").strip()
            plain[name] = given if given and given != stored else stored
            if plain[name] != stored:
                changed.append(FIELD_COLUMNS[name])
        secret = {}
        for name in ("phone", "bank_account", "guardian_phone"):
            given = sensitive.normalise(name, v[name] or "")
            secret[name] = given if given and _differs(person, name, given) else None
            if secret[name] is not None:
                changed.append(FIELD_COLUMNS[name])
        plan.target = person
        who = f"已登记:{person.masked_name},编号 {person.pk}"
        if not changed:
            plan.action, plan.note = Action.SKIP, f"{who},信息相同"
            return
        data = BeneficiaryData(**plain, **secret, id_number=None)
        if self._checked(plan, data, instance=person, registered=person):
            plan.action, plan.extra["data"] = Action.UPDATE, data
            plan.note = f"{who};更新{'、'.join(changed)}"

    def _checked(self, plan: RowPlan, data: BeneficiaryData, **context) -> bool:
        for field, message in beneficiary_errors(data, **context).items():
            plan.fail(FIELD_COLUMNS.get(field, ""), message)
        return plan.action != Action.ERROR

    def apply(self, plans: list[RowPlan]) -> None:
        new = [plan for plan in plans if plan.action == Action.NEW]
        people = beneficiaries_register_bulk(data=[plan.extra["data"] for plan in new], created_by=self.user)
        for plan, person in zip(new, people, strict=True):
            plan.target = person
            plan.note = f"已登记:{person.masked_name},编号 {person.pk}"
        for plan in plans:
            if plan.action == Action.UPDATE:
                beneficiary_update(beneficiary=plan.target, data=plan.extra["data"])


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _differs(person: Beneficiary, name: str, given: str) -> bool:
    """Is ``given`` not what is stored? Compared by keyed hash where there is one; the guardian's phone has none
    and is decrypted in memory."""
    if name == "guardian_phone":
        return given != sensitive.normalise(name, sensitive.decrypt(person.guardian_phone_encrypted))
    return sensitive.keyed_hash(name, given) != getattr(person, f"{name}_hash")
