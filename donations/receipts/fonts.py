"""Chinese fonts for PDFs that render in tens of milliseconds instead of seconds.

Why: WeasyPrint embeds a subset of every font a document uses and keeps each glyph at its original id (the page
already refers to glyphs by id). Noto Sans CJK (Debian's fonts-noto-cjk) has 65,535 CFF glyphs per face. Without
libharfbuzz-subset0 (>= 4.1) WeasyPrint subsets with fontTools, which keeps every glyph slot up to the highest id
used and then executes, strips, recompiles and measures all of them: ~4 s of CPU per receipt, whatever few glyphs
it shows. With HarfBuzz's subsetter it is ~100 ms and a 166 kB PDF. Details and figures: docs/BENCHMARKS.md.

What: fonts derived once from the Simplified-Chinese face of Noto Sans CJK and kept under ``var/fonts/``:

- ``COMMON`` — every character of GB 2312 (6,763 hanzi, CJK and full-width punctuation, kana, Greek, Cyrillic)
  plus ASCII, Latin-1 and general punctuation, ~7,800 glyphs, ordered so that a typical receipt (ASCII, the
  template's words, GB 2312 level-1 hanzi) uses only the first ~4,600. Built on first use (~6 s CPU) or ahead
  of time.
- ``EXTENDED`` — the rest of GBK's hanzi and of the CJK Unified Ideographs block (traditional forms, names such
  as 镕, 喆, 堃) and CJK Extension A (生僻字 such as 䶮), ~21,000 glyphs in six slices by code point, so that a
  name with one such character costs a 3,500-glyph font, not a 21,000-glyph one (the way web fonts slice CJK);
  ``SUPPLEMENTARY`` — the face's ~2,400 ideographs of Extensions B to H (𠮷). Built only by ``manage.py
  prepare_receipt_fonts`` (~30 s CPU, too long for a request); until then such characters come from the system
  font.

Both are TrueType (quadratic, converted with cu2qu at 1/1000 em) without layout tables (GSUB/GPOS/BASE/vertical
metrics: horizontal Chinese needs none of them; only Latin kerning pairs are lost), because fontTools subsets
``glyf`` an order of magnitude faster than CFF and reads every layout table even when it drops it. A page's
font-family lists them first and the full system "Noto Sans CJK SC" after them, so a character outside them
(Hangul, rarer symbols) is drawn from the system font: correct, but that one document pays for subsetting the
full face (up to the naive ~4 s CPU with fontTools, ~40 ms more with HarfBuzz).

Noto Sans CJK is under the SIL Open Font License 1.1 with "Source" as a Reserved Font Name: the derived fonts
keep the copyright and licence records and are named "Charity Receipt Sans", never "Source".
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

SOURCE_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SOURCE_POSTSCRIPT_NAME = "NotoSansCJKsc-Regular"
SOURCE_PACKAGE = "fonts-noto-cjk"
SYSTEM_FAMILY = "Noto Sans CJK SC"
BUILD_VERSION = 1  # bump when the build below changes, so that old files are rebuilt
MAX_ERROR = 1.0  # cu2qu's tolerance in font units (1/1000 em): invisible at any print size


class FontUnavailable(RuntimeError):
    """The source font is missing: the derived fonts cannot be built."""


@dataclass(frozen=True)
class PreparedFont:
    family: str  # the CSS font-family name
    slug: str  # file name stem
    repertoire: Callable[[], frozenset[int]]
    build_on_first_use: bool


def _gb_repertoire(codec: str) -> frozenset[int]:
    chars = set()
    for lead in range(0x81, 0xFF):
        for trail in range(0x40, 0xFF):
            try:
                text = bytes((lead, trail)).decode(codec)
            except UnicodeDecodeError:
                continue
            if len(text) == 1:
                chars.add(ord(text))
    return frozenset(chars)


@cache
def common_repertoire() -> frozenset[int]:
    latin = {*range(0x20, 0x7F), *range(0xA0, 0x100), *range(0x2010, 0x205F), 0x20AC, 0x2116, 0x2122}
    cjk = {*range(0x3000, 0x3040), *range(0xFF01, 0xFFEF)}
    return frozenset(latin | cjk | _gb_repertoire("gb2312"))


@cache
def extended_repertoire() -> frozenset[int]:
    """GBK, the CJK Unified Ideographs block and Extension A, less COMMON."""
    ideographs = {*range(0x3400, 0x4DC0), *range(0x4E00, 0xA000)}
    return frozenset(_gb_repertoire("gbk") | ideographs) - common_repertoire()


def _extended_slice(index: int) -> Callable[[], frozenset[int]]:
    def repertoire() -> frozenset[int]:
        codes = sorted(extended_repertoire())
        size = -(-len(codes) // EXTENDED_SLICES)
        return frozenset(codes[index * size : (index + 1) * size])

    return repertoire


def supplementary_repertoire() -> frozenset[int]:
    return frozenset(range(0x20000, 0x32400))  # CJK Extensions B to H: the face has ~2,400 of their ideographs


EXTENDED_SLICES = 6
COMMON = PreparedFont("Charity Receipt Sans", "receipt-sans-gb2312", common_repertoire, build_on_first_use=True)
EXTENDED = tuple(
    PreparedFont(f"Charity Receipt Sans Ext{i + 1}", f"receipt-sans-ext{i + 1}", _extended_slice(i), False)
    for i in range(EXTENDED_SLICES)
)
SUPPLEMENTARY = PreparedFont("Charity Receipt Sans Supp", "receipt-sans-supp", supplementary_repertoire, False)
PREPARED_FONTS = (COMMON, *EXTENDED, SUPPLEMENTARY)


def fonts_dir() -> Path:
    return Path(settings.VAR_DIR) / "fonts"


def source_font() -> Path:
    """Debian's Noto Sans CJK collection, or ``settings.RECEIPT_SOURCE_FONT`` where it lives elsewhere."""
    path = Path(getattr(settings, "RECEIPT_SOURCE_FONT", SOURCE_FONT))
    if not path.is_file():
        raise FontUnavailable(
            f"{path} (Noto Sans CJK) is missing: install the Debian package {SOURCE_PACKAGE} "
            f"(apt-get install {SOURCE_PACKAGE}; `make run` does) before rendering Chinese PDFs."
        )
    return path


def prepared_path(font: PreparedFont) -> Path:
    """The derived file's path; its name changes with the source font's size and time, the repertoire and
    BUILD_VERSION, so that an upgraded fonts-noto-cjk or a changed build is rebuilt rather than trusted."""
    stat = source_font().stat()
    key = f"{stat.st_size}:{stat.st_mtime_ns}:{BUILD_VERSION}:{_repertoire_digest(font)}"
    return fonts_dir() / f"{font.slug}-{hashlib.sha256(key.encode()).hexdigest()[:10]}.ttf"


@cache
def _repertoire_digest(font: PreparedFont) -> str:
    return hashlib.sha256(",".join(map(str, sorted(font.repertoire()))).encode()).hexdigest()


_build_lock = threading.Lock()


def ensure_prepared(font: PreparedFont, *, build: bool | None = None) -> Path | None:
    """The derived font's path, building it first when it is missing and ``build`` (default: the font's
    ``build_on_first_use``) says so; None when it is missing and not built. Safe across threads and processes:
    one builder at a time (a lock file), and the file appears whole (written aside, then renamed)."""
    path = prepared_path(font)
    if path.is_file():
        return path
    if not (font.build_on_first_use if build is None else build):
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    with _build_lock, open(path.parent / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.is_file():
            _build(font, path)
    return path


def _build(font: PreparedFont, path: Path) -> None:
    from .fontbuild import build_prepared_font

    partial = path.with_suffix(f".{os.getpid()}.partial")
    try:
        build_prepared_font(
            source_font(), SOURCE_POSTSCRIPT_NAME, font.repertoire(), font.family, partial, max_error=MAX_ERROR
        )
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    for old in path.parent.glob(f"{font.slug}-*.ttf"):
        if old != path:
            old.unlink(missing_ok=True)


@dataclass(frozen=True)
class FontFaces:
    css: str  # @font-face rules
    family: str  # a font-family value: prepared fonts first, then the full system font
    urls: frozenset[str]  # the only URLs a document needs to load


def font_faces() -> FontFaces:
    """The prepared fonts that exist (COMMON is built if missing), as @font-face rules and a font-family list
    that ends with the full system font, which draws whatever they lack."""
    source_font()
    rules, families, urls = [], [], set()
    for font in PREPARED_FONTS:
        try:
            path = ensure_prepared(font)
        except OSError:  # e.g. a read-only VAR_DIR: the document still renders, from the system font
            logger.exception("cannot prepare the font %s in %s; using the system font", font.family, fonts_dir())
            path = None
        if path is not None:
            urls.add(path.as_uri())
            rules.append(f'@font-face {{ font-family: "{font.family}"; src: url("{path.as_uri()}"); }}')
            families.append(f'"{font.family}"')
    families += [f'"{SYSTEM_FAMILY}"', "sans-serif"]
    return FontFaces("\n".join(rules), ", ".join(families), frozenset(urls))


_local = threading.local()


def font_config():
    """A WeasyPrint FontConfiguration kept per thread: the @font-face files are copied and registered with
    fontconfig once per thread instead of once per document (not shared between threads: WeasyPrint does not say
    that one may be used by two documents at once)."""
    config = getattr(_local, "font_config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _local.font_config = FontConfiguration()
    return config
