"""Blank templates (导入模板) for each importer, with the Chinese headers the importer reads.

- XLSX: the header row in bold (required columns shaded), one example row, widths that fit the Chinese text, the
  header frozen, and every column formatted as text so Excel keeps long numbers (银行流水号, 手机号, 身份证号)
  exactly as typed instead of turning them into 1.23E+17. A second sheet, 填写说明, lists each column: 表头,
  必填, 说明 and the other headers the importer also accepts.
- CSV: UTF-8 with the BOM Excel needs to open it as UTF-8, the header row and the example row.

The example row is only an example: ``example_lines`` finds it again in an upload so it is not imported by mistake.
"""

from __future__ import annotations

import csv
import io
import unicodedata

from .engine import Importer

INSTRUCTIONS_SHEET = "填写说明"
INSTRUCTION_HEADERS = ["表头", "必填", "说明", "也可用的表头"]
EXAMPLE_NOTE = "第 2 行是示例,请改成实际数据或删除后再导入。"


def template_xlsx(importer_cls: type[Importer]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    importer = importer_cls()
    columns = importer.columns()
    headers, example = importer.template_rows()
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = importer.title[:31] or "导入"
    sheet.append(headers)
    sheet.append(example)
    bold, shade = Font(bold=True), PatternFill("solid", fgColor="FFF2CC")
    for position, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=position)
        cell.font = bold
        if column.required:
            cell.fill = shade
        letter = get_column_letter(position)
        sheet.column_dimensions[letter].width = _width(column.column_name, column.example)
        sheet.column_dimensions[letter].number_format = "@"  # text: typed digits stay digits
        sheet.cell(row=2, column=position).number_format = "@"
    sheet.freeze_panes = "A2"

    notes = workbook.create_sheet(INSTRUCTIONS_SHEET)
    notes.append([f"{importer.title}导入模板"])
    notes["A1"].font = Font(bold=True, size=14)
    notes.append([importer.description])
    notes.append([EXAMPLE_NOTE + "必填列的表头以底色标出;表头请勿改动。"])
    notes.append([])
    notes.append(INSTRUCTION_HEADERS)
    for cell in notes[5]:
        cell.font = bold
    for column in columns:
        notes.append([column.column_name, "是" if column.required else "否", column.hint, "、".join(column.aliases)])
    for letter, width in zip("ABCD", (22, 8, 48, 30), strict=True):
        notes.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_csv(importer_cls: type[Importer]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(importer_cls().template_rows())
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def example_lines(importer: Importer, result) -> list[int]:
    """The lines of a previewed file that repeat the template's example row cell for cell (at least two example
    cells, compared as text): most likely an example nobody deleted."""
    examples = {c.column_name: str(c.example).strip() for c in importer.columns() if str(c.example).strip()}
    if len(examples) < 2:
        return []
    lines = []
    for row in result.rows:
        if all(_text(row.raw.get(header)) == value for header, value in examples.items()):
            lines.append(row.line)
    return lines


def _text(cell: object) -> str:
    return "" if cell is None else str(cell).strip()


def _width(*texts: object) -> float:
    """Excel column width for the widest text: a CJK character takes two units."""
    widest = max(sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(t or "")) for t in texts)
    return min(max(widest + 4, 10), 48)
