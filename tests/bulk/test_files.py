"""Reading a spreadsheet into a ``Table``: cell types, headers, line numbers, encodings and every limit. No
database (the end-to-end refusals, with "nothing written", are in test_bad_input.py)."""

from __future__ import annotations

import zipfile
from datetime import date, datetime, time
from decimal import Decimal

import pytest

from bulk.files import FileRefused, csv_decode, rows_iter, size_check, table_read


def refused(path, **kwargs) -> str:
    with pytest.raises(FileRefused) as error:
        table_read(path, **kwargs)
    return str(error.value)


# --- XLSX ---------------------------------------------------------------------------------------------------


def test_xlsx_cells_keep_their_types(write_xlsx):
    moment = datetime(2025, 1, 31, 14, 5)  # noqa: DTZ001 - Excel has no time zones
    path = write_xlsx(
        [
            ["文字", "整数", "小数", "Decimal", "日期", "日期时间", "时间", "布尔", "空", "长数字"],
            ["张三", 1, 100.1, Decimal("12.34"), date(2025, 1, 31), moment, time(8, 30), True, None, 6228480012345678],
        ]
    )
    table = table_read(path)
    assert table.headers == ["文字", "整数", "小数", "Decimal", "日期", "日期时间", "时间", "布尔", "空", "长数字"]
    ((line, cells),) = table.rows
    assert line == 2
    assert cells[:8] == ["张三", 1.0, 100.1, 12.34, date(2025, 1, 31), moment, time(8, 30), True]
    assert cells[8] in (None, "")
    assert cells[9] == 6228480012345678.0
    assert table.name == "data.xlsx"


def test_only_the_first_sheet_is_read(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["第一张"])
    workbook.active.append(["数据"])
    workbook.create_sheet("第二张").append(["不读"])
    workbook.save(tmp_path / "two.xlsx")
    table = table_read(tmp_path / "two.xlsx")
    assert table.headers == ["第一张"] and table.rows == [(2, ["数据"])]


def test_headers_are_compared_on_their_words(write_xlsx):
    path = write_xlsx([[" 金额(元)* ", "到账\n日期", "备 注", None, None], ["1", "2", "3", None, None]])
    assert table_read(path).headers == ["金额(元)", "到账日期", "备注"]


def test_blank_rows_are_dropped_but_line_numbers_kept(write_xlsx):
    path = write_xlsx([[None, None], ["甲", "乙"], [None, None], ["1", "2"], ["  ", None], ["3", None]])
    table = table_read(path)
    assert table.headers == ["甲", "乙"]  # the first non-blank row is the header
    assert [line for line, _cells in table.rows] == [4, 6]


def test_rows_as_dicts_pad_short_rows():
    from bulk.files import Table

    table = Table(headers=["a", "b", "c"], rows=[(2, ["1"]), (3, ["1", "2", "3"])])
    assert list(rows_iter(table)) == [(2, {"a": "1", "b": None, "c": None}), (3, {"a": "1", "b": "2", "c": "3"})]


def test_the_name_given_decides_the_type_not_the_saved_path(tmp_path, write_csv):
    """An upload is stored under a random name; the staff's file name says what it is."""
    stored = write_csv([["a"], ["1"]], "upload-123.bin")
    assert table_read(stored, name="流水.csv").rows == [(2, ["1"])]
    assert refused(stored, name="流水.pdf") == "不支持的文件类型「.pdf」:请上传 .xlsx 或 .csv 文件。"


def test_an_xlsx_saved_as_csv_is_still_read_as_a_workbook(write_xlsx, tmp_path):
    workbook = write_xlsx([["a"], [1]])
    renamed = tmp_path / "data.csv"
    renamed.write_bytes(workbook.read_bytes())
    assert table_read(renamed).rows == [(2, [1.0])]


def test_an_empty_workbook(write_xlsx):
    assert refused(write_xlsx([])) == "文件里没有表头,也没有数据。"


def test_the_ratio_limit(tmp_path, settings, write_xlsx):
    """A member that unpacks beyond IMPORT_MAX_RATIO × the packed size is refused, well under the byte limit."""
    path = write_xlsx([["a"], *([["同一个值"]] * 20_000)])
    packed = path.stat().st_size
    with zipfile.ZipFile(path) as archive:
        unpacked = sum(member.file_size for member in archive.infolist())
    ratio = unpacked / max(packed, 64 * 1024)
    settings.IMPORT_MAX_RATIO = int(ratio) + 1
    assert len(table_read(path).rows) == 20_000
    settings.IMPORT_MAX_RATIO = max(1, int(ratio) - 1)
    assert "疑似压缩炸弹" in refused(path)


def test_the_unpacked_limit(settings, write_xlsx):
    path = write_xlsx([["a"], *([["x"]] * 2000)])
    with zipfile.ZipFile(path) as archive:
        unpacked = sum(member.file_size for member in archive.infolist())
    settings.IMPORT_MAX_UNPACKED_BYTES = unpacked
    assert len(table_read(path).rows) == 2000
    settings.IMPORT_MAX_UNPACKED_BYTES = unpacked - 1
    assert refused(path).startswith("Excel 文件解压后超过 ")


def test_too_many_members(tmp_path):
    path = tmp_path / "many.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for i in range(10_001):
            archive.writestr(f"xl/{i}.xml", "")
    assert refused(path) == "Excel 文件结构异常(压缩包成员过多),已拒绝。"


def test_a_member_compressed_with_an_unknown_method(tmp_path, write_xlsx):
    path = write_xlsx([["a"], [1]])
    raw = bytearray(path.read_bytes())
    offset = raw.find(b"PK\x01\x02")
    raw[offset + 10 : offset + 12] = (99).to_bytes(2, "little")  # 99: WinZip AES, which zipfile cannot read
    path.write_bytes(bytes(raw))
    message = refused(path)
    assert message.startswith(("Excel 文件已损坏,无法解压:", "Excel 文件有密码保护"))


# --- size ---------------------------------------------------------------------------------------------------


def test_the_size_limit_is_inclusive(settings, tmp_path):
    settings.IMPORT_MAX_UPLOAD_BYTES = 10
    path = tmp_path / "data.csv"
    path.write_bytes(b"a,b\n1,223\n")  # exactly 10 bytes
    assert table_read(path).rows == [(2, ["1", "223"])]
    path.write_bytes(b"a,b\n1,2234\n")
    assert refused(path).startswith("文件太大(")
    with pytest.raises(FileRefused, match="文件太大"):
        size_check(11)


def test_the_row_limit(settings, write_csv):
    settings.IMPORT_MAX_ROWS = 3
    assert len(table_read(write_csv([["a"], ["1"], ["2"], ["3"], [""], [""]])).rows) == 3
    assert refused(write_csv([["a"], ["1"], ["2"], ["3"], ["4"]])) == "文件有 4 行数据,超过上限 3 行。请拆分后导入。"


# --- CSV ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings(write_csv, encoding):
    path = write_csv([["项目编号", "付款人"], ["XT100", "张三"]], encoding=encoding)
    table = table_read(path)
    assert table.headers == ["项目编号", "付款人"]  # no BOM glued to the first header
    assert table.rows == [(2, ["XT100", "张三"])]


def test_gb18030_four_byte_characters(write_csv):
    path = write_csv([["付款人"], ["𠀀"], ["㐀"], ["𪚥"]], encoding="gb18030")
    assert [cells for _line, cells in table_read(path).rows] == [["𠀀"], ["㐀"], ["𪚥"]]


def test_gbk_cannot_hold_what_gb18030_can():
    with pytest.raises(UnicodeEncodeError):
        "𠀀".encode("gbk")  # the reason a GB18030 file, not a GBK one, carries rare names


def test_csv_cells_are_text_and_quoted_newlines_stay_in_the_cell(write_csv):
    path = write_csv([["附言", "金额"], ["第一行\n第二行", "1,000.00"], ['=HYPERLINK("x")', "+1"]])
    table = table_read(path)
    assert table.rows == [(2, ["第一行\n第二行", "1,000.00"]), (3, ['=HYPERLINK("x")', "+1"])]


def test_crlf_and_lone_cr_line_endings(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(b"a,b\r\n1,2\r\n3,4")
    assert table_read(path).rows == [(2, ["1", "2"]), (3, ["3", "4"])]
    path.write_bytes(b"a,b\r1,2\r")
    assert table_read(path).rows == [(2, ["1", "2"])]


def test_decoding_rules():
    assert csv_decode("张三".encode()) == "张三"
    assert csv_decode(b"\xef\xbb\xbf" + "张三".encode()) == "张三"
    assert csv_decode("张三".encode("gbk")) == "张三"
    with pytest.raises(FileRefused, match=r"第 1 行是 UTF-8,第 2 行是 GBK/GB18030"):
        csv_decode("甲\n".encode() + "乙\n".encode("gbk"))
    with pytest.raises(FileRefused, match=r"第 3 行是 UTF-8,第 2 行是 GBK/GB18030"):
        csv_decode(b"a\n" + "乙\n".encode("gbk") + "甲\n".encode())
    with pytest.raises(FileRefused, match=r"文件以 UTF-8 开头,但第 2 行不是 UTF-8"):
        csv_decode(b"\xef\xbb\xbfa\n" + "乙".encode("gbk"))
    with pytest.raises(FileRefused, match=r"第 2 行既不是 UTF-8 也不是 GBK/GB18030"):
        csv_decode(b"a\n\xff\xfe\xfd\n")


def test_csv_with_nul_bytes_is_not_text(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(b"a,b\n1,\x002\n")
    assert refused(path).startswith("CSV 文件含有空字符")
