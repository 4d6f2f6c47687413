"""Bad input, end to end (file → table_read → import_run, real run): every case gets a clear Chinese message, and
nothing is written — not a gift, not a ledger transaction, not a donor, not a receipt counter."""

from __future__ import annotations

import random
import struct
import tracemalloc
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pytest
from django.utils import timezone

from bulk.engine import import_run
from bulk.files import FileRefused, table_read
from bulk.importers.gifts import GiftImporter
from donations.models import Donation
from ledger.models import Transaction
from tests.bulk.conftest import GIFT_HEADERS, gift_row, gift_sheet

pytestmark = pytest.mark.django_db
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def _setup(project, closed_project):
    """XT100 (active) and OLD01 (已结项) exist in every test."""


@pytest.fixture
def refused_nothing_written(db_counts, assert_unchanged, run_import):
    """Run a real import of ``path`` and return its error messages, after checking the import failed and wrote
    nothing (every donations/ledger/projects table has the rows it had before)."""

    def check(path: Path, *, name: str = "") -> list[str]:
        before = db_counts()
        try:
            result = run_import("gifts", path, name=name)
        except FileRefused as error:
            assert_unchanged(before)
            return [str(error)]
        assert result.has_errors and not result.imported
        assert_unchanged(before)
        assert not Donation.objects.exists() and not Transaction.objects.exists()
        return result.error_messages()

    return check


def one_error(messages: list[str]) -> str:
    assert len(messages) == 1, messages
    return messages[0]


# --- headers ------------------------------------------------------------------------------------------------


def test_wrong_headers_are_named_with_the_template_headers(write_csv, refused_nothing_written):
    path = write_csv([["项目", "方式", "金额(元)", "到账日期"], ["XT100", "现金", "100", "2025-03-01"]])
    messages = refused_nothing_written(path)
    assert "无法识别的表头:「项目」、「方式」。本模板的表头是:项目编号、捐赠方式、金额(元)" in messages[0]
    assert "缺少必填列:捐赠方式。" in messages


def test_a_missing_required_header(write_csv, refused_nothing_written):
    headers = [h for h in GIFT_HEADERS if h != "到账日期"]
    row = [cell for header, cell in zip(GIFT_HEADERS, gift_row(), strict=True) if header != "到账日期"]
    assert one_error(refused_nothing_written(write_csv([headers, row]))) == "缺少必填列:到账日期。"


def test_a_duplicate_header_names_both_columns(write_csv, refused_nothing_written):
    path = write_csv([[*GIFT_HEADERS, "金额"], [*gift_row(), "100"]])  # 金额 is an alias of 金额(元)
    assert one_error(refused_nothing_written(path)) == "表头「金额(元)」出现了两次(第 C 列和第 P 列)。"


def test_a_header_without_a_name_in_the_middle(write_csv, refused_nothing_written):
    headers = [*GIFT_HEADERS[:3], "", *GIFT_HEADERS[3:]]
    row = [*gift_row()[:3], "x", *gift_row()[3:]]
    assert one_error(refused_nothing_written(write_csv([headers, row]))) == "第 D 列没有表头。"


# --- cells --------------------------------------------------------------------------------------------------

CELL_CASES = [
    ("金额(元)", "一百元", "「一百元」不是数字。"),
    ("金额(元)", "abc", "「abc」不是数字。"),
    ("金额(元)", "-100", "必须大于 0。"),
    ("金额(元)", "0", "必须大于 0。"),
    ("金额(元)", "0.00", "必须大于 0。"),
    ("金额(元)", "100.123", "最多 2 位小数,且不超过 15 位整数。"),
    ("金额(元)", "NaN", "「NaN」不是数字。"),
    ("金额(元)", "1e999", "最多 2 位小数,且不超过 15 位整数。"),
    ("金额(元)", "1e-999", "最多 2 位小数,且不超过 15 位整数。"),
    ("金额(元)", "Infinity", "「Infinity」不是数字。"),
    ("金额(元)", "1" * 16, "最多 2 位小数,且不超过 15 位整数。"),
    ("金额(元)", "", "必填,不能为空。"),
    ("到账日期", "2025-02-30", "「2025-02-30」不是有效日期。"),
    ("到账日期", "2025-13-01", "「2025-13-01」不是有效日期。"),
    ("到账日期", "2025/13/1", "「2025/13/1」不是有效日期。"),
    ("到账日期", "昨天", "「昨天」不是日期,请写成 2025-01-31。"),
    ("到账日期", "2025-03-01 25:00", "「2025-03-01 25:00」的时间无效。"),
    ("到账日期", "2025-03-01 下午", "「2025-03-01 下午」的时间部分无法识别,请写成 2025-01-31 14:05。"),
    ("捐赠方式", "支付宝", "「支付宝」不是可选值,应为:银行转账、现金、物资捐赠。"),
    ("项目编号", "XT 100", "「XT 100」含有不允许的字符(只能是字母、数字和 - _ / .)。"),
    ("手机号", "12345", "请输入 11 位手机号码。"),
    ("付款人", "张" * 101, "太长(最多 100 个字符)。"),
]


@pytest.mark.parametrize(("header", "value", "message"), CELL_CASES, ids=[f"{h}={v[:12]}" for h, v, _m in CELL_CASES])
def test_a_bad_cell_names_its_line_and_column(write_csv, refused_nothing_written, header, value, message):
    good = gift_row(**{"银行流水号": "BK-GOOD"})
    path = write_csv(gift_sheet(good, gift_row(**{header: value})))
    assert one_error(refused_nothing_written(path)) == f"第 3 行「{header}」:{message}"


def test_wrong_types_in_an_excel_file(write_xlsx, refused_nothing_written):
    """Excel cells carry types: a date where text belongs and text where an amount belongs are both refused."""
    rows = [
        gift_row(**{"金额(元)": "一百", "银行流水号": "BK1"}),
        gift_row(**{"付款人": datetime(2025, 3, 1, 10, 0), "银行流水号": "BK2"}),  # noqa: DTZ001 - Excel's are naive
        gift_row(**{"银行流水号": date(2025, 3, 1)}),
        gift_row(**{"金额(元)": datetime(2025, 3, 1), "银行流水号": "BK4"}),  # noqa: DTZ001
        gift_row(**{"到账日期": 3.5, "银行流水号": "BK5"}),
        gift_row(**{"金额(元)": True, "银行流水号": "BK6"}),
    ]
    messages = refused_nothing_written(write_xlsx(gift_sheet(*rows)))
    assert messages[:4] == [
        "第 2 行「金额(元)」:「一百」不是数字。",
        "第 3 行「付款人」:应为文字,不是日期。",
        "第 4 行「银行流水号」:应为文字,不是日期。",
        "第 5 行「金额(元)」:应为数字。",
    ]
    assert messages[4] == "第 6 行「到账日期」:「3.5」不是日期,请写成 2025-01-31。"
    assert messages[5].startswith("第 7 行「金额(元)」:")


def test_an_in_kind_quantity_beyond_the_column_is_refused(write_xlsx, refused_nothing_written):
    row = gift_row(
        **{
            "捐赠方式": "物资捐赠",
            "银行流水号": "",
            "物资名称": "大米",
            "数量": "1" * 13,
            "单位": "袋",
            "估值依据": "发票",
        }
    )
    message = one_error(refused_nothing_written(write_xlsx(gift_sheet(row))))
    assert message == "第 2 行「数量」:最多 2 位小数,且不超过 12 位整数。"


# --- rows against the rules and the database -------------------------------------------------------------


def test_an_unknown_project_code(write_csv, refused_nothing_written):
    path = write_csv(gift_sheet(gift_row(**{"项目编号": "NOPE9"})))
    assert one_error(refused_nothing_written(path)) == "第 2 行「项目编号」:项目编号 NOPE9 不存在。"


def test_a_closed_project(write_csv, refused_nothing_written):
    path = write_csv(gift_sheet(gift_row(**{"项目编号": "OLD01"})))
    assert one_error(refused_nothing_written(path)) == "第 2 行「项目编号」:项目 OLD01 已结项,不能再登记捐赠。"


def test_a_bank_transfer_without_its_reference(write_csv, refused_nothing_written):
    path = write_csv(gift_sheet(gift_row(**{"银行流水号": ""})))
    assert one_error(refused_nothing_written(path)) == "第 2 行「银行流水号」:银行转账必须填写银行流水号。"


def test_an_in_kind_gift_without_valuation(write_csv, refused_nothing_written):
    row = gift_row(**{"捐赠方式": "物资捐赠", "银行流水号": "", "物资名称": "大米", "数量": "100", "单位": "袋"})
    message = one_error(refused_nothing_written(write_csv(gift_sheet(row))))
    assert message == "第 2 行「估值依据」:请选择估值依据(发票、报关单、捐赠协议或市场价格)。"


def test_an_in_kind_gift_without_items_quantity_or_unit(write_csv, refused_nothing_written):
    row = gift_row(**{"捐赠方式": "物资", "银行流水号": "", "估值依据": "市场价格"})
    assert refused_nothing_written(write_csv(gift_sheet(row))) == [
        "第 2 行「物资名称」:物资捐赠必须填写物资名称。",
        "第 2 行「数量」:物资数量必须大于 0。",
        "第 2 行「单位」:请填写物资单位(如 袋、箱、台)。",
    ]


def test_the_same_bank_reference_twice_in_one_file(write_csv, refused_nothing_written):
    rows = [gift_row(**{"银行流水号": "BK7"}), gift_row(**{"银行流水号": "BK8"}), gift_row(**{"银行流水号": "BK7"})]
    message = one_error(refused_nothing_written(write_csv(gift_sheet(*rows))))
    assert message == "第 4 行:与第 2 行重复:银行流水号 BK7 相同"


def test_two_identical_cash_rows(write_csv, refused_nothing_written):
    cash = gift_row(**{"捐赠方式": "现金", "银行流水号": ""})
    message = one_error(refused_nothing_written(write_csv(gift_sheet(cash, cash))))
    assert message == "第 3 行:与第 2 行重复:两行内容完全相同;如确为两笔捐赠,请填写不同的凭证号"


def test_the_same_cash_voucher_twice(write_csv, refused_nothing_written):
    rows = [
        gift_row(**{"捐赠方式": "现金", "银行流水号": "", "凭证号": "XJ-1", "金额(元)": amount}) for amount in (1, 2)
    ]
    message = one_error(refused_nothing_written(write_csv(gift_sheet(*rows))))
    assert message == "第 3 行:与第 2 行重复:凭证号 XJ-1 相同"


def test_a_date_in_the_future(write_csv, refused_nothing_written):
    tomorrow = timezone.localdate() + timedelta(days=1)
    path = write_csv(gift_sheet(gift_row(**{"到账日期": tomorrow.isoformat()})))
    assert one_error(refused_nothing_written(path)) == "第 2 行「到账日期」:到账时间不能晚于现在。"


def test_todays_statement_imports_in_the_morning(write_csv, run_import):
    """A date alone means noon; a statement of today imported at 09:00 is not "in the future"."""
    morning = timezone.make_aware(datetime.combine(timezone.localdate(), datetime.min.time())) + timedelta(hours=9)
    path = write_csv(gift_sheet(gift_row(**{"到账日期": morning.date().isoformat()})))
    with mock.patch("django.utils.timezone.now", return_value=morning):
        result = run_import("gifts", path)
    assert result.imported, result.error_messages()
    gift = Donation.objects.get()
    assert timezone.localtime(gift.received_at).date() == morning.date()
    assert gift.received_at <= morning


def test_a_credit_code_without_the_payer_name(write_csv, refused_nothing_written):
    row = gift_row(**{"统一社会信用代码": "91350100M000100Y43", "付款人": ""})
    message = one_error(refused_nothing_written(write_csv(gift_sheet(row))))
    assert message == "第 2 行「付款人」:填写了统一社会信用代码,请同时填写单位名称(付款人)。"


def test_one_bad_row_among_many_good_writes_nothing(write_csv, refused_nothing_written):
    rows = [gift_row(**{"银行流水号": f"BK{i:04d}"}) for i in range(99)]
    rows.insert(57, gift_row(**{"银行流水号": "BK-X", "到账日期": "2025-02-29"}))
    message = one_error(refused_nothing_written(write_csv(gift_sheet(*rows))))
    assert message == "第 59 行「到账日期」:「2025-02-29」不是有效日期。"


def test_data_beyond_the_header_columns(write_csv, refused_nothing_written):
    path = write_csv([GIFT_HEADERS, [*gift_row(), "", "多出来的"]])
    message = one_error(refused_nothing_written(path))
    assert message == "第 2 行:表头之外的第 P 列及以后还有数据,请删除或补上表头。"


# --- whole files --------------------------------------------------------------------------------------------


def test_an_empty_file(tmp_path, refused_nothing_written):
    path = tmp_path / "gifts.csv"
    path.write_bytes(b"")
    assert refused_nothing_written(path) == ["文件是空的。"]


def test_a_file_of_blank_lines(tmp_path, refused_nothing_written):
    path = tmp_path / "gifts.csv"
    path.write_bytes(b",,\n  , ,\n\n")
    assert refused_nothing_written(path) == ["文件里没有表头,也没有数据。"]


@pytest.mark.parametrize("writer", ["write_csv", "write_xlsx"])
def test_a_header_only_file(request, writer, refused_nothing_written):
    path = request.getfixturevalue(writer)([GIFT_HEADERS], f"gifts.{writer[6:]}")
    assert refused_nothing_written(path) == ["文件里只有表头,没有数据行。"]


def test_an_unsupported_file_type(tmp_path, refused_nothing_written):
    path = tmp_path / "gifts.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)  # the old binary .xls
    assert refused_nothing_written(path) == ["不支持的文件类型「.xls」:请上传 .xlsx 或 .csv 文件。"]


@pytest.fixture
def garbage_50mb(tmp_path) -> Iterator[dict[str, Path]]:
    paths = {}
    noise = random.Random(2026)  # noqa: S311 — seeded test data: os.urandom once made a line of UTF-8 and one of GBK
    for suffix in ("xlsx", "csv"):
        path = tmp_path / f"garbage.{suffix}"
        with path.open("wb") as handle:
            for _ in range(50):
                handle.write(noise.randbytes(MB))
        paths[suffix] = path
    yield paths
    for path in paths.values():
        path.unlink()


def test_a_50mb_garbage_file_is_refused_by_size_before_parsing(garbage_50mb, refused_nothing_written):
    for path in garbage_50mb.values():
        with mock.patch("bulk.files._xlsx_cells") as xlsx, mock.patch("bulk.files._csv_cells") as csv_cells:
            messages = refused_nothing_written(path)
        assert messages == ["文件太大(50.0 MB),上限是 20.0 MB。请拆分后分批导入,或用命令行 import_records。"]
        assert not xlsx.called and not csv_cells.called


def test_a_50mb_garbage_file_under_a_raised_limit_is_still_refused(garbage_50mb, settings, refused_nothing_written):
    settings.IMPORT_MAX_UPLOAD_BYTES = 64 * MB
    xlsx = one_error(refused_nothing_written(garbage_50mb["xlsx"]))
    assert xlsx == "文件扩展名是 .xlsx,但内容不是 Excel 工作簿(可能已损坏,或是改了扩展名的其他文件)。"
    csv_message = one_error(refused_nothing_written(garbage_50mb["csv"]))
    assert csv_message.startswith("无法识别文件编码(第 ") and "既不是 UTF-8 也不是 GBK/GB18030" in csv_message


# --- zips ---------------------------------------------------------------------------------------------------

SHEET_OPEN = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_CLOSE = b"</sheetData></worksheet>"


def sheet_stream(size: int) -> Iterator[bytes]:
    """A sheet's XML of about ``size`` bytes, one chunk at a time (never all in memory): the same row again and
    again, which deflate packs about 1000:1."""
    yield SHEET_OPEN
    row = b'<row><c t="inlineStr"><is><t>0</t></is></c></row>' * 20_000
    written = 0
    while written < size:
        yield row
        written += len(row)
    yield SHEET_CLOSE


def xlsx_with(path: Path, skeleton: Path, members: dict[str, Iterator[bytes]]) -> Path:
    """A copy of the workbook ``skeleton`` with members replaced (or added), each written from a generator."""
    with zipfile.ZipFile(skeleton) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename not in members:
                target.writestr(info.filename, source.read(info.filename))
        for name, chunks in members.items():
            with target.open(name, "w", force_zip64=True) as stream:
                for chunk in chunks:
                    stream.write(chunk)
    return path


@pytest.fixture
def skeleton(write_xlsx) -> Path:
    return write_xlsx(gift_sheet(gift_row()), "skeleton.xlsx")


class ReadCounter:
    """Counts the bytes zipfile hands out while unpacking (how far the archive check got before it stopped)."""

    def __init__(self):
        self.total = 0
        self._read = zipfile.ZipExtFile.read

    def __enter__(self):
        counter = self

        def read(stream, n=-1):
            data = counter._read(stream, n)
            counter.total += len(data)
            return data

        self._patch = mock.patch.object(zipfile.ZipExtFile, "read", read)
        self._patch.start()
        return self

    def __exit__(self, *exc):
        self._patch.stop()


def test_a_zip_bomb_named_xlsx_is_refused_without_unpacking_it(tmp_path, skeleton, refused_nothing_written):
    bomb = xlsx_with(tmp_path / "gifts.xlsx", skeleton, {"xl/worksheets/sheet1.xml": sheet_stream(320 * MB)})
    assert bomb.stat().st_size < 2 * MB
    tracemalloc.start()
    try:
        with ReadCounter() as unpacked:
            message = one_error(refused_nothing_written(bomb))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert message.startswith("Excel 文件解压后超过 ") and "疑似压缩炸弹" in message and "未导入任何数据" in message
    assert unpacked.total < 2 * MB  # refused on the declared size, before the sheet is inflated
    assert peak < 32 * MB


def test_a_bomb_spread_over_many_members_stops_at_the_limit(tmp_path, skeleton, settings, refused_nothing_written):
    """Each member is under the limit on its own; the total is not, and the check stops soon after it."""
    members = {f"xl/media/image{i}.xml": sheet_stream(20 * MB) for i in range(12)}
    bomb = xlsx_with(tmp_path / "gifts.xlsx", skeleton, members)
    packed = bomb.stat().st_size
    limit = min(settings.IMPORT_MAX_UNPACKED_BYTES, packed * settings.IMPORT_MAX_RATIO)
    assert 20 * MB < limit < 12 * 20 * MB
    with ReadCounter() as unpacked:
        message = one_error(refused_nothing_written(bomb))
    assert "疑似压缩炸弹" in message
    assert limit < unpacked.total <= limit + 2 * MB


def test_a_member_lying_about_its_size(tmp_path, skeleton, refused_nothing_written):
    """The central directory says 1 KB, the stream holds 30 MB: unpacking stops at the declared size and the CRC
    gives the lie away."""
    path = xlsx_with(tmp_path / "gifts.xlsx", skeleton, {"xl/worksheets/sheet1.xml": sheet_stream(30 * MB)})
    _declare_size(path, "xl/worksheets/sheet1.xml", 1024)
    with ReadCounter() as unpacked:
        message = one_error(refused_nothing_written(path))
    assert message.startswith("Excel 文件已损坏,无法解压:")
    assert unpacked.total <= 2 * MB


def test_a_zip_that_is_not_a_workbook(tmp_path, refused_nothing_written):
    path = tmp_path / "gifts.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "银行流水")
        archive.writestr("statement.csv", "a,b\n1,2\n")
    assert refused_nothing_written(path) == ["文件是压缩包,但不是 Excel 工作簿(.xlsx)。"]


def test_a_zip_dressed_as_a_workbook_without_one(tmp_path, refused_nothing_written):
    path = tmp_path / "gifts.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "not xml at all")
    message = one_error(refused_nothing_written(path))
    assert message.startswith("无法读取 Excel 文件:")


@pytest.mark.parametrize("keep", [0.05, 0.5, 0.9, 0.99])
def test_a_truncated_xlsx(tmp_path, skeleton, keep, refused_nothing_written):
    data = skeleton.read_bytes()
    path = tmp_path / "gifts.xlsx"
    path.write_bytes(data[: int(len(data) * keep)])
    message = one_error(refused_nothing_written(path))
    assert message.startswith(("Excel 文件已损坏,无法解压:", "文件扩展名是 .xlsx,但内容不是 Excel 工作簿"))


def test_an_encrypted_member(tmp_path, skeleton, refused_nothing_written):
    path = tmp_path / "gifts.xlsx"
    path.write_bytes(_flag_encrypted(skeleton.read_bytes()))
    assert refused_nothing_written(path) == ["Excel 文件有密码保护,请取消密码后再导入。"]


def test_a_garbage_member(tmp_path, skeleton, refused_nothing_written):
    path = tmp_path / "gifts.xlsx"
    path.write_bytes(_garble(skeleton.read_bytes(), b"xl/worksheets/sheet1.xml"))
    message = one_error(refused_nothing_written(path))
    assert message.startswith("Excel 文件已损坏,无法解压:")


def _local_headers(data: bytes) -> Iterator[tuple[int, bytes, int, int]]:
    """(offset, name, data offset, packed size) of each member's local header."""
    offset = data.find(b"PK\x03\x04")
    while offset != -1:
        packed, _size, name_length, extra_length = struct.unpack("<IIHH", data[offset + 18 : offset + 30])
        name = data[offset + 30 : offset + 30 + name_length]
        yield offset, name, offset + 30 + name_length + extra_length, packed
        offset = data.find(b"PK\x03\x04", offset + 30 + name_length + extra_length + packed)


def _garble(data: bytes, member: bytes) -> bytes:
    raw = bytearray(data)
    for _offset, name, start, packed in _local_headers(data):
        if name == member:
            raw[start : start + packed] = bytes((b * 7 + 13) % 256 for b in raw[start : start + packed])
            return bytes(raw)
    raise AssertionError(member)


def _flag_encrypted(data: bytes) -> bytes:
    """Set the "encrypted" flag of every member, in the local headers and the central directory."""
    raw = bytearray(data)
    for offset, _name, _start, _packed in _local_headers(data):
        raw[offset + 6] |= 1
    offset = raw.find(b"PK\x01\x02")
    while offset != -1:
        raw[offset + 8] |= 1
        offset = raw.find(b"PK\x01\x02", offset + 4)
    return bytes(raw)


def _declare_size(path: Path, member: str, size: int) -> None:
    """Rewrite a member's uncompressed size in the central directory (and its zip64 extra field)."""
    raw = bytearray(path.read_bytes())
    offset = raw.find(b"PK\x01\x02")
    while offset != -1:
        name_length, extra_length = struct.unpack("<HH", raw[offset + 28 : offset + 32])
        name = bytes(raw[offset + 46 : offset + 46 + name_length]).decode()
        if name == member:
            struct.pack_into("<I", raw, offset + 24, size)
            extra = offset + 46 + name_length
            end = extra + extra_length
            while extra < end:
                tag, length = struct.unpack("<HH", raw[extra : extra + 4])
                if tag == 1 and length >= 8:  # zip64: the uncompressed size comes first
                    struct.pack_into("<Q", raw, extra + 4, size)
                extra += 4 + length
            path.write_bytes(bytes(raw))
            return
        offset = raw.find(b"PK\x01\x02", offset + 4)
    raise AssertionError(member)


# --- CSV encodings ------------------------------------------------------------------------------------------


def test_a_csv_mixing_utf8_and_gbk_names_both_lines(tmp_path, refused_nothing_written):
    header = ",".join(GIFT_HEADERS) + "\n"
    utf8_line = ",".join(str(c) for c in gift_row(**{"银行流水号": "BK1", "付款人": "李四"})) + "\n"
    gbk_line = ",".join(str(c) for c in gift_row(**{"银行流水号": "BK2", "付款人": "王五"})) + "\n"
    path = tmp_path / "gifts.csv"
    path.write_bytes(header.encode("utf-8") + utf8_line.encode("utf-8") + gbk_line.encode("gbk"))
    message = one_error(refused_nothing_written(path))
    assert "第 1 行是 UTF-8,第 3 行是 GBK/GB18030" in message


def test_a_csv_that_starts_gbk_and_turns_utf8(tmp_path, refused_nothing_written):
    header = (",".join(GIFT_HEADERS) + "\n").encode("gbk")
    rows = [",".join(str(c) for c in gift_row(**{"银行流水号": f"BK{i}"})) + "\n" for i in range(4)]
    path = tmp_path / "gifts.csv"
    path.write_bytes(header + "".join(rows[:3]).encode("gbk") + rows[3].encode("utf-8"))
    message = one_error(refused_nothing_written(path))
    assert "第 5 行是 UTF-8,第 1 行是 GBK/GB18030" in message


def test_a_bom_csv_with_gbk_lines(tmp_path, refused_nothing_written):
    path = tmp_path / "gifts.csv"
    path.write_bytes(("\ufeff" + ",".join(GIFT_HEADERS) + "\n").encode() + ",".join(gift_row()).encode("gbk"))
    assert one_error(refused_nothing_written(path)).startswith("文件以 UTF-8 开头,但第 2 行不是 UTF-8")


@pytest.mark.parametrize(
    ("encoding", "payer"),
    [("gbk", "张三丰"), ("gb18030", "𠀀先生"), ("gb18030", "㐀女士"), ("utf-8-sig", "𠀀㐀"), ("utf-8", "𠀀")],
)
def test_chinese_excel_encodings_import_correctly(write_csv, run_import, encoding, payer):
    rows = [
        gift_row(**{"付款人": payer, "公开署名": "爱心人士", "附言": "给孩子们", "银行流水号": "BK1"}),
        gift_row(**{"捐赠方式": "现金", "银行流水号": "", "付款人": payer, "金额(元)": "50"}),
    ]
    path = write_csv(gift_sheet(*rows), "gifts.csv", encoding=encoding)
    result = run_import("gifts", path)
    assert result.imported, result.error_messages()
    gifts = Donation.objects.order_by("amount")
    assert [g.payer_name for g in gifts] == [payer, payer]
    assert gifts[1].message == "给孩子们" and gifts[1].display_name == "爱心人士"
    assert Transaction.objects.count() == 2


def test_a_csv_with_a_broken_quote(tmp_path, refused_nothing_written):
    path = tmp_path / "gifts.csv"
    path.write_text(",".join(GIFT_HEADERS) + '\nXT100,"现金,100\n', encoding="utf-8")
    assert one_error(refused_nothing_written(path)).startswith("CSV 格式错误:")


def test_a_csv_with_nul_bytes(tmp_path, refused_nothing_written):
    path = tmp_path / "gifts.csv"
    path.write_bytes((",".join(GIFT_HEADERS) + "\n").encode() + b"XT100,\x00\x00,100\n")
    assert one_error(refused_nothing_written(path)).startswith("CSV 文件含有空字符")


def test_too_many_rows(write_csv, settings, refused_nothing_written):
    settings.IMPORT_MAX_ROWS = 5
    rows = [gift_row(**{"银行流水号": f"BK{i}"}) for i in range(6)]
    assert refused_nothing_written(write_csv(gift_sheet(*rows))) == ["文件有 6 行数据,超过上限 5 行。请拆分后导入。"]


def test_the_table_reader_agrees_with_the_importer_on_line_numbers(write_xlsx):
    path = write_xlsx([GIFT_HEADERS, gift_row(), [None] * 3, gift_row(**{"银行流水号": "BK2", "金额(元)": "x"})])
    table = table_read(path)
    assert [line for line, _cells in table.rows] == [2, 4]
    result = import_run(GiftImporter(), table)
    assert result.error_messages() == ["第 4 行「金额(元)」:「x」不是数字。"]


@pytest.mark.postgres
def test_amounts_overflowing_the_ledgers_totals_roll_back(write_csv, refused_nothing_written, settings):
    """Each amount fits a column, their sum does not fit the account's running total: PostgreSQL refuses at the
    last moment, and the import is undone with a message instead of a crash (SQLite does not check)."""
    settings.OFFLINE_GIFT_CONFIRMATION_AMOUNT = Decimal("1e16")  # post them now: none waits 待复核 for a second person
    rows = [gift_row(**{"银行流水号": f"BK{i}", "金额(元)": "999999999999999.99"}) for i in range(12)]
    message = one_error(refused_nothing_written(write_csv(gift_sheet(*rows))))
    assert message.startswith("导入失败,已全部撤销,没有写入任何数据:有数值超出了数据库允许的范围")
