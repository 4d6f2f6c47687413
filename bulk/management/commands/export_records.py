"""python manage.py export_records <kind> <path> [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--project CODE]

The admin's exports for automation and big files: the format follows the extension (.csv or .xlsx), the rows and
the formula neutralising are the same. Beneficiary data are always masked here, as in the admin's GET download: a
command has no user to hold the per-field reveal permissions (``projects.reveal_beneficiary_<field>``), no one to
name in the audit log and no reason to record, so there is no --reveal. Full values leave only through the admin's
导出完整信息 (a POST with a reason).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bulk.exports import EXPORTS, FORMATS, ExportFilters
from bulk.exports.writers import csv_write, xlsx_write
from projects.models import Project


def parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"日期 {value!r} 无效,请写成 YYYY-MM-DD。") from error


class Command(BaseCommand):
    help = "导出捐赠、拨付、受助人(脱敏)或账本为 CSV / XLSX(按文件扩展名)。"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(EXPORTS), help="导出内容")
        parser.add_argument("path", help="输出文件,扩展名 .csv 或 .xlsx")
        parser.add_argument("--from", dest="date_from", type=parse_day, help="开始日期(含)")
        parser.add_argument("--to", dest="date_to", type=parse_day, help="结束日期(含)")
        parser.add_argument("--project", default="", help="项目代码(捐赠、拨付、账本)")

    def handle(self, *args, kind, path, date_from, date_to, project, **options):
        export = EXPORTS[kind]
        target = Path(path)
        fmt = target.suffix.lower().lstrip(".")
        if fmt not in FORMATS:
            raise CommandError(f"无法识别文件格式 {target.suffix or '(无扩展名)'}:请用 .csv 或 .xlsx。")
        filters = self._filters(export, date_from, date_to, project)
        resource = export.resource()  # masked: see the module docstring
        queryset = resource.get_export_queryset(filters)
        if fmt == "csv":
            with target.open("w", encoding="utf-8", newline="") as out:
                rows = csv_write(resource, queryset, out)
        else:
            rows = xlsx_write(resource, queryset, str(target))
        self.stdout.write(self.style.SUCCESS(f"已导出{export.label} {rows} 行到 {target}。"))

    def _filters(self, export, date_from, date_to, project: str) -> ExportFilters:
        if date_from and date_to and date_from > date_to:
            raise CommandError("开始日期不能晚于结束日期。")
        project = project.strip()
        if project and not export.by_project:
            raise CommandError(f"{export.label}导出不按项目筛选,请去掉 --project。")
        if project and not Project.objects.filter(code=project).exists():
            raise CommandError(f"没有项目代码为 {project} 的项目。")
        return ExportFilters(date_from=date_from, date_to=date_to, project_code=project)
