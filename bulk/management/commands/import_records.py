"""python manage.py import_records <kind> <file> [--dry-run] [--user USERNAME]

The admin's import for big files and automation: the same reading limits (size, zip bombs, encodings), the same
checks and the same all-or-nothing rule — any row in error and nothing is written. ``--dry-run`` checks and
plans without writing. ``--user`` records who imported (and must hold the importer's permission, as in the
admin). On a terminal a progress bar shows each phase; otherwise (cron, a pipe) one line per finished phase.

Exit status: 0 imported (or a clean dry run); 1 the file was refused, a row is in error, or the import was
rolled back — the errors are printed (the first 50, then how many more).
"""

from __future__ import annotations

import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from bulk.engine import Action, ImportResult, import_run
from bulk.files import FileRefused, table_read
from bulk.importers import IMPORTERS, importer_for

ERRORS_SHOWN = 50
BAR_WIDTH = 30


class Command(BaseCommand):
    help = "从 XLSX / CSV 文件批量导入(与后台导入相同的校验;任何一行有错则全部不导入)。"

    def add_arguments(self, parser):
        parser.add_argument("kind", help=f"导入类型:{'、'.join(sorted(IMPORTERS))}")
        parser.add_argument("file", help="要导入的 .xlsx 或 .csv 文件")
        parser.add_argument("--dry-run", action="store_true", help="只校验并预览,不写入任何数据")
        parser.add_argument("--user", default="", metavar="USERNAME", help="记为导入人的后台用户名")

    def handle(self, *args, kind: str, file: str, dry_run: bool, user: str, **options):
        try:
            importer_class = importer_for(kind)
        except LookupError as error:
            raise CommandError(str(error)) from error
        account = self._user(user, importer_class)
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件 {path}。")
        progress = Progress(self.stdout)
        progress.line(f"读取 {path.name} …")
        try:
            table = table_read(path)
        except FileRefused as error:
            raise CommandError(f"文件被拒绝,未导入任何数据:{error}") from error
        progress.line(f"共 {len(table.rows)} 行数据。")
        result = import_run(importer_class(user=account), table, dry_run=dry_run, progress=progress)
        progress.finish()
        if options.get("verbosity", 1) >= 2:
            self._rows(result)
        self._report(result)

    def _user(self, username: str, importer_class):
        if not username:
            return None
        account = get_user_model().objects.filter(username=username).first()
        if account is None or not account.is_active:
            raise CommandError(f"用户 {username} 不存在或已停用。")
        if importer_class.permission and not account.has_perm(importer_class.permission):
            raise CommandError(f"用户 {username} 没有导入「{importer_class.title}」的权限。")
        return account

    def _rows(self, result: ImportResult) -> None:
        for row in result.rows:
            if row.action != Action.ERROR:
                self.stdout.write(f"第 {row.line} 行:{row.action.label} {row.note}".rstrip())

    def _report(self, result: ImportResult) -> None:
        self.stdout.write(f"{result.title}({result.file_name}):{result.summary()}")
        if result.has_errors:
            messages = result.error_messages()
            for message in messages[:ERRORS_SHOWN]:
                self.stderr.write(message)
            if len(messages) > ERRORS_SHOWN:
                self.stderr.write(f"……另有 {len(messages) - ERRORS_SHOWN} 条错误未显示(共 {len(messages)} 条)。")
            raise CommandError(f"有 {len(messages)} 处错误,未导入任何数据。请修改文件后重新导入。")
        if result.dry_run:
            self.stdout.write(self.style.SUCCESS("预览完成(--dry-run),没有写入任何数据。"))
        else:
            self.stdout.write(self.style.SUCCESS(f"导入完成:写入 {result.changes} 行。"))


class Progress:
    """The engine's ``progress(phase, done, total)`` callback: a redrawn bar on a terminal, else one plain line
    per finished phase (logs stay readable)."""

    def __init__(self, out, *, min_interval: float = 0.1):
        self.out = out
        self.tty = out.isatty()
        self.min_interval = min_interval
        self.open_bar = False
        self.drawn_at = 0.0
        self.last: tuple[str, int] | None = None

    def __call__(self, phase: str, done: int, total: int) -> None:
        finished = done >= total
        repeated, self.last = (phase, done) == self.last, (phase, done)
        if repeated:
            return
        if not self.tty:
            if finished:
                self.out.write(f"{phase}:{done}/{total}")
            return
        now = time.monotonic()
        if not finished and now - self.drawn_at < self.min_interval:
            return
        self.drawn_at = now
        share = done / total if total else 1.0
        filled = int(BAR_WIDTH * share)
        bar = "█" * filled + "░" * (BAR_WIDTH - filled)
        self.out.write(f"\r{phase} {bar} {share:>4.0%} {done}/{total}", ending="")
        self.open_bar = True
        if finished:
            self.finish()

    def line(self, text: str) -> None:
        self.finish()
        self.out.write(text)

    def finish(self) -> None:
        if self.open_bar:
            self.out.write("")
            self.open_bar = False
        self.out.flush()
