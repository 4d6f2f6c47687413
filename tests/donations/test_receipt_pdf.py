"""The 捐赠回执 PDF, read back with poppler (pdftotext, pdffonts): what it says, that its Chinese font is embedded
and is the prepared one, that donor text is escaped, that rare characters still render, and the font build."""

import subprocess
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from fontTools.ttLib import TTFont

from donations.receipts import ReceiptData, fonts, pdf, qr_svg, receipt_pdf
from donations.receipts.fontbuild import build_prepared_font

RECEIPT = ReceiptData(
    serial="JZ2026-000123",
    donor_name="张小明",
    amount=Decimal("1234.56"),
    currency="CNY",
    fund_name="血透100",
    channel_label="在线支付",
    received_at=datetime(2026, 11, 22, 17, 30, tzinfo=UTC),  # 2026-11-23 01:30 in Shanghai
    organisation_name="淄博市慈善总会",
    verify_url="https://charity.example.org/donations/verify/AbCdEf0123/",
    leaf_index=12345,
)


def pdf_text(data: bytes, tmp_path: Path) -> str:
    """The page's text with all whitespace removed (letter-spacing makes pdftotext insert spaces)."""
    path = tmp_path / "receipt.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    return "".join(text.split())


def pdf_fonts(data: bytes, tmp_path: Path) -> list[dict]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(data)
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout.splitlines()
    rows = []
    for line in lines[2:]:  # name, type (may hold spaces), encoding, emb, sub, uni, object id, generation
        parts = line.split()
        rows.append({"name": parts[0], "encoding": parts[-6], "emb": parts[-5], "uni": parts[-3]})
    return rows


def assert_no_tofu(rows: list[dict]) -> None:
    """A glyph missing from its font (drawn as .notdef, a box) still reads back through pdftotext, because WeasyPrint
    writes its code point in the ToUnicode map; but WeasyPrint then gives that font a custom encoding instead of
    Identity-H. Every font embedded, every font complete."""
    assert rows, "no font in the PDF"
    assert all(row["emb"] == "yes" and row["uni"] == "yes" for row in rows), rows
    assert all(row["encoding"] == "Identity-H" for row in rows), f"a glyph is missing (tofu): {rows}"


def test_receipt_says_what_it_must(tmp_path):
    text = pdf_text(receipt_pdf(RECEIPT), tmp_path)
    for expected in (
        "捐赠回执", "JZ2026-000123", "张小明", "¥1,234.56", "人民币壹仟贰佰叁拾肆元伍角陆分", "血透100", "在线支付",
        "2026年11月23日01:30", "淄博市慈善总会", "https://charity.example.org/donations/verify/AbCdEf0123/",
        "本回执不是公益事业捐赠票据;公益事业捐赠票据由财政电子票据平台开具", "12345", "下一个每日签名树头",
    ):
        assert expected in text, expected
    assert "测试" not in text
    assert "票据代码" not in text


def test_embeds_only_the_prepared_cjk_font(tmp_path):
    rows = pdf_fonts(receipt_pdf(RECEIPT), tmp_path)
    assert_no_tofu(rows)
    assert [row["name"].split("+", 1)[1] for row in rows] == ["Charity-Receipt-Sans"], rows


def test_donor_html_is_escaped(tmp_path):
    data = replace(RECEIPT, donor_name="<b>x</b>", fund_name='"><img src="file:///etc/hostname">')
    html = render_to_string(pdf.TEMPLATE, pdf.receipt_context(data, fonts.font_faces()))
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x" not in html
    text = pdf_text(receipt_pdf(data), tmp_path)
    assert "<b>x</b>" in text
    assert '<imgsrc="file:///etc/hostname">' in text


def test_official_numbers_when_recorded(tmp_path):
    data = replace(RECEIPT, official_code="37010125", official_number="0001234567", official_check="a1B2c3")
    text = pdf_text(receipt_pdf(data), tmp_path)
    assert "票据代码37010125" in text
    assert "票据号码0001234567" in text
    assert "校验码a1B2c3" in text
    assert "本回执不是公益事业捐赠票据" in text


def test_tree_head_and_unposted_gift(tmp_path):
    data = replace(
        RECEIPT, tree_size=12400, tree_root_hex="3fa9" + "0" * 60,
        tree_head_at=datetime(2026, 11, 23, 8, 0, tzinfo=timezone(timedelta(hours=8))),
    )
    text = pdf_text(receipt_pdf(data), tmp_path)
    assert "12400" in text and "3fa9000000000000" in text and "2026年11月23日08:00" in text
    assert "下一个每日签名树头" not in text
    unposted = pdf_text(receipt_pdf(replace(RECEIPT, leaf_index=None)), tmp_path)
    assert "尚未记入公开账本" in unposted and "下一个每日签名树头" in unposted


def test_everything_fits_on_one_page(tmp_path):
    token = "ImEwNGRiMDI0LWY4YTEtNGQ5Mi1iNDc5LTM0MjA2NTQ0NmY4ZCI:1xVCez:hq5upQXo4qXoGdRTHqPNYkP-YLHoNGqKXvi-eG3lVbo"
    data = replace(
        RECEIPT, donor_name="淄博市张店区某某爱心企业管理有限公司全体员工及其家属", is_demo=True,
        in_kind_summary="大米 200 袋(估值依据:发票)", official_code="37010125", official_number="0001234567",
        official_check="a1B2c3", tree_size=12400, tree_root_hex="ab" * 32, tree_head_at=RECEIPT.received_at,
        verify_url=f"https://charity.example.org/donations/verify/{token}/",
    )
    path = tmp_path / "full.pdf"
    path.write_bytes(receipt_pdf(data))
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True).stdout
    assert "Pages:           1" in info
    assert "419.528 x 595.276 pts" in info  # A5: 148 x 210 mm


def test_demo_watermark(tmp_path):
    text = pdf_text(receipt_pdf(replace(RECEIPT, is_demo=True)), tmp_path)
    assert "测试" in text
    assert "沙箱支付" in text


def test_in_kind_and_other_currencies(tmp_path):
    data = replace(
        RECEIPT, amount=Decimal("5000"), channel_label="物资捐赠", in_kind_summary="大米 200 袋(估值依据:发票)"
    )
    text = pdf_text(receipt_pdf(data), tmp_path)
    assert "大米200袋(估值依据:发票)" in text and "¥5,000.00" in text and "人民币伍仟元整" in text
    text = pdf_text(receipt_pdf(replace(RECEIPT, currency="USD", amount=Decimal("10.5"))), tmp_path)
    assert "USD10.50" in text and "美元壹拾元伍角整" in text


@pytest.mark.parametrize("name", ["王䶮", "𠮷田", "龘", "朱镕基", "陳大文", "김민준"])
def test_rare_characters_render(tmp_path, name):
    """龘, 镕, 陳 (GBK), 䶮 (CJK Extension A) and 𠮷 (Extension B) are only in the EXTENDED and SUPPLEMENTARY fonts,
    built by prepare_receipt_fonts (perhaps not here: then the system font draws them); Hangul is in no prepared
    font. Each is drawn from some embedded font, never as tofu."""
    document = receipt_pdf(replace(RECEIPT, donor_name=name))
    assert name in pdf_text(document, tmp_path)
    rows = pdf_fonts(document, tmp_path)
    assert_no_tofu(rows)
    fallbacks = ("Noto-Sans-CJK-SC", "Charity-Receipt-Sans-Ext", "Charity-Receipt-Sans-Supp")
    assert any(row["name"].split("+", 1)[1].startswith(fallbacks) for row in rows), rows


@pytest.mark.skipif(
    subprocess.run(["fc-list", ":charset=13000"], capture_output=True, text=True).stdout.strip() != "",
    reason="a font on this machine has Egyptian hieroglyphs",
)
def test_tofu_is_detected(tmp_path):
    """The check above can fail: a character no installed font has is drawn as a box and reported."""
    document = receipt_pdf(replace(RECEIPT, donor_name="𓀀"))
    assert "𓀀" in pdf_text(document, tmp_path)
    with pytest.raises(AssertionError, match="tofu"):
        assert_no_tofu(pdf_fonts(document, tmp_path))


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        receipt_pdf(replace(RECEIPT, received_at=datetime(2026, 1, 1, 12, 0)))  # noqa: DTZ001


def test_missing_source_font_names_the_package(settings, tmp_path):
    settings.RECEIPT_SOURCE_FONT = str(tmp_path / "missing.ttc")
    with pytest.raises(fonts.FontUnavailable, match="fonts-noto-cjk"):
        receipt_pdf(RECEIPT)


def test_unwritable_var_dir_falls_back_to_the_system_font(settings, tmp_path, caplog):
    (tmp_path / "var").write_text("a file where the folder should be")
    settings.VAR_DIR = tmp_path / "var"
    document = receipt_pdf(RECEIPT)
    assert "cannot prepare the font" in caplog.text
    assert "张小明" in pdf_text(document, tmp_path)
    rows = pdf_fonts(document, tmp_path)
    assert_no_tofu(rows)
    assert [row["name"].split("+", 1)[1] for row in rows] == ["Noto-Sans-CJK-SC"], rows


def test_the_page_may_load_nothing_but_the_fonts():
    fetcher = pdf._fonts_only_fetcher()(fonts.font_faces().urls)
    with pytest.raises(ValueError, match="loads no resources"):
        fetcher.fetch("file:///etc/hostname")
    with pytest.raises(ValueError, match="loads no resources"):
        fetcher.fetch("https://example.org/x.png")
    url = next(iter(fonts.font_faces().urls))
    assert fetcher.fetch(url).read(4) == b"\x00\x01\x00\x00"


def test_qr_svg():
    svg = qr_svg(RECEIPT.verify_url)
    assert svg.startswith("<svg") and svg.endswith("</svg>") and "viewBox" in svg and "<path" in svg
    assert "<?xml" not in svg
    assert svg == qr_svg(RECEIPT.verify_url)
    assert svg != qr_svg(RECEIPT.verify_url + "x")


def test_repertoires():
    common, extended = fonts.common_repertoire(), fonts.extended_repertoire()
    assert sum(0x4E00 <= code < 0xA000 for code in common) == 6763  # GB 2312's hanzi
    assert {ord(c) for c in "捐赠回执人民币壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整零¥,:;()—…·「」"} <= common
    assert not common & extended
    assert {ord(c) for c in "镕喆堃陳龘䶮"} <= extended and ord("𠮷") not in common | extended
    assert ord("𠮷") in fonts.supplementary_repertoire() and ord("김") not in fonts.supplementary_repertoire()
    slices = [font.repertoire() for font in fonts.EXTENDED]
    assert sum(map(len, slices)) == len(extended) and frozenset().union(*slices) == extended
    assert max(map(len, slices)) - min(map(len, slices)) <= len(slices)


def test_build_prepared_font(tmp_path):
    """A small build, checked as a font: TrueType outlines, its own names, .notdef first, then Latin, then hanzi."""
    path = tmp_path / "small.ttf"
    build_prepared_font(
        fonts.source_font(), fonts.SOURCE_POSTSCRIPT_NAME, frozenset(map(ord, "捐A1")), "Test Sans", path, max_error=1.0
    )
    font = TTFont(path)
    assert font.sfntVersion == "\x00\x01\x00\x00" and "glyf" in font and "CFF " not in font
    assert not {"GSUB", "GPOS", "vmtx"} & set(font.keys())
    assert font["name"].getDebugName(1) == "Test Sans" and font["name"].getDebugName(6) == "TestSans-Regular"
    assert "Open Font License" in font["name"].getDebugName(13)
    cmap = font.getBestCmap()
    assert font.getGlyphOrder()[0] == ".notdef"
    assert font.getGlyphID(cmap[ord("A")]) < font.getGlyphID(cmap[ord("捐")])
    assert font["glyf"][cmap[ord("捐")]].numberOfContours > 0
