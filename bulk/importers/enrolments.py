"""项目登记导入: registered beneficiaries put into projects (救助对象), one enrolment per row.

- The person is named by the 居民身份证号 of someone already in the registry (import 受助人 first), found by keyed
  hash; the project by its 项目编号 (an open one).
- An enrolment is identified by (person, project, 开始日期): one already on record is skipped, never changed.
- A new enrolment must pass the enrolment service's rules (positive standard and cap, end not before start, an
  open project) and must not overlap the same person's other enrolments in that project, on record or earlier in
  the file.
- Messages name a person by the masked name only.
"""

from __future__ import annotations

from collections import defaultdict

from projects.models import Enrolment, Project, StandardUnit
from projects.selectors.lookups import in_chunks
from projects.services.beneficiaries import (
    beneficiaries_with_id_numbers,
    enrolment_errors,
    enrolments_create_bulk,
    enrolments_on_record,
    enrolments_overlap,
)

from ..engine import Action, Importer, RowPlan
from ..widgets import AmountWidget, ChoiceWidget, CodeWidget, Column, DateWidget, TextWidget
from .beneficiaries import IdNumberWidget

UNIT_ALIASES = {
    "每年": StandardUnit.PER_YEAR,
    "每学年": StandardUnit.PER_YEAR,
    "按年": StandardUnit.PER_YEAR,
    "年": StandardUnit.PER_YEAR,
    "按次": StandardUnit.PER_SESSION,
    "次": StandardUnit.PER_SESSION,
    "按月": StandardUnit.PER_MONTH,
    "月": StandardUnit.PER_MONTH,
    "一次": StandardUnit.ONE_OFF,
}
FIELD_COLUMNS = {
    "beneficiary": "身份证号",
    "project": "项目编号",
    "standard_amount": "资助标准(元)",
    "standard_unit": "标准单位",
    "yearly_cap": "年度上限(元)",
    "start_date": "开始日期",
    "end_date": "结束日期",
    "notes": "备注",
}


class EnrolmentImporter(Importer):
    kind = "enrolments"
    title = "项目登记"
    permission = "projects.add_enrolment"
    description = (
        "每行把一位已登记的受助人纳入一个项目(救助对象),写明资助标准和起止日期。受助人按身份证号查找,请先导入受助人。"
        "同一受助人、同一项目、同一开始日期已登记的跳过(不修改);与已有登记或文件中其他行时间重叠的报错。"
    )

    id_number = Column(
        "id_number", "身份证号", IdNumberWidget(), required=True, aliases=("身份证号码",), hint="须已登记为受助人"
    )
    project_code = Column("project_code", "项目编号", CodeWidget(32, upper=True), required=True, example="GY-ORPHAN")
    standard_amount = Column(
        "standard_amount", "资助标准(元)", AmountWidget(), required=True, aliases=("资助标准",), example="3000.00"
    )
    standard_unit = Column(
        "standard_unit",
        "标准单位",
        ChoiceWidget(StandardUnit.choices, UNIT_ALIASES),
        required=True,
        aliases=("计发单位",),
        hint="、".join(StandardUnit.labels),
        example="每学年/每年",
    )
    yearly_cap = Column("yearly_cap", "年度上限(元)", AmountWidget(), aliases=("年度上限",), hint="不设上限请留空")
    start_date = Column("start_date", "开始日期", DateWidget(), required=True, example="2025-09-01")
    end_date = Column("end_date", "结束日期", DateWidget(), hint="长期救助可留空")
    notes = Column("notes", "备注", TextWidget(500), hint="内部备注,不公开")

    def row_key(self, plan: RowPlan):
        v = plan.values
        return (v["id_number"], v["project_code"], v["start_date"]), "同一受助人、同一项目、同一开始日期"

    def plan_rows(self, plans: list[RowPlan]) -> None:
        people = beneficiaries_with_id_numbers(p.values["id_number"] for p in plans)
        projects = in_chunks(Project.objects.all(), "code", (p.values["project_code"] for p in plans))
        on_record = enrolments_on_record(
            people=(b.pk for b in people.values()), projects=(p.pk for p in projects.values())
        )
        in_file: dict[tuple[int, int], list[tuple[int, Enrolment]]] = defaultdict(list)
        for plan in plans:
            enrolment = self._enrolment(plan, people, projects)
            if enrolment is None:
                continue
            key = (enrolment.beneficiary.pk, enrolment.project.pk)
            if not self._planned(plan, enrolment, on_record.get(key, []), in_file[key]):
                continue
            in_file[key].append((plan.line, enrolment))
            plan.extra["enrolment"] = enrolment
            plan.note = f"新登记:{_describe(enrolment)}"

    def _enrolment(self, plan: RowPlan, people: dict, projects: dict) -> Enrolment | None:
        v = plan.values
        person, project = people.get(v["id_number"]), projects.get(v["project_code"])
        if person is None:
            plan.fail("身份证号", "该身份证号未登记为受助人,请先导入受助人。")
        if project is None:
            plan.fail("项目编号", f"项目编号 {v['project_code']} 不存在。")
        if plan.action == Action.ERROR:
            return None
        return Enrolment(
            beneficiary=person,
            project=project,
            standard_amount=v["standard_amount"],
            standard_unit=v["standard_unit"],
            yearly_cap=v["yearly_cap"],
            start_date=v["start_date"],
            end_date=v["end_date"],
            notes=v["notes"] or "",
            created_by=self.user,
        )

    def _planned(self, plan: RowPlan, enrolment: Enrolment, on_record: list, earlier: list) -> bool:
        """Skip (already there), error, or new — True for new."""
        same = next((e for e in on_record if e.start_date == enrolment.start_date), None)
        if same is not None:
            same.beneficiary, same.project = enrolment.beneficiary, enrolment.project  # loaded already: no query
            plan.action, plan.target = Action.SKIP, same
            plan.note = f"已登记:{_describe(same)}" + ("" if _agrees(same, enrolment) else "(与本行不同,未修改)")
            return False
        for field, message in enrolment_errors(enrolment, others=on_record).items():
            plan.fail(FIELD_COLUMNS.get(field, ""), message)
        if plan.action == Action.ERROR:
            return False
        for line, other in earlier:
            if enrolments_overlap(enrolment, other):
                plan.fail("开始日期", f"与第 {line} 行(同一受助人、同一项目)的登记时间重叠。")
                return False
        return True

    def apply(self, plans: list[RowPlan]) -> None:
        enrolments_create_bulk(enrolments=[plan.extra["enrolment"] for plan in plans])
        for plan in plans:
            plan.target = plan.extra["enrolment"]
            plan.note = f"已登记:{_describe(plan.target)}"


def _agrees(one: Enrolment, other: Enrolment) -> bool:
    fields = ("standard_amount", "standard_unit", "yearly_cap", "end_date")
    return all(getattr(one, name) == getattr(other, name) for name in fields)


def _describe(enrolment: Enrolment) -> str:
    unit = StandardUnit(enrolment.standard_unit).label
    until = f"至 {enrolment.end_date}" if enrolment.end_date else "起"
    return (
        f"{enrolment.beneficiary.masked_name} → {enrolment.project.code},"
        f"{enrolment.standard_amount} 元({unit}),{enrolment.start_date} {until}"
    )
