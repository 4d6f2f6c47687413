"""The benchmarks' smoke runs share one migrated template database (bench/smoke.py), made once per session on the
suite's own database server (DATABASE_URL; a SQLite file when it is unset), so that each run copies it instead of
migrating from scratch."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_ENV = "BENCH_SMOKE_TEMPLATE"  # bench/smoke.py reads it


def smoke_command(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter and scripts
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False
    )


@pytest.fixture(scope="session")
def bench_env(tmp_path_factory):
    """The environment the benchmarks run in: the suite's DATABASE_URL (if any) and the template's name."""
    env = {k: v for k, v in os.environ.items() if k != TEMPLATE_ENV}
    path = tmp_path_factory.mktemp("bench-smoke") / "template.sqlite3"
    made = smoke_command("bench/smoke.py", "template", "--path", str(path), env=env)
    assert made.returncode == 0, made.stdout + made.stderr
    name = made.stdout.strip().splitlines()[-1]
    yield {**env, TEMPLATE_ENV: name}
    smoke_command("bench/smoke.py", "drop", name, env=env)
