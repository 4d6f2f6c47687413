"""导入监察名单: ``python manage.py watchlist_import names.csv --label 工作人员亲属``.

The file (UTF-8, with or without BOM; GB18030 as Excel saves it also works) holds either one ID number per line,
or a CSV table with a column headed 身份证号 (other columns, such as names, are read past and never stored).
Every number must pass the checksum, else nothing is imported and the bad lines are listed by line number.
Only keyed hashes are stored; importing the same file again adds nothing.
"""

import csv
import io
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from projects.audit import watch_list_import

ID_COLUMN = "身份证号"


def read_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def id_numbers(text: str) -> list[tuple[int, str]]:
    """(line number, ID number) for every non-empty line; from the 身份证号 column when the first row has one."""
    reader = csv.reader(io.StringIO(text))
    header = [cell.strip() for cell in next(reader, [])]
    if ID_COLUMN not in header:  # one number per line: the whole line is the number (a stray comma is an error)
        lines = [(1, header), *((reader.line_num, row) for row in reader)]
        return [(line, value) for line, row in lines if (value := ",".join(row).strip())]
    column = header.index(ID_COLUMN)
    return [
        (reader.line_num, row[column].strip() if column < len(row) else "")
        for row in reader
        if any(cell.strip() for cell in row)
    ]


class Command(BaseCommand):
    help = "导入监察名单(只保存身份证号的密钥哈希):每行一个身份证号,或含「身份证号」列的 CSV。全部正确才导入。"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="身份证号文件(.csv 或 .txt)。")
        parser.add_argument("--label", required=True, help="名单类别,例如:工作人员亲属。")

    def handle(self, *args, file: Path, label: str, **options):
        try:
            text = read_text(file)
        except OSError as error:
            raise CommandError(f"无法读取文件 {file}:{error.strerror}") from None
        try:
            result = watch_list_import(id_numbers=id_numbers(text), label=label)
        except ValidationError as error:
            lines = "\n".join(f"  {message}" for message in error.messages)
            raise CommandError(f"未导入任何记录,请改正以下问题后重新导入:\n{lines}") from None
        self.stdout.write(f"监察名单「{label.strip()}」:新增 {result.added} 人,已在名单中 {result.already_listed} 人。")
