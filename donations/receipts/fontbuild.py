"""Builds a prepared font (see ``fonts``): one face of a CFF OpenType collection, cut to a repertoire with
fontTools, converted to TrueType outlines, glyphs reordered by how often a receipt needs them, renamed."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

# Horizontal Chinese text needs none of these; fontTools reads every layout table even to drop it.
DROPPED_TABLES = ["GSUB", "GPOS", "GDEF", "BASE", "JSTF", "VORG", "vhea", "vmtx", "DSIG"]
LICENCE_NAME_IDS = [0, 7, 8, 9, 10, 11, 12, 13, 14]  # copyright, trademark, vendor, designer, licence
TRUETYPE = "\x00\x01\x00\x00"


def build_prepared_font(
    source: Path, postscript_name: str, repertoire: frozenset[int], family: str, dest: Path, *, max_error: float
) -> None:
    font = open_face(source, postscript_name)
    with _quiet("fontTools"):
        _subset(font, repertoire)
    font.ensureDecompiled()
    order = sorted(font.getGlyphOrder(), key=_glyph_rank(font))
    _cff_to_glyf(font, order, max_error)
    _rename(font, family)
    font.save(dest)


def open_face(source: Path, postscript_name: str) -> TTFont:
    """The face of a font collection (.ttc) or a single font file whose PostScript name matches."""
    faces = TTCollection(source).fonts if source.suffix.lower() in (".ttc", ".otc") else [TTFont(source)]
    for face in faces:
        if face["name"].getDebugName(6) == postscript_name:
            return face
    raise LookupError(f"{source} has no face named {postscript_name}")


def _subset(font: TTFont, repertoire: frozenset[int]) -> None:
    options = subset.Options()
    options.layout_closure = False  # no vertical, regional or stylistic alternates: only what the cmap maps
    options.notdef_outline = True
    options.hinting = False
    options.drop_tables += DROPPED_TABLES
    options.name_IDs = [1, 2, 3, 4, 5, 6, *LICENCE_NAME_IDS]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=repertoire)
    subsetter.subset(font)


def _glyph_rank(font: TTFont):
    """.notdef; then Latin, punctuation and full-width forms; GB 2312 level-1 hanzi (the 3,755 common ones);
    level 2; everything else; each by code point. WeasyPrint keeps glyph ids, so a document costs in proportion
    to the highest id it uses: common characters get low ids."""
    first_code = {}
    for code, name in sorted(font.getBestCmap().items(), reverse=True):
        first_code[name] = code

    def rank(name: str) -> tuple[int, int]:
        if name == ".notdef":
            return (-1, 0)
        code = first_code.get(name)
        if code is None:
            return (9, 0)
        return (_code_rank(code), code)

    return rank


def _code_rank(code: int) -> int:
    if code < 0x2E80 or 0x3000 <= code < 0x3040 or 0xFF00 <= code < 0xFFF0:
        return 0
    try:
        lead = chr(code).encode("gb2312")[0]
    except UnicodeEncodeError:
        return 4
    if 0xB0 <= lead <= 0xD7:
        return 1
    if 0xD8 <= lead <= 0xF7:
        return 2
    return 3


def _cff_to_glyf(font: TTFont, order: list[str], max_error: float) -> None:
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, {}
    for name in order:
        pen = TTGlyphPen(None)
        glyph_set[name].draw(Cu2QuPen(pen, max_err=max_error, reverse_direction=True))
        glyf[name] = pen.glyph()
    del font["CFF "]
    font.setGlyphOrder(order)
    font["glyf"], font["loca"] = glyf, newTable("loca")
    font["head"].glyphDataFormat = 0
    font["post"].formatType = 3.0  # no glyph names: readers take them from the cmap
    font.sfntVersion = TRUETYPE
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for field in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs", "maxStackElements",
                  "maxSizeOfInstructions", "maxComponentElements", "maxComponentDepth"):
        setattr(maxp, field, 0)
    maxp.maxZones = 1


def _rename(font: TTFont, family: str) -> None:
    """Its own names, so that fontconfig never takes it for the full system font (and the OFL's Reserved Font
    Name stays unused)."""
    table = font["name"]
    for name_id in (1, 2, 3, 4, 6, 16, 17, 21, 22):
        table.removeNames(nameID=name_id)
    postscript = family.replace(" ", "") + "-Regular"
    for name_id, text in ((1, family), (2, "Regular"), (3, postscript), (4, family), (6, postscript)):
        table.setName(text, name_id, 3, 1, 0x409)
        table.setName(text, name_id, 1, 0, 0)


@contextmanager
def _quiet(logger_name: str):
    """fontTools reports every step at INFO and each code point the face lacks (expected here) as a warning."""
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
