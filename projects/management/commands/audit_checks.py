"""民生监察 from cron: ``python manage.py audit_checks [--year 2026] [--format text|json]``.

Exit status, for cron and monitoring: 0 when no check finds anything, 1 when there are findings (the report is
on stdout either way), 2 when the arguments are wrong. For example, to mail the report only when it has something:

    15 6 * * 1  cd /srv/charity && python manage.py audit_checks --year $(date +\\%Y) > /tmp/audit.txt \\
                || mail -s 民生监察 audit@example.org < /tmp/audit.txt
"""

import json

from django.core.management.base import BaseCommand, CommandError

from projects.audit import CHECKS, audit_run


class Command(BaseCommand):
    help = "民生监察:运行全部监察规则并输出发现的问题。退出码 0 = 未发现问题,1 = 有发现,2 = 参数错误。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="只检查该年度的拨付(默认:全部年份)。")
        parser.add_argument("--format", choices=["text", "json"], default="text", help="输出格式(默认 text)。")

    def handle(self, *args, year=None, format="text", **options):
        if year is not None and not 2000 <= year <= 2100:
            raise CommandError(f"年份 {year} 无效。", returncode=2)
        findings = audit_run(year=year)
        if format == "json":
            report = {"year": year, "count": len(findings), "findings": [f.as_dict() for f in findings]}
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
        else:
            self._write_text(findings, year)
        if findings:
            raise SystemExit(1)  # not CommandError: the report is the output, not an error message

    def _write_text(self, findings, year):
        period = f"{year} 年" if year is not None else "全部年份"
        if not findings:
            self.stdout.write(f"民生监察({period}):未发现问题。")
            return
        self.stdout.write(f"民生监察({period}):发现 {len(findings)} 个问题。")
        for code, check in CHECKS.items():
            found = [f for f in findings if f.check == code]
            if found:
                label = found[0].severity_label
                self.stdout.write(f"\n【{check.title}】{label}风险,{len(found)} 项")
                for finding in found:
                    self.stdout.write(f"  - {finding.detail}")
