"""Receipt PDF (捐赠回执) rendering: the naive font set-up against ours, in the same run.

    .venv/bin/python bench/receipt_pdf.py [--naive 3] [--ours 30] [--skip-prepare] [--backend harfbuzz fonttools]
    .venv/bin/python bench/receipt_pdf.py --smoke   # one render of each, two names, no warm-up (CI)

Both render the same template and data with WeasyPrint; only the fonts differ:
- naive: font-family "Noto Sans CJK SC" found through fontconfig (the full 65,535-glyph face of Debian's
  NotoSansCJK-Regular.ttc), a plain ``HTML(string=...).write_pdf()``;
- ours: ``donations.receipts.receipt_pdf`` (prepared GB 2312 / GBK TrueType fonts, a per-thread FontConfiguration).
Each is warmed up once, then timed interleaved (one naive render after every tenth of ours): medians of wall and
CPU time (CPU time is the steadier figure when other jobs share the machine). Five donor names: a common one
(GB 2312); one with a GBK-only character (镕) and one with a CJK Extension A character (䶮), both in the EXTENDED
slices; one with an Extension B character (𠮷, SUPPLEMENTARY); and a Korean one, in no prepared font: the
system-font fallback, where ours is timed only as often as the naive render.

Two subsetters: WeasyPrint subsets with HarfBuzz (libharfbuzz-subset0 >= 4.1) when it can load it and with
fontTools otherwise. ``fonttools`` simulates a machine without the library by hiding it from WeasyPrint for that
part of the run. ``--skip-prepare`` skips timing the one-off build of the prepared fonts (into a temporary folder).

``--smoke`` (CI): one naive and one of our renders per row, without warm-up; the common name and the system-font
fallback (Hangul) with HarfBuzz, the common name only with fontTools (a naive fontTools render subsets the whole
CJK face: ~5 s); only the font built on first use is made in var/fonts, and the one-off preparation is timed for
the smallest prepared font only. No database.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NAMES = {
    "common (GB 2312)": "张小明", "GBK-only (镕)": "朱镕基", "Ext-A (䶮)": "王䶮", "Ext-B (𠮷)": "𠮷田",
    "Hangul (김)": "김민준",
}
FALLBACK = "김민준"  # in no prepared font: drawn from the system font


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "charity.settings.test")
    import django

    django.setup()


def sample_receipt():
    from donations.receipts import ReceiptData

    return ReceiptData(
        serial="JZ2026-000123",
        donor_name="张小明",
        amount=Decimal("1234.56"),
        currency="CNY",
        fund_name="血透100",
        channel_label="在线支付",
        received_at=datetime(2026, 11, 22, 2, 30, tzinfo=UTC),
        organisation_name="淄博市慈善总会",
        verify_url="https://charity.example.org/donations/verify/AbCdEf0123456789/",
        leaf_index=12345,
        tree_size=12400,
        tree_root_hex="3f" * 32,
        tree_head_at=datetime(2026, 11, 23, 0, 0, tzinfo=UTC),
        official_code="37010125",
        official_number="0001234567",
        official_check="a1b2c3",
    )


def naive_pdf(data) -> bytes:
    """The same template, the full system font by name, WeasyPrint with its defaults."""
    from django.template.loader import render_to_string
    from weasyprint import HTML

    from donations.receipts import fonts, pdf

    faces = fonts.FontFaces(css="", family=f'"{fonts.SYSTEM_FAMILY}"', urls=frozenset())
    return HTML(string=render_to_string(pdf.TEMPLATE, pdf.receipt_context(data, faces))).write_pdf()


def ours_pdf(data) -> bytes:
    from donations.receipts import receipt_pdf

    return receipt_pdf(data)


def run(fn, data) -> tuple[float, float, int]:
    wall, cpu = time.perf_counter(), time.process_time()
    size = len(fn(data))
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000, size


def compare(data, naive_n: int, ours_n: int, warm: bool = True) -> dict:
    if warm:
        run(naive_pdf, data), run(ours_pdf, data)  # warm-up: fontconfig, Pango, templates, @font-face copies
    naive, ours = [], []
    every = max(1, ours_n // max(1, naive_n))
    for i in range(ours_n):
        ours.append(run(ours_pdf, data))
        if i % every == 0 and len(naive) < naive_n:
            naive.append(run(naive_pdf, data))
    while len(naive) < naive_n:
        naive.append(run(naive_pdf, data))
    return {"naive": naive, "ours": ours}


def median(samples, index: int) -> float:
    return statistics.median(sample[index] for sample in samples)


class subsetter:
    """``fonttools``: hide libharfbuzz-subset from WeasyPrint, as on a machine without it."""

    def __init__(self, name: str):
        self.name = name

    def __enter__(self):
        import weasyprint.pdf.fonts as weasy_fonts

        self.module, self.saved = weasy_fonts, weasy_fonts.harfbuzz_subset
        if self.name == "fonttools":
            weasy_fonts.harfbuzz_subset = None
        return self

    def __exit__(self, *exc):
        self.module.harfbuzz_subset = self.saved


def prepare_cost(smoke: bool = False) -> list[tuple[str, float, float, int]]:
    """Build the prepared fonts (smoke: the smallest) from scratch into a temporary VAR_DIR: (family, wall s, CPU s,
    bytes)."""
    from django.test import override_settings

    from donations.receipts import fonts

    rows = []
    with tempfile.TemporaryDirectory() as var, override_settings(VAR_DIR=Path(var)):
        for font in [fonts.SUPPLEMENTARY] if smoke else fonts.PREPARED_FONTS:
            wall, cpu = time.perf_counter(), time.process_time()
            path = fonts.ensure_prepared(font, build=True)
            rows.append((font.family, time.perf_counter() - wall, time.process_time() - cpu, path.stat().st_size))
    return rows


def machine() -> str:
    model = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), platform.processor())
    import fontTools
    import weasyprint
    from weasyprint.text.ffi import harfbuzz_subset

    return (
        f"{os.cpu_count()} cores of {model}; Python {platform.python_version()}, WeasyPrint {weasyprint.__version__}, "
        f"fontTools {fontTools.version}; libharfbuzz-subset loaded: {harfbuzz_subset is not None}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--naive", type=int, default=3)
    parser.add_argument("--ours", type=int, default=30)
    parser.add_argument("--backend", nargs="+", default=["harfbuzz", "fonttools"], choices=["harfbuzz", "fonttools"])
    parser.add_argument("--skip-prepare", action="store_true")
    parser.add_argument("--smoke", action="store_true", help="one render each, two names, no warm-up (CI)")
    args = parser.parse_args()
    if args.smoke:
        args.naive = args.ours = 1
    _setup()
    from donations.receipts import fonts

    print(machine())
    for font in fonts.PREPARED_FONTS:  # the run below needs them; building them here is not timed
        fonts.ensure_prepared(font, build=None if args.smoke else True)
    base = sample_receipt()
    print(f"{'subsetter':<10} {'donor name':<17} {'naive ms (cpu)':>18} {'ours ms (cpu)':>16} {'ratio (cpu)':>13} "
          f"{'naive kB':>9} {'ours kB':>8} {'n':>6}")
    for backend in args.backend:
        with subsetter(backend):
            for label, name in NAMES.items():
                if args.smoke and not (name == NAMES["common (GB 2312)"] or (name, backend) == (FALLBACK, "harfbuzz")):
                    continue
                data = replace(base, donor_name=name)
                ours_n = args.naive if name == FALLBACK else args.ours
                result = compare(data, args.naive, ours_n, warm=not args.smoke)
                naive, ours = result["naive"], result["ours"]
                print(
                    f"{backend:<10} {label:<17} {median(naive, 0):>9.0f} ({median(naive, 1):>5.0f}) "
                    f"{median(ours, 0):>8.0f} ({median(ours, 1):>4.0f}) {median(naive, 0) / median(ours, 0):>6.1f} "
                    f"({median(naive, 1) / median(ours, 1):>4.1f}) "
                    f"{naive[-1][2] / 1000:>9.0f} {ours[-1][2] / 1000:>8.0f} {len(naive):>2}/{len(ours):<3}",
                    flush=True,
                )
    if not args.skip_prepare:
        for family, wall, cpu, size in prepare_cost(args.smoke):
            print(f"one-off preparation of {family}: {wall:.1f} s ({cpu:.1f} s CPU), {size / 1e6:.1f} MB")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
