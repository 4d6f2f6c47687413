"""Reading an uploaded spreadsheet safely: size first, then what the bytes are, then the cells.

Rules:
- A file above ``IMPORT_MAX_UPLOAD_BYTES`` is refused before a byte of it is parsed.
- An .xlsx is a zip: every member is unpacked once, in bounded chunks, before the spreadsheet reader sees it, so
  a zip bomb (or a lying size header) stops at ``IMPORT_MAX_UNPACKED_BYTES`` or at ``IMPORT_MAX_RATIO`` times
  the packed size, whichever comes first.
- A CSV is UTF-8 (with or without the BOM Excel writes) or GB18030 (the superset of GBK that Chinese Excel
  saves); a file whose lines disagree — some UTF-8, some GBK — is refused rather than half-garbled.
- Cells arrive as Python values: str, int/float (Excel stores numbers as binary floats; amounts are turned into
  Decimal from their shortest repr), date/datetime, or None. Nothing here knows what a column means.

Every refusal is a ``FileRefused`` with a Chinese message for staff.
"""

from __future__ import annotations

import csv
import io
import lzma
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

CSV_SUFFIXES = {".csv", ".txt"}
XLSX_SUFFIXES = {".xlsx"}
ZIP_MAGIC = b"PK\x03\x04"
CHUNK = 1024 * 1024


class FileRefused(ValueError):
    """The file as a whole cannot be read; the message is for staff, in Chinese."""


@dataclass
class Table:
    """The sheet as read: the header row and the data rows, each with its line number in the file (the header is
    line 1, so the first data row is line 2 — what staff see in Excel)."""

    headers: list[str]
    rows: list[tuple[int, list[object]]]
    name: str = ""


def table_read(path: Path | str, *, name: str = "") -> Table:
    """Read a CSV or XLSX file from disk (an upload already saved, or a command's argument)."""
    path = Path(path)
    name = name or path.name
    size = path.stat().st_size
    size_check(size)
    if size == 0:
        raise FileRefused("文件是空的。")
    suffix = Path(name).suffix.lower()
    with path.open("rb") as handle:
        head = handle.read(4)
    if suffix in XLSX_SUFFIXES or head == ZIP_MAGIC:
        if head != ZIP_MAGIC:
            raise FileRefused("文件扩展名是 .xlsx,但内容不是 Excel 工作簿(可能已损坏,或是改了扩展名的其他文件)。")
        grid = _xlsx_cells(path)
    elif suffix in CSV_SUFFIXES:
        grid = _csv_cells(path.read_bytes())
    else:
        raise FileRefused(f"不支持的文件类型「{suffix or name}」:请上传 .xlsx 或 .csv 文件。")
    return _table(grid, name)


def size_check(size: int) -> None:
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if size > limit:
        raise FileRefused(f"文件太大({_mb(size)}),上限是 {_mb(limit)}。请拆分后分批导入,或用命令行 import_records。")


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def _table(grid: list[list[object]], name: str) -> Table:
    rows = iter(enumerate(grid, start=1))
    for _line, header in rows:
        if any(_present(cell) for cell in header):
            break
    else:
        raise FileRefused("文件里没有表头,也没有数据。")
    headers = [_header(cell) for cell in header]
    while headers and not headers[-1]:
        headers.pop()
    data = [(line, cells) for line, cells in rows if any(_present(cell) for cell in cells)]
    if len(data) > settings.IMPORT_MAX_ROWS:
        raise FileRefused(f"文件有 {len(data)} 行数据,超过上限 {settings.IMPORT_MAX_ROWS} 行。请拆分后导入。")
    return Table(headers=headers, rows=data, name=name)


def _present(cell: object) -> bool:
    return cell is not None and (not isinstance(cell, str) or cell.strip() != "")


def _header(cell: object) -> str:
    # Excel users add notes like "金额(元)*" or line breaks inside a header cell: compare on the words alone.
    text = "" if cell is None else str(cell)
    return "".join(text.split()).rstrip("*")


# --- XLSX ---------------------------------------------------------------------------------------------------


def _xlsx_cells(path: Path) -> list[list[object]]:
    _check_archive(path)
    from python_calamine import CalamineError, CalamineWorkbook  # a Rust reader: ~18× openpyxl (BENCHMARKS.md)

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        if not workbook.sheet_names:
            raise FileRefused("工作簿里没有工作表。")
        sheet = workbook.get_sheet_by_index(0)
        return sheet.to_python(skip_empty_area=False)
    except FileRefused:
        raise
    except (CalamineError, ValueError, OSError, zipfile.BadZipFile) as error:
        raise FileRefused(f"无法读取 Excel 文件:{_short(error)}。请用 Excel 或 WPS 另存为 .xlsx 后重试。") from error
    except Exception as error:  # noqa: BLE001 - calamine raises its own types for every kind of damage
        if type(error).__module__.startswith("python_calamine"):
            raise FileRefused(f"无法读取 Excel 文件:{_short(error)}。请另存为 .xlsx 后重试。") from error
        raise


def _check_archive(path: Path) -> None:
    """Unpack every member in bounded chunks (the declared sizes may lie) and stop at the limits."""
    packed = path.stat().st_size
    limit = min(settings.IMPORT_MAX_UNPACKED_BYTES, max(packed, 64 * 1024) * settings.IMPORT_MAX_RATIO)
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > 10_000:
                raise FileRefused("Excel 文件结构异常(压缩包成员过多),已拒绝。")
            names = {member.filename for member in members}
            if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
                raise FileRefused("文件是压缩包,但不是 Excel 工作簿(.xlsx)。")
            total = 0
            for member in members:
                if member.file_size > limit:
                    raise FileRefused(_bomb(limit))
                with archive.open(member) as stream:
                    while chunk := stream.read(CHUNK):
                        total += len(chunk)
                        if total > limit:
                            raise FileRefused(_bomb(limit))
    except FileRefused:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        NotImplementedError,
        EOFError,
        OSError,
        ValueError,
        zlib.error,  # a member whose deflate stream is garbage
        lzma.LZMAError,
    ) as error:
        raise FileRefused(f"Excel 文件已损坏,无法解压:{_short(error)}。") from error
    except RuntimeError as error:  # an encrypted member
        raise FileRefused("Excel 文件有密码保护,请取消密码后再导入。") from error


def _bomb(limit: int) -> str:
    return f"Excel 文件解压后超过 {_mb(limit)}(疑似压缩炸弹或异常文件),已拒绝,未导入任何数据。"


def _short(error: Exception) -> str:
    return str(error).splitlines()[0][:120] if str(error) else type(error).__name__


# --- CSV ----------------------------------------------------------------------------------------------------


def _csv_cells(data: bytes) -> list[list[object]]:
    text = csv_decode(data)
    if "\x00" in text:
        raise FileRefused("CSV 文件含有空字符(\\0),不是文本文件。请上传 Excel 另存的 CSV 或 .xlsx。")
    try:
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""), strict=True)]
    except csv.Error as error:
        raise FileRefused(f"CSV 格式错误:{error}。") from error


def csv_decode(data: bytes) -> str:
    """UTF-8 (BOM optional) or GB18030; a file mixing the two is refused, naming the first line of each."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise FileRefused(_mixed(data, error.start)) from error
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        utf8_error = error
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as error:
        # UTF-8 lines mostly fail to decode as GB18030 too: look for a mixture before calling it unreadable.
        _refuse_mixed(data, utf8_error)
        raise FileRefused(
            f"无法识别文件编码(第 {_line_at(data, error.start)} 行既不是 UTF-8 也不是 GBK/GB18030)。"
            "请用 Excel 另存为「CSV UTF-8」或 .xlsx。"
        ) from error
    _refuse_mixed(data, utf8_error)
    return text


def _refuse_mixed(data: bytes, utf8_error: UnicodeDecodeError) -> None:
    """A line of non-ASCII text that is valid UTF-8 in a file that is not shows the file mixes encodings (GBK
    text is practically never valid UTF-8) — provided the line UTF-8 chokes on reads as GB18030 (otherwise the file
    is simply unreadable, and the caller says so)."""
    bad_line = _line_at(data, utf8_error.start)
    lines = data.split(b"\n")
    try:
        lines[bad_line - 1].decode("gb18030")
    except UnicodeDecodeError:
        return
    for number, line in enumerate(lines, start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            continue
        raise FileRefused(_mixed(data, utf8_error.start, utf8_line=number))


def _mixed(data: bytes, bad_at: int, *, utf8_line: int | None = None) -> str:
    gbk_line = _line_at(data, bad_at)
    if utf8_line is None:
        return f"文件以 UTF-8 开头,但第 {gbk_line} 行不是 UTF-8(可能混入了 GBK 编码的内容)。请统一编码后重新导入。"
    return (
        f"文件混用了两种编码:第 {utf8_line} 行是 UTF-8,第 {gbk_line} 行是 GBK/GB18030。请统一编码"
        "(建议用 Excel 另存为 .xlsx)后重新导入。"
    )


def _line_at(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def rows_iter(table: Table) -> Iterator[tuple[int, dict[str, object]]]:
    """Each data row as {header: cell}, missing trailing cells as None."""
    headers = table.headers
    width = len(headers)
    for line, cells in table.rows:
        if len(cells) < width:
            cells = [*cells, *([None] * (width - len(cells)))]
        yield line, dict(zip(headers, cells, strict=False))
