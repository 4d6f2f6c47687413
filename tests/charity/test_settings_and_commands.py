"""Settings refuse to run unsafely; the README's two commands exist; the admin account is ensured."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


PRODUCTION_VARS = {
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DJANGO_SETTINGS_MODULE",
    "LEDGER_SIGNING_KEY",
    "LEDGER_SIGNING_KEY_FILE",
    "LEDGER_PSEUDONYM_KEY",
    "PERSONAL_DATA_KEY",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "ALLOW_SANDBOX_PAYMENTS",
    "SANDBOX_WEBHOOK_SECRET",
}
LEDGER_ENV = {
    "LEDGER_SIGNING_KEY": "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=",
    "LEDGER_PSEUDONYM_KEY": "p" * 40,
    "PERSONAL_DATA_KEY": "k" * 40,
    "STRIPE_SECRET_KEY": "sk_live_example",
    "STRIPE_WEBHOOK_SECRET": "whsec_example",
}


def _run_python(code: str, **env_overrides):
    """Run ``code`` in a fresh interpreter whose environment has none of the production variables."""
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION_VARS}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def _run_production(**env_overrides):
    return _run_python(
        "import django; django.setup(); print('started')",
        **env_overrides,
        DJANGO_SETTINGS_MODULE="charity.settings.production",
    )


def test_production_refuses_to_start_without_secret_key():
    result = _run_production(ALLOWED_HOSTS="charity.example.org", **LEDGER_ENV)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
    assert "started" not in result.stdout


def test_production_refuses_to_start_without_allowed_hosts():
    result = _run_production(SECRET_KEY="x" * 50, **LEDGER_ENV)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set" in result.stderr


def test_production_refuses_to_start_without_a_ledger_signing_key():
    result = _run_production(SECRET_KEY="x" * 50, ALLOWED_HOSTS="charity.example.org", LEDGER_PSEUDONYM_KEY="p" * 40)
    assert result.returncode != 0
    assert "LEDGER_SIGNING_KEY must be set" in result.stderr


def test_production_refuses_a_malformed_or_missing_signing_key(tmp_path):
    base = {
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "charity.example.org",
        "LEDGER_PSEUDONYM_KEY": "p" * 40,
        "PERSONAL_DATA_KEY": "k" * 40,
        "STRIPE_SECRET_KEY": "sk_live_example",
        "STRIPE_WEBHOOK_SECRET": "whsec_example",
    }
    result = _run_production(**base, LEDGER_SIGNING_KEY="not-a-key")
    assert result.returncode != 0 and "32-byte Ed25519 private key" in result.stderr
    result = _run_production(**base, LEDGER_SIGNING_KEY_FILE=str(tmp_path / "missing.key"))
    assert result.returncode != 0 and "cannot be read" in result.stderr
    key_file = tmp_path / "signing.key"
    key_file.write_text(LEDGER_ENV["LEDGER_SIGNING_KEY"] + "\n")
    assert _run_production(**base, LEDGER_SIGNING_KEY_FILE=str(key_file)).returncode == 0


def test_production_refuses_to_start_without_the_personal_data_key():
    env = {k: v for k, v in LEDGER_ENV.items() if k != "PERSONAL_DATA_KEY"}
    result = _run_production(SECRET_KEY="x" * 50, ALLOWED_HOSTS="charity.example.org", **env)
    assert result.returncode != 0
    assert "PERSONAL_DATA_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_a_payment_gateway():
    base = {"SECRET_KEY": "s" * 50, "ALLOWED_HOSTS": "example.org", **LEDGER_ENV}
    no_stripe = {k: v for k, v in base.items() if not k.startswith("STRIPE_")}
    result = _run_production(**no_stripe)
    assert result.returncode != 0 and "STRIPE_SECRET_KEY must be set" in result.stderr
    result = _run_production(**{**base, "STRIPE_WEBHOOK_SECRET": ""})
    assert result.returncode != 0 and "STRIPE_WEBHOOK_SECRET must be set" in result.stderr
    # A staging site may run the sandbox, but only with its own webhook secret.
    result = _run_production(**no_stripe, ALLOW_SANDBOX_PAYMENTS="true")
    assert result.returncode != 0 and "SANDBOX_WEBHOOK_SECRET must be set" in result.stderr
    assert _run_production(**no_stripe, ALLOW_SANDBOX_PAYMENTS="true", SANDBOX_WEBHOOK_SECRET="x" * 32).returncode == 0


def test_wsgi_defaults_to_production_settings():
    result = _run_python("import charity.wsgi")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_starts_with_both():
    result = _run_production(
        SECRET_KEY="x" * 50, ALLOWED_HOSTS="charity.example.org,www.charity.example.org", **LEDGER_ENV
    )
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_locale_time_zone_and_tasks_settings():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True
    assert settings.TASKS["default"]["BACKEND"] == "django_tasks.backends.immediate.ImmediateBackend"
    assert settings.DATABASES["default"]["ENGINE"] in {"django.db.backends.sqlite3", "django.db.backends.postgresql"}


def test_default_database_is_sqlite_under_var(monkeypatch):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    code = "from charity.settings import base; d = base.DATABASES['default']; print(d['ENGINE'], d['NAME'])"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    engine, name = out.stdout.split()
    assert engine == "django.db.backends.sqlite3"
    assert Path(name) == ROOT / "var" / "db.sqlite3"


def test_database_url_selects_postgresql():
    env = {**os.environ, "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/somedb"}
    code = "from charity.settings import base; d = base.DATABASES['default']; print(d['ENGINE'], d['NAME'], d['HOST'])"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["django.db.backends.postgresql", "somedb", "127.0.0.1"]


def test_readme_commands_are_makefile_targets():
    makefile = (ROOT / "Makefile").read_text()
    readme = (ROOT / "README.md").read_text()
    for target in ("run", "test"):
        assert re.search(rf"^{target}:", makefile, re.MULTILINE), f"no `{target}` target"
        assert f"make {target}" in readme
    dry = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for step in ("migrate", "load_demo", "ensure_admin", "runserver 127.0.0.1:8000"):
        assert step in dry
    dry = subprocess.run(["make", "-n", "test"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "pytest" in dry and "system-deps test" in dry


def test_ci_script_runs_both_databases_ruff_and_migrations_check():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci and "postgres://postgres@127.0.0.1:5432/" in ci
    assert "ruff check" in ci and "makemigrations --check --dry-run" in ci


@pytest.mark.django_db
def test_ensure_admin_generates_a_password_once(monkeypatch, capsys):
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    monkeypatch.setenv("ADMIN_USERNAME", "boss")
    call_command("ensure_admin")
    out = capsys.readouterr().out
    password = re.search(r"Generated password \(shown only this once\): (\S+)", out).group(1)
    user = get_user_model().objects.get(username="boss")
    assert user.is_superuser and user.check_password(password)
    call_command("ensure_admin")
    second = capsys.readouterr().out
    assert "already exists" in second and password not in second


@pytest.mark.django_db
def test_ensure_admin_uses_credentials_from_env(monkeypatch, capsys):
    monkeypatch.setenv("ADMIN_USERNAME", "finance")
    monkeypatch.setenv("ADMIN_PASSWORD", "s3cret-from-env")
    call_command("ensure_admin")
    assert "Generated password" not in capsys.readouterr().out
    assert get_user_model().objects.get(username="finance").check_password("s3cret-from-env")
