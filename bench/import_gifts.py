"""Bulk import of offline gifts (issue 6): our ``GiftImporter`` with ledger posting against a plain
django-import-export ``ModelResource`` import of the same rows into the gift table alone, in the same run.

    .venv/bin/python bench/import_gifts.py [--rows 100000] [--small 10000] [--baseline-rows 5000] [--format xlsx|csv]
                                           [--db NAME] [--profile] [--skip-baseline] [--fresh-data] [--gc off]
    .venv/bin/python bench/import_gifts.py --db /tmp/charity_bench_import.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/charity_bench .venv/bin/python bench/import_gifts.py \
        --db charity_bench_import
    .venv/bin/python bench/import_gifts.py --smoke   # 40 and 20 rows, baseline 10, --profile (CI)

DATABASE_URL picks the vendor (SQLite without it) and the PostgreSQL server; its own database is never touched.
**The ``--db`` database is dropped and re-created for every measured run** (PostgreSQL default:
``<DATABASE_URL's name>_import``; SQLite: a file, default var/bench-import/bench.sqlite3). A template beside it —
``<db>_base``, or ``<file>.base.sqlite3`` — is migrated once per invocation (a no-op when up to date) and given the
five projects of ``bench/import_data.py`` with their ledger accounts and a 财务 user; each run starts from a copy of
it (``CREATE DATABASE … TEMPLATE``, or a file copy), so every run sees the same empty gift, donor and ledger tables.
Test settings (fixed keys). Each run is a child process, so its peak RSS (``ru_maxrss``) and CPU time are its own.

Runs, each on a fresh copy:
1. **ours, N rows** (``--rows``): ``table_read`` + ``import_run(GiftImporter(user), table, dry_run=False)``, timed
   per phase (read, parse, duplicate check, plan, write, commit — the write split further into donors, gift look-ups,
   ledger posting and its parts, receipt serials and the gift INSERT), SQL statements per phase
   (``connection.execute_wrapper``), peak RSS (``ru_maxrss``). Then checked: N gifts, N ledger transactions,
   gift amounts = ledger debits; then the same file imported again (timed): all N rows SKIP, nothing added.
2. **ours, ``--small`` rows**: the same, to show the statement count does not grow per row.
3. **baseline** (``--baseline-rows`` S, the first S rows of the N-row file): a plain ``ModelResource`` for
   ``Donation`` (``ForeignKeyWidget`` for the project by code; default options: no bulk mode, transactions on),
   ``resource.import_data(dataset, dry_run=False)`` into the gift table alone: no donors, no ledger posting, no
   receipt serials. The dataset is loaded with tablib from the XLSX (timed separately) and its headers and choice
   labels turned into the model's (untimed). Rows/s is S over ``import_data`` alone and extrapolated to N.
``--gc off`` runs ours with Python's cyclic garbage collector disabled (an experiment: what the engine would gain by
pausing it during an import; the default leaves it on, as the application does).
4. with ``--profile``: ours at ``--small`` again under cProfile (its own copy; not used for the timings), the top
   functions written to var/bench-import/profile-<vendor>-<small>.txt.

Data: ``bench/import_data.py`` (deterministic; files cached under var/bench-import/).

``--smoke`` (CI): every run above at 40 and 20 rows (baseline 10 rows), ``--profile`` included, with the data files
in a temporary folder and the two databases from ``bench/smoke.py`` (PostgreSQL ``<DATABASE_URL's name>_smoke_import``
and its ``_base``; SQLite files in the temporary folder), all removed at exit. With ``BENCH_SMOKE_TEMPLATE`` set the
template starts as a copy of that migrated database.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import import_data as data  # noqa: E402

ROOT = data.ROOT
DEFAULT_SQLITE = data.DATA_DIR / "bench.sqlite3"
USERNAME = "bench-import-caiwu"


# -- databases ----------------------------------------------------------------------------------------------


class Databases:
    """The database re-created for every run, and its template. DATABASE_URL picks the vendor and the server; its
    own database is never touched."""

    def __init__(self, url: str, db: str | None):
        parts = urlsplit(url)
        self.vendor = "postgresql" if parts.scheme in ("postgres", "postgresql") else "sqlite"
        if self.vendor == "postgresql":
            self.name = db or f"{parts.path.lstrip('/') or 'charity'}_import"
            self.base_name = f"{self.name}_base"
            self.url = urlunsplit(parts._replace(path=f"/{self.name}"))
            self.base_url = urlunsplit(parts._replace(path=f"/{self.base_name}"))
            self.admin_url = urlunsplit(parts._replace(path="/postgres", query=""))
            if self.name == parts.path.lstrip("/") or self.name in ("postgres", "template0", "template1"):
                sys.exit(f"--db {self.name} is DATABASE_URL's own database: name another one (it is dropped).")
        else:
            path = Path(db or DEFAULT_SQLITE).resolve()
            if path == (ROOT / "var" / "db.sqlite3").resolve():
                sys.exit("Refusing to use the development database var/db.sqlite3 (it is dropped): name a bench file.")
            self.name = str(path)
            self.base_name = str(path.with_name(path.stem + ".base" + path.suffix))
            self.url = f"sqlite:///{self.name}"
            self.base_url = f"sqlite:///{self.base_name}"

    def base_prepare(self, copy_of: str = "") -> None:
        """The template, made when missing (as a copy of the migrated database ``copy_of``, if given)."""
        if self.vendor == "postgresql":
            if not self._pg("SELECT 1 FROM pg_database WHERE datname = %s", [self.base_name]):
                self._pg(f'CREATE DATABASE "{self.base_name}"' + (f' TEMPLATE "{copy_of}"' if copy_of else ""))
        else:
            Path(self.base_name).parent.mkdir(parents=True, exist_ok=True)
            if copy_of and not Path(self.base_name).exists():
                shutil.copyfile(copy_of, self.base_name)

    def drop(self) -> None:
        """Both databases, gone (the smoke mode's clean-up)."""
        if self.vendor == "postgresql":
            for name in (self.name, self.base_name):
                self._pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            for name in (self.name, self.base_name):
                for suffix in ("", "-wal", "-shm", "-journal"):
                    Path(name + suffix).unlink(missing_ok=True)

    def reset(self) -> None:
        """The target as a fresh copy of the template."""
        if self.vendor == "postgresql":
            self._pg(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            self._pg(f'CREATE DATABASE "{self.name}" TEMPLATE "{self.base_name}"')
        else:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(self.name + suffix).unlink(missing_ok=True)
            Path(self.name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.base_name, self.name)

    def _pg(self, sql: str, params=None):
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if sql.startswith("SELECT") else None


def child(kind: str, url: str, *args: str) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "charity.settings.test"}
    command = [sys.executable, __file__, "--child", kind, *args]
    done = subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False)  # noqa: S603
    lines = done.stdout.strip().splitlines()
    for line in lines[:-1]:
        print(line, flush=True)
    if done.returncode or not lines or not lines[-1].startswith("RESULT "):
        print("\n".join(lines[-20:]))
        sys.exit(f"child {kind} failed (exit {done.returncode})")
    return json.loads(lines[-1].removeprefix("RESULT "))


# -- in the child: measuring ----------------------------------------------------------------------------------


class Statements:
    """Counts the SQL statements run on the default connection (and, with ``shapes``, how many of each kind)."""

    def __init__(self, shapes: bool = False):
        self.count = 0
        self.shapes: Counter[str] | None = Counter() if shapes else None
        self.seconds: Counter[str] = Counter()

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        if self.shapes is None:
            return execute(sql, params, many, context)
        key = shape(sql)
        self.shapes[key] += 1
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds[key] += time.perf_counter() - start

    def slowest(self, n: int) -> list[tuple[str, int, float]]:
        return [(sql, self.shapes[sql], seconds) for sql, seconds in self.seconds.most_common(n)]


def shape(sql: str) -> str:
    sql = re.sub(r"'[^']*'", "?", sql)
    sql = re.sub(r'"s\d+_x\d+"', "?", sql)  # savepoint names
    sql = re.sub(r"\b\d+\b", "?", sql)
    sql = re.sub(r"\((?:\s*(?:%s|\?)\s*,?)+\)", "(…)", sql)
    sql = re.sub(r"(\(…\)\s*,\s*)+\(…\)", "(…), …", sql)
    sql = re.sub(r'"[a-z_]+"\."([a-z_]+)"', r"\1", sql)
    return re.sub(r"\s+", " ", sql)[:100]


class Spans:
    """Time and statements spent inside chosen functions (wrapped in place; nested spans overlap)."""

    def __init__(self, statements: Statements):
        self.statements = statements
        self.spans: dict[str, list[float]] = defaultdict(lambda: [0.0, 0, 0])
        self.missing: list[str] = []

    def wrap(self, owner, name: str, label: str, key=None) -> None:
        original = getattr(owner, name, None)
        if original is None:
            self.missing.append(f"{getattr(owner, '__name__', owner)}.{name}")
            return
        spans, statements = self.spans, self.statements

        def wrapper(*args, **kwargs):
            span = spans[label if key is None else f"{label} {key(*args, **kwargs)}"]
            start, before = time.perf_counter(), statements.count
            try:
                return original(*args, **kwargs)
            finally:
                span[0] += time.perf_counter() - start
                span[1] += statements.count - before
                span[2] += 1

        setattr(owner, name, wrapper)


def instrument(statements: Statements) -> Spans:
    """What the write (and the plan) spend their time on. Tolerant: a function renamed in a parallel change is
    reported as missing, not fatal."""
    import bulk.importers.gifts as gifts
    import donations.services.ledger_postings as ledger_postings
    import donations.services.offline as offline
    from donations.models import Donation

    spans = Spans(statements)
    spans.wrap(gifts, "in_chunks", "plan: look-ups (projects, keys, references)")
    spans.wrap(gifts, "offline_gift_errors", "plan: offline_gift_errors per row")
    spans.wrap(gifts, "donors_find_or_create", "write: donors_find_or_create")
    spans.wrap(offline, "in_chunks", "write: gift look-ups (keys, references)")
    spans.wrap(offline, "offline_gift_errors", "write: offline_gift_errors per row")
    spans.wrap(offline, "_received", "write: Donation objects built")
    spans.wrap(ledger_postings, "gifts_post_bulk", "write: ledger gifts_post_bulk")
    spans.wrap(ledger_postings, "chart_ensure", "ledger: chart_ensure")
    spans.wrap(ledger_postings, "project_fund_accounts", "ledger: project_fund_accounts")
    spans.wrap(ledger_postings, "_gift_request", "ledger: requests built (public_record)")
    spans.wrap(offline, "receipt_serials_assign_bulk", "write: receipt serials")
    spans.wrap(Donation.objects, "bulk_create", "write: Donation bulk_create")
    spans.wrap(gifts, "donations_record_offline_bulk", "write: donations_record_offline_bulk")
    if hasattr(offline, "_insert"):
        spans.wrap(offline, "_insert", "write: Donation rows INSERT (_insert)")
    import ledger.services.posting as posting

    # The ledger's internals are being optimised: measure whichever of these exist, say which do not.
    table = lambda first, *args, **kwargs: getattr(first, "__name__", first)  # noqa: E731 - a model or a table
    for name, label, key in [
        ("_validate_shape", "ledger: _validate_shape per request", None),
        ("acquire_writer_lock", "ledger: writer lock", None),
        ("_post_locked", "ledger: _post_locked (source look-up + append)", None),
        ("_already_posted", "ledger: sources already posted", None),
        ("_accounts_for", "ledger: accounts", None),
        ("_append", "ledger: _append (build + insert + totals)", None),
        ("_build_transaction", "ledger: _build_transaction (record text)", None),
        ("insert_objects", "ledger: INSERT", table),
        ("insert_rows", "ledger: INSERT", table),
        ("_update_totals", "ledger: _update_totals (+ account days)", None),
    ]:
        if hasattr(posting, name):
            spans.wrap(posting, name, label, key=key)
    return spans


def cpu_s() -> float:
    """This process's CPU time (user + system): on a shared machine, what the wall time would be with the CPU to
    ourselves, less the database server's share (PostgreSQL runs in its own processes)."""
    times = os.times()
    return times.user + times.system


def rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "charity.settings.test")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def child_base() -> dict:
    django_setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection

    start = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    projects = data.projects_ensure()
    user, created = get_user_model().objects.get_or_create(
        username=USERNAME, defaults={"email": f"{USERNAME}@example.org", "is_staff": True}
    )
    if created:
        user.groups.set(Group.objects.filter(name="财务"))
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return {"seconds": time.perf_counter() - start, "projects": [p.code for p in projects]}


class TimedImport:
    """``table_read`` + ``import_run(GiftImporter, dry_run=False)`` with a mark (time, statements) at each phase the
    engine reports through its progress callback."""

    PHASES = ("read", "parse", "duplicates", "plan", "plan→write", "write", "commit")

    def __init__(self, statements: Statements):
        self.statements = statements
        self.marks: list[tuple[str, float, int]] = []
        self.chunks: list[tuple[int, float]] = []

    def mark(self, label: str) -> None:
        if self.marks and self.marks[-1][0] == label:
            return  # the parse is reported every 5,000 rows and at the end
        self.marks.append((label, time.perf_counter(), self.statements.count))

    def progress(self, phase: str, done: int, total: int) -> None:
        if phase == "写入" and 0 < done:  # the importer reports each chunk it writes
            self.chunks.append((done, time.perf_counter()))
        if done == 0 and phase in ("校验", "写入"):
            self.mark("duplicates" if phase == "校验" else "plan→write")
        elif done == total:
            self.mark({"解析": "parse", "校验": "plan", "写入": "write"}[phase])

    def chunk_seconds(self) -> list[tuple[int, float]]:
        """(rows written so far, seconds since the previous report) for each chunk of the write."""
        start = next((t for label, t, _ in self.marks if label == "plan→write"), None)
        out = []
        for done, t in self.chunks:
            if start is not None and (not out or done != out[-1][0]):
                out.append((done, t - start))
                start = t
        return out

    def run(self, path: str, user):
        from django.db import connection

        from bulk.engine import import_run
        from bulk.files import table_read
        from bulk.importers.gifts import GiftImporter

        with connection.execute_wrapper(self.statements):
            cpu = cpu_s()
            self.mark("start")
            table = table_read(path)
            self.mark("read")
            result = import_run(GiftImporter(user), table, dry_run=False, progress=self.progress)
            self.mark("commit")
            self.cpu_s = cpu_s() - cpu
        return len(table.rows), result

    @property
    def seconds(self) -> float:
        return self.marks[-1][1] - self.marks[0][1]

    def phases(self) -> dict[str, tuple[float, int]]:
        pairs = zip(self.marks, self.marks[1:], strict=False)
        return {label: (t1 - t0, s1 - s0) for (_, t0, s0), (label, t1, s1) in pairs}


def child_ours(path: str, profile_to: str = "", gc_mode: str = "on") -> dict:
    django_setup()
    if gc_mode == "off":
        import gc

        gc.disable()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Sum

    from donations.models import Donation, DonationStatus, Donor
    from ledger.models import Leg, Transaction

    def counts() -> dict[str, int]:
        # Gifts of OFFLINE_GIFT_CONFIRMATION_AMOUNT or more are imported 待复核: they post when a second person
        # confirms them, so they have no transaction yet.
        pending = Donation.objects.filter(status=DonationStatus.AWAITING_CONFIRMATION).count()
        return {"gifts": Donation.objects.count(), "transactions": Transaction.objects.count(), "pending": pending}

    user = get_user_model().objects.get(username=USERNAME)
    before = counts()
    rss_start = rss_mb()
    statements = Statements(shapes=True)
    spans = instrument(statements)
    first = TimedImport(statements)
    profiler = None
    if profile_to:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    n, result = first.run(path, user)
    if profiler:
        profiler.disable()
        profile_write(profiler, profile_to)
    rss_import = rss_mb()
    assert result.imported, result.error_messages(10)
    spent = {label: list(span) for label, span in spans.spans.items()}
    del result
    after = counts()
    cents = Decimal("0.01")  # SQLite sums decimals as floats
    posted = Donation.objects.exclude(status=DonationStatus.AWAITING_CONFIRMATION)
    gift_sum = Decimal(str(posted.aggregate(s=Sum("amount"))["s"])).quantize(cents)
    debit_sum = Decimal(str(Leg.objects.filter(side="D").aggregate(s=Sum("amount"))["s"])).quantize(cents)

    # the same file again: everything is already there
    again = TimedImport(Statements())
    _n, second = again.run(path, user)
    final = counts()
    return {
        "rows": n,
        "total_s": first.seconds,
        "cpu_s": first.cpu_s,
        "phases": first.phases(),
        "chunks": first.chunk_seconds(),
        "slowest": statements.slowest(8),
        "statements": statements.count,
        "spans": spent,
        "missing": spans.missing,
        "rss_start_mb": rss_start,
        "rss_peak_mb": rss_import,
        "rss_after_reimport_mb": rss_mb(),
        "gifts_added": after["gifts"] - before["gifts"],
        "transactions_added": after["transactions"] - before["transactions"],
        "pending_added": after["pending"] - before["pending"],
        "donors": Donor.objects.count(),
        "gift_sum": str(gift_sum),
        "ledger_debits": str(debit_sum),
        "reimport": {
            "seconds": again.seconds,
            "cpu_s": again.cpu_s,
            "phases": again.phases(),
            "statements": again.statements.count,
            "counts": second.counts,
            "imported": second.imported,
            "gifts_added": final["gifts"] - after["gifts"],
            "transactions_added": final["transactions"] - after["transactions"],
        },
        "vendor": connection.vendor,
    }


def profile_write(profiler, path: str) -> None:
    import io
    import pstats

    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(30)
    Path(path).write_text(out.getvalue(), encoding="utf-8")


def child_baseline(path: str) -> dict:
    django_setup()
    import tablib
    from django.db import connection
    from import_export import fields, resources, widgets

    from donations.models import Donation
    from donations.models.donations import ValuationBasis
    from projects.models import Project

    class DonationResource(resources.ModelResource):
        """What a developer writes first: the model's fields, the project by its code."""

        project = fields.Field(
            attribute="project", column_name="project", widget=widgets.ForeignKeyWidget(Project, field="code")
        )
        # unique and nullable: a blank cell must be NULL, not "" (the stock CharWidget's default)
        bank_reference = fields.Field(
            attribute="bank_reference", column_name="bank_reference", widget=widgets.CharWidget(allow_blank=False)
        )

        class Meta:
            model = Donation
            fields = (
                "id",  # the default import_id_fields: absent from the file, so every row is new
                "project",
                "channel",
                "status",
                "requested_amount",
                "amount",
                "received_at",
                "bank_reference",
                "payer_name",
                "display_name",
                "message",
                "in_kind_description",
                "in_kind_quantity",
                "in_kind_unit",
                "valuation_basis",
            )

    start = time.perf_counter()
    loaded = tablib.Dataset().load(Path(path).read_bytes(), format="xlsx")
    load_s = time.perf_counter() - start
    channels = {"银行转账": "bank", "现金": "cash", "物资捐赠": "in_kind"}
    bases = {label: value for value, label in ValuationBasis.choices}
    headers = list(loaded.headers)
    col = {h: i for i, h in enumerate(headers)}
    dataset = tablib.Dataset(headers=[f for f in DonationResource.Meta.fields if f != "id"])
    for row in loaded:

        def cell(header, row=row):
            return row[col[header]]

        dataset.append(
            [
                cell("项目编号"),
                channels[cell("捐赠方式")],
                "succeeded",
                cell("金额(元)"),
                cell("金额(元)"),
                cell("到账日期"),
                cell("银行流水号"),
                cell("付款人"),
                cell("公开署名"),
                cell("附言"),
                cell("物资名称"),
                cell("数量"),
                cell("单位"),
                bases.get(cell("估值依据"), ""),
            ]
        )
    n = len(dataset)
    before = Donation.objects.count()
    statements = Statements(shapes=True)
    rss_start = rss_mb()
    with connection.execute_wrapper(statements):
        start, cpu = time.perf_counter(), cpu_s()
        result = DonationResource().import_data(dataset, dry_run=False)
        seconds, cpu = time.perf_counter() - start, cpu_s() - cpu
    assert not result.has_errors() and not result.has_validation_errors(), [
        (e.number, e.error) for e in result.base_errors + [x for r in result.rows for x in r.errors]
    ][:5]
    return {
        "rows": n,
        "load_s": load_s,
        "seconds": seconds,
        "cpu_s": cpu,
        "statements": statements.count,
        "shapes": statements.shapes.most_common(8),
        "new": result.totals["new"],
        "gifts_added": Donation.objects.count() - before,
        "rss_start_mb": rss_start,
        "rss_peak_mb": rss_mb(),
        "vendor": connection.vendor,
    }


# -- the report ---------------------------------------------------------------------------------------------


PHASE_NAMES = {
    "read": "read (table_read: zip check + calamine)",
    "parse": "parse (widgets, every cell)",
    "duplicates": "in-file duplicates",
    "plan": "plan (bulk look-ups, checks)",
    "plan→write": "(plan → write)",
    "write": "write (donors, ledger, serials, gifts)",
    "commit": "commit",
}


def report_ours(r: dict) -> None:
    n = r["rows"]
    print(
        f"\nours, {n:,} rows: {r['total_s']:.2f} s = {n / r['total_s']:,.0f} rows/s (this process's CPU "
        f"{r['cpu_s']:.1f} s), {r['statements']} statements, "
        f"peak RSS {r['rss_peak_mb']:.0f} MB (after Django setup {r['rss_start_mb']:.0f} MB)"
    )
    for label, (seconds, count) in r["phases"].items():
        print(f"  {PHASE_NAMES.get(label, label):<44} {seconds:8.3f} s {100 * seconds / r['total_s']:5.1f} % {count:6}")
    if len(r["chunks"]) > 1:
        print("  write by chunk (rows so far: s): " + ", ".join(f"{done:,}: {sec:.2f}" for done, sec in r["chunks"]))
    print("  inside (nested spans overlap; s, statements, calls):")
    for label, (seconds, count, calls) in sorted(r["spans"].items(), key=lambda kv: kv[0]):
        print(f"    {label:<58} {seconds:8.3f} s {count:6} {calls:8}")
    print("  slowest statement shapes (count, seconds in execute):")
    for sql, count, seconds in r["slowest"]:
        print(f"    {count:5} × {seconds:7.3f} s  {sql}")
    if r["missing"]:
        print(f"  (not found, not measured: {', '.join(r['missing'])})")
    print(
        f"  checks: gifts added {r['gifts_added']:,}, ledger transactions added {r['transactions_added']:,}, "
        f"donors {r['donors']}, gift sum ¥{r['gift_sum']} = ledger debits ¥{r['ledger_debits']}"
    )
    again = r["reimport"]
    print(
        f"  re-import: {again['seconds']:.2f} s, {again['statements']} statements, {again['counts']}, gifts added "
        f"{again['gifts_added']}, transactions added {again['transactions_added']}"
    )
    print(
        "    " + ", ".join(f"{label} {seconds:.2f} s ({count})" for label, (seconds, count) in again["phases"].items())
    )


def check_ours(r: dict, n: int) -> list[str]:
    problems = []
    if r["rows"] != n or r["gifts_added"] != n or r["transactions_added"] != n - r["pending_added"]:
        problems.append(
            f"expected {n} gifts and a transaction for each not awaiting confirmation: {r['gifts_added']}, "
            f"{r['transactions_added']} ({r['pending_added']} 待复核)"
        )
    if r["gift_sum"] != r["ledger_debits"]:
        problems.append(f"gift sum {r['gift_sum']} != ledger debits {r['ledger_debits']}")
    again = r["reimport"]
    if again["counts"]["skip"] != n or again["gifts_added"] or again["transactions_added"]:
        problems.append(f"re-import was not all SKIP: {again}")
    return problems


def machine() -> str:
    import sqlite3
    from importlib.metadata import version

    load = " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "?"
    return (
        f"nproc {os.cpu_count()}, {platform.machine()}, load average {load}; Python {platform.python_version()}, "
        f"Django {version('django')}, django-import-export {version('django-import-export')}, psycopg "
        f"{version('psycopg')}, SQLite {sqlite3.sqlite_version}, python-calamine {version('python-calamine')}"
    )


def shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def smoke_arguments(args) -> str:
    """--smoke: tiny sizes, --profile, data files and (SQLite) databases in a temporary folder removed at exit.
    Returns the migrated database to copy the template from (BENCH_SMOKE_TEMPLATE), or ""."""
    import atexit
    import tempfile

    import smoke

    args.rows, args.small, args.baseline_rows, args.profile, args.fresh_data = 40, 20, 10, True, True
    folder = Path(tempfile.mkdtemp(prefix="bench-smoke-import-"))
    atexit.register(shutil.rmtree, folder, True)
    data.DATA_DIR = folder
    url = os.environ.get("DATABASE_URL", "")
    args.db = smoke.pg_name("import", url) if smoke.is_postgres(url) else str(folder / "bench.sqlite3")
    return os.environ.get(smoke.TEMPLATE_ENV, "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000, help="a second size, for statements per size")
    parser.add_argument("--baseline-rows", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=data.SEED)
    parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx", help="ours only; the baseline reads xlsx")
    parser.add_argument(
        "--db",
        help="the database dropped and re-created for every run (PostgreSQL: default <DATABASE_URL's name>_import; "
        "SQLite: a file, default var/bench-import/bench.sqlite3); its template is <db>_base / <file>.base",
    )
    parser.add_argument("--gc", choices=("on", "off"), default="on", help="ours with the cyclic GC off (experiment)")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--profile", action="store_true", help="also a cProfile run of ours at --small")
    parser.add_argument("--fresh-data", action="store_true", help="regenerate the cached data files")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    parser.add_argument("--profile-to", default="", help=argparse.SUPPRESS)
    parser.add_argument("--smoke", action="store_true", help="40 and 20 rows, baseline 10, --profile, temporary (CI)")
    args = parser.parse_args()

    if args.child:
        result = {
            "base": child_base,
            "ours": lambda: child_ours(args.path, args.profile_to, args.gc),
            "baseline": lambda: child_baseline(args.path),
        }[args.child]()
        print("RESULT " + json.dumps(result, default=str), flush=True)
        return

    copy_of = smoke_arguments(args) if args.smoke else ""
    dbs = Databases(os.environ.get("DATABASE_URL", ""), args.db)
    if args.smoke:
        import atexit

        import smoke

        dbs.drop()  # what a killed run may have left
        atexit.register(dbs.drop)
        for name in (dbs.name, dbs.base_name):
            smoke.announce(dbs.vendor, name)
    print(f"{time.strftime('%Y-%m-%d %H:%M')}  {dbs.vendor} {dbs.name} (template {dbs.base_name}), gc {args.gc}")
    print(machine(), flush=True)
    start = time.perf_counter()
    sizes = sorted({args.small, args.rows}, reverse=True)
    files = {n: data.data_file(n, args.seed, fmt=args.format, fresh=args.fresh_data) for n in sizes}
    sample = None
    if not args.skip_baseline:
        sample = data.data_file(args.rows, args.seed, first=args.baseline_rows, fresh=args.fresh_data)
    for n, path in files.items():
        print(f"data: {shown(path)} ({path.stat().st_size / 1e6:.1f} MB, {n:,} rows)")
    print(f"data files ready in {time.perf_counter() - start:.1f} s", flush=True)

    dbs.base_prepare(copy_of)
    base = child("base", dbs.base_url)
    print(f"template migrated, projects {', '.join(base['projects'])} ({base['seconds']:.1f} s)", flush=True)

    ours = {}
    problems = []
    for n in sizes:
        dbs.reset()
        ours[n] = child("ours", dbs.url, "--path", str(files[n]), "--gc", args.gc)
        report_ours(ours[n])
        problems += check_ours(ours[n], n)
    baseline = None
    if sample is not None:
        dbs.reset()
        baseline = child("baseline", dbs.url, "--path", str(sample))
        b = baseline
        print(
            f"\nbaseline ModelResource.import_data, {b['rows']:,} rows: {b['seconds']:.2f} s "
            f"(CPU {b['cpu_s']:.1f} s) = "
            f"{b['rows'] / b['seconds']:,.0f} rows/s, {b['statements']} statements "
            f"({b['statements'] / b['rows']:.1f} per row); tablib load of the XLSX {b['load_s']:.2f} s "
            f"(→ {b['rows'] / (b['seconds'] + b['load_s']):,.0f} rows/s with it); peak RSS {b['rss_peak_mb']:.0f} MB; "
            f"gifts added {b['gifts_added']:,} (new {b['new']:,})"
        )
        for sql, count in b["shapes"]:
            print(f"  {count:7} × {sql}")
        if b["gifts_added"] != b["rows"]:
            problems.append(f"baseline added {b['gifts_added']} of {b['rows']}")
    if args.profile:
        dbs.reset()
        target = data.DATA_DIR / f"profile-{dbs.vendor}-{args.small}.txt"
        child("ours", dbs.url, "--path", str(files[args.small]), "--profile-to", str(target))
        print(f"\nprofile: {shown(target)}")

    big = ours[args.rows]
    ours_rate = big["rows"] / big["total_s"]
    print(f"\nsummary ({dbs.vendor}):")
    for n in sizes:
        r = ours[n]
        print(
            f"  ours {n:>7,} rows: {r['total_s']:7.2f} s (CPU {r['cpu_s']:5.1f} s), {n / r['total_s']:7,.0f} rows/s, "
            f"{r['statements']:4} "
            f"statements, peak RSS {r['rss_peak_mb']:5.0f} MB; re-import {r['reimport']['seconds']:.2f} s "
            f"({r['reimport']['statements']} statements, all skip: {r['reimport']['counts']['skip'] == n})"
        )
    if baseline:
        rate = baseline["rows"] / baseline["seconds"]
        print(
            f"  baseline {baseline['rows']:,} rows: {rate:,.0f} rows/s → {args.rows:,} rows ≈ "
            f"{args.rows / rate:,.0f} s (extrapolated)"
        )
        print(f"  ratio ours / baseline rows/s: {ours_rate / rate:.1f}× (target ≥ 7×)")
        cpu_ratio = (big["rows"] / big["cpu_s"]) / (baseline["rows"] / baseline["cpu_s"])
        print(f"  the same in rows per second of this process's CPU: {cpu_ratio:.1f}×")
    print(
        f"  ours {args.rows:,} rows wall: {big['total_s']:.1f} s (target ≤ 20 s), peak RSS {big['rss_peak_mb']:.0f} MB"
    )
    if problems:
        print("\nPROBLEMS:\n  " + "\n  ".join(problems))
        sys.exit(1)
    print(f"\nall checks passed; {time.perf_counter() - start:.0f} s in all")


if __name__ == "__main__":
    main()
