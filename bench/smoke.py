"""Smoke mode, shared by every benchmark: ``bench/X.py --smoke`` runs the benchmark's whole code path at the tiniest
sizes, prints its ratio lines and exits non-zero on any error or failed check, in seconds, in a throw-away database.
``tests/bench/test_smoke.py`` runs each one, so a benchmark that stops working fails ``make test`` (and CI).

The throw-away database: on PostgreSQL (DATABASE_URL ``postgres://…/NAME``) the database ``NAME_smoke_<bench>`` on the
same server, dropped first if a killed run left it and dropped again at exit; the URL's own database is never
touched. Otherwise a SQLite file in a new temporary folder, deleted at exit.

Migrating this project takes most of a smoke run's time (~15 s of CPU), so the tests migrate once: with
``BENCH_SMOKE_TEMPLATE`` set (a PostgreSQL database name, or a SQLite file), the throw-away database starts as a copy
of it (``CREATE DATABASE … TEMPLATE``, or a file copy) and the benchmark's own ``migrate`` finds nothing to do.

    .venv/bin/python bench/smoke.py template [--path FILE]   # make and migrate that template; prints its name
    .venv/bin/python bench/smoke.py drop NAME                # drop it
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_ENV = "BENCH_SMOKE_TEMPLATE"


@dataclass
class Throwaway:
    vendor: str
    name: str  # PostgreSQL: the database's name; SQLite: the file's path
    url: str
    admin_url: str = ""  # PostgreSQL: the server's maintenance database, to create and drop ours

    def drop(self) -> None:
        if self.vendor == "postgresql":
            _pg(self.admin_url, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        else:
            shutil.rmtree(Path(self.name).parent, ignore_errors=True)


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://"))


def _pg(admin_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql)


def pg_name(suffix: str, url: str | None = None) -> str:
    """``<DATABASE_URL's name>_smoke_<suffix>``: distinct per developer and per CI run, as the URL's name is."""
    url = os.environ.get("DATABASE_URL", "") if url is None else url
    base = urlsplit(url).path.lstrip("/") or "charity"
    return f"{base}_smoke_{suffix}"[:63]


def throwaway_create(suffix: str) -> Throwaway:
    """A fresh database for the benchmark ``suffix`` (see the module docstring), a copy of the template if one is
    named in BENCH_SMOKE_TEMPLATE. Nothing is changed in the environment."""
    url = os.environ.get("DATABASE_URL", "")
    template = os.environ.get(TEMPLATE_ENV, "")
    if is_postgres(url):
        parts = urlsplit(url)
        name = pg_name(suffix, url)
        if name == parts.path.lstrip("/"):
            sys.exit(f"refusing to use DATABASE_URL's own database {name}")
        db = Throwaway(
            "postgresql",
            name,
            urlunsplit(parts._replace(path=f"/{name}")),
            urlunsplit(parts._replace(path="/postgres", query="")),
        )
        _pg(db.admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _pg(db.admin_url, f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    else:
        path = Path(tempfile.mkdtemp(prefix=f"bench-smoke-{suffix}-")) / "bench.sqlite3"
        if template:
            shutil.copyfile(template, path)
        db = Throwaway("sqlite", str(path), f"sqlite:///{path}")
    announce(db.vendor, db.name)
    return db


def announce(vendor: str, name: str) -> None:
    """The line tests/bench reads to check that the database is gone afterwards."""
    print(f"smoke: throw-away {vendor} database {name}", flush=True)


def throwaway_use(suffix: str) -> Throwaway:
    """Create the throw-away database, point DATABASE_URL at it (call before ``django.setup()``) and drop it when
    the process exits, whatever the outcome."""
    db = throwaway_create(suffix)
    os.environ["DATABASE_URL"] = db.url
    atexit.register(_drop_at_exit, db)
    return db


def _drop_at_exit(db: Throwaway) -> None:
    try:
        from django.db import connections

        connections.close_all()
    except Exception:  # noqa: BLE001, S110 - Django may never have been set up
        pass
    db.drop()


def template_create(path: str | None) -> str:
    """Migrate a template for the throw-away databases; returns the value for BENCH_SMOKE_TEMPLATE."""
    url = os.environ.get("DATABASE_URL", "")
    if is_postgres(url):
        name = pg_name("template", url)
        parts = urlsplit(url)
        admin = urlunsplit(parts._replace(path="/postgres", query=""))
        _pg(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _pg(admin, f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
    else:
        name = path or str(Path(tempfile.mkdtemp(prefix="bench-smoke-template-")) / "template.sqlite3")
        os.environ["DATABASE_URL"] = f"sqlite:///{name}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "charity.settings.test")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # the whole database in the one file that is copied
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.execute("PRAGMA journal_mode=DELETE")
    connection.close()
    return name


def template_drop(name: str) -> None:
    url = os.environ.get("DATABASE_URL", "")
    if is_postgres(url):
        admin = urlunsplit(urlsplit(url)._replace(path="/postgres", query=""))
        _pg(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        Path(name).unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("template", help="create and migrate the template; prints its name")
    make.add_argument("--path", help="SQLite: the template file (default: in a new temporary folder)")
    drop = sub.add_parser("drop", help="drop a template made by `template`")
    drop.add_argument("name")
    args = parser.parse_args()
    if args.command == "template":
        print(template_create(args.path))
    else:
        template_drop(args.name)


if __name__ == "__main__":
    main()
