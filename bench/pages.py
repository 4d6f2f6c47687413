"""Public page rendering at scale, as a ratio to a bare Django baseline measured in the same run.

    .venv/bin/python bench/pages.py [--projects 300] [--repeat 30]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/charity_bench .venv/bin/python bench/pages.py
    .venv/bin/python bench/pages.py --smoke   # 3 projects, 2 runs each, in a throw-away database (bench/smoke.py)

Generates N projects with a page each (deterministic data) in a throw-away database, then times:
- the project index page (all N cards, filters, progress bars) and one project page, through the full stack
  (middleware, Wagtail routing, templates) with Django's test client;
- the baseline: a plain Django template listing the same N projects' names and targets from one query.
Prints medians, p95s, the ratio to the baseline and the number of SQL queries per page.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _setup_database(smoke: bool) -> str:
    if smoke:
        import smoke as smoke_mode

        smoke_mode.throwaway_use("pages")
    elif "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "charity.settings.test")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()
    from django.db import connection

    # Work in a test database so a PostgreSQL URL's own data is never touched (the smoke mode's is one already).
    old_name = connection.settings_dict["NAME"]
    if smoke:
        call_command("migrate", verbosity=0, interactive=False)
    else:
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    return old_name


def generate(n: int) -> None:
    """N projects with a published page each (deterministic)."""
    from cms.models import ProjectIndexPage, ProjectPage
    from projects.models import Category, Project, Status

    index = ProjectIndexPage.objects.get()
    categories, statuses = list(Category), [Status.FUNDRAISING, Status.IMPLEMENTING, Status.CLOSED]
    for i in range(n):
        project = Project.objects.create(
            code=f"B{i:05d}",
            name=f"基准项目{i}",
            category=categories[i % len(categories)],
            status=statuses[i % 3],
            target_amount=Decimal(10000 + i),
            start_date=date(2026, 1, 1),
        )
        page = ProjectPage(title=project.name, slug=f"bench-{i}", project=project, summary="基准测试项目。")
        index.add_child(instance=page)


def timed(fn, repeat: int) -> list[float]:
    fn()  # warm caches and templates
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def p95(samples: list[float]) -> float:
    return sorted(samples)[max(0, int(len(samples) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--smoke", action="store_true", help="3 projects, 2 runs, a throw-away database (CI)")
    args = parser.parse_args()
    if args.smoke:
        args.projects, args.repeat = 3, 2
    old_name = _setup_database(args.smoke)
    generate(args.projects)

    from django.db import connection
    from django.template import engines
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from projects.models import Project

    client = Client()
    baseline_template = engines["django"].from_string(
        "<ul>{% for p in projects %}<li>{{ p.name }} {{ p.target_amount }}</li>{% endfor %}</ul>"
    )

    def baseline():
        return baseline_template.render({"projects": list(Project.objects.all())})

    def index():
        assert client.get("/projects/").status_code == 200

    one_project = f"/projects/bench-{min(7, args.projects - 1)}/"

    def project_page():
        assert client.get(one_project).status_code == 200

    def home():
        assert client.get("/").status_code == 200

    base = timed(baseline, args.repeat)
    print(f"database: {connection.vendor}; projects: {Project.objects.count()}; repeat: {args.repeat}")
    print(f"{'page':<22}{'median ms':>10}{'p95 ms':>10}{'x baseline':>12}{'queries':>9}")
    print(f"{'baseline (bare list)':<22}{statistics.median(base):>10.1f}{p95(base):>10.1f}{1.0:>12.1f}{1:>9}")
    for name, fn in [("home /", home), ("index /projects/", index), ("project page", project_page)]:
        samples = timed(fn, args.repeat)
        with CaptureQueriesContext(connection) as ctx:
            fn()
        ratio = statistics.median(samples) / statistics.median(base)
        print(
            f"{name:<22}{statistics.median(samples):>10.1f}{p95(samples):>10.1f}{ratio:>12.1f}"
            f"{len(ctx.captured_queries):>9}"
        )
    if not args.smoke:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
