"""The 捐赠回执 (donation receipt) as a one-page A5 PDF, rendered by WeasyPrint from a Django template.

WeasyPrint is imported when a receipt is rendered, not when this module is: selectors build ``ReceiptData``
without loading Pango and Cairo. A receipt embeds only the prepared fonts of ``fonts`` (tens of milliseconds) unless
its text holds a character none of them has (Hangul, say), which is drawn from the full system font."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo

from django.template.loader import render_to_string

from . import fonts
from .numerals import amount_in_capitals

TEMPLATE = "donations/receipts/receipt_pdf.html"
SHANGHAI = ZoneInfo("Asia/Shanghai")
CURRENCY_SYMBOLS = {"CNY": "¥"}
CURRENCY_NAMES = {"CNY": "人民币", "HKD": "港币", "USD": "美元", "EUR": "欧元"}
ROOT_PREFIX_HEX = 16

# WeasyPrint logs each rendering step at INFO (seven console lines a receipt under the project's INFO root) and
# fontTools, its subsetter when HarfBuzz's is missing, each subset step with lists of thousands of glyph names.
# Quiet unless the project's LOGGING configures these loggers.
for _name in ("weasyprint.progress", "fontTools"):
    if logging.getLogger(_name).level == logging.NOTSET:
        logging.getLogger(_name).setLevel(logging.WARNING)


@dataclass(frozen=True)
class ReceiptData:
    serial: str  # e.g. "JZ2026-000123"
    donor_name: str  # display name or "匿名"
    amount: Decimal
    currency: str  # "CNY"
    fund_name: str  # project name or "非限定性(总会统筹)"
    channel_label: str  # e.g. "在线支付" / "银行转账" / "现金" / "物资捐赠"
    received_at: datetime  # aware
    organisation_name: str
    verify_url: str  # absolute URL of the verification page; also encoded in the QR code
    leaf_index: int | None  # the gift's ledger sequence (Merkle leaf index); None if not yet posted
    tree_size: int | None = None  # the signed tree head that includes the leaf, if any
    tree_root_hex: str = ""
    tree_head_at: datetime | None = None
    official_code: str = ""  # 公益事业捐赠票据 票据代码 / 票据号码 / 校验码, recorded by staff; blank if not yet issued
    official_number: str = ""
    official_check: str = ""
    in_kind_summary: str = ""  # e.g. "大米 200 袋(估值依据:发票)" for in-kind gifts
    is_demo: bool = False  # sandbox payments: print a clear 测试 watermark


def receipt_pdf(data: ReceiptData) -> bytes:
    """The receipt as PDF bytes. The page may load nothing but the prepared font files."""
    from weasyprint import HTML

    faces = fonts.font_faces()
    html = render_to_string(TEMPLATE, receipt_context(data, faces))
    document = HTML(string=html, url_fetcher=_fonts_only_fetcher()(faces.urls))
    return document.write_pdf(font_config=fonts.font_config())


def receipt_context(data: ReceiptData, faces: fonts.FontFaces) -> dict:
    currency_name = CURRENCY_NAMES.get(data.currency)
    return {
        "r": data,
        "font_css": faces.css,
        "font_family": faces.family,
        "amount_figures": amount_in_figures(data.amount, data.currency),
        "amount_capitals": amount_in_capitals(data.amount, prefix=currency_name) if currency_name else "",
        "received": shanghai_time(data.received_at),
        "tree_head_at": shanghai_time(data.tree_head_at) if data.tree_head_at else "",
        "root_prefix": data.tree_root_hex[:ROOT_PREFIX_HEX],
        "qr": qr_svg(data.verify_url),
    }


def amount_in_figures(amount: Decimal, currency: str) -> str:
    """¥1,234.56 for CNY; "USD 1,234.56" for a currency without a symbol here."""
    figures = f"{amount.quantize(Decimal('0.01')):,}"
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{symbol}{figures}" if symbol else f"{currency} {figures}"


def shanghai_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("receipt times must be timezone-aware")
    return moment.astimezone(SHANGHAI).strftime("%Y年%m月%d日 %H:%M")


def qr_svg(url: str) -> str:
    """Inline SVG markup (no XML declaration, no fixed size: size it with CSS) of a QR code of ``url``, medium
    error correction; usable in WeasyPrint pages and in HTML pages alike."""
    import segno

    return segno.make(url, error="m", micro=False).svg_inline(
        border=2, omitsize=True, svgclass="qr", lineclass=None, title="核验二维码"
    )


@cache
def _fonts_only_fetcher():
    from weasyprint.urls import URLFetcher

    class FontsOnlyFetcher(URLFetcher):
        """Refuses every URL but the prepared fonts': text from donors can never make the renderer read a local
        file or call a server, whatever reaches the template."""

        def __init__(self, allowed: frozenset[str]):
            super().__init__(allowed_protocols=("file",))
            self.allowed = allowed

        def fetch(self, url, headers=None):
            if url not in self.allowed:
                raise ValueError(f"a receipt loads no resources: {url}")
            return super().fetch(url, headers)

    return FontsOnlyFetcher
