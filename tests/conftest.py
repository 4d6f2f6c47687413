"""Shared fixtures. PostgreSQL-only tests carry ``@pytest.mark.postgres`` and are reported as
deselected (not silently passed) when the suite runs on SQLite."""

import pytest
from django.core.cache import caches
from django.db import connection
from django.utils import translation

from charity.demo.loader import load_demo
from tests.factories import staff_user


def pytest_collection_modifyitems(config, items):
    _serialize_transactional_tests(items)
    if connection.vendor == "postgresql":
        return
    selected, deselected = [], []
    for item in items:
        (deselected if item.get_closest_marker("postgres") else selected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


def _serialize_transactional_tests(items):
    """Every ``transaction=True`` test restores the migrated data (content types, Wagtail's root page) instead of
    leaving a flushed database whose re-created content types collide with the next serialized-rollback test
    (the live-server and browser tests need that data)."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction") and not marker.kwargs.get("serialized_rollback"):
            item.add_marker(pytest.mark.django_db(**{**marker.kwargs, "serialized_rollback": True}), append=False)


def pytest_report_header(config):
    return f"database: {connection.vendor} ({connection.settings_dict['NAME']})"


@pytest.fixture
def demo_site(db):
    """The demo charity, loaded exactly as `make run` loads it."""
    load_demo()


@pytest.fixture(autouse=True)
def _default_language():
    """A request to /en/ leaves English active in the thread that served it; the next test starts in the site's
    default language again."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded and generated images go to a per-test folder; Wagtail's rendition cache must not
    point a later test at an earlier test's files."""
    settings.MEDIA_ROOT = tmp_path / "media"
    for cache in caches.all():
        cache.clear()
    yield
    for cache in caches.all():
        cache.clear()


# Staff in each group (charity.groups): the disbursement, import and export tests share them.


@pytest.fixture
def officer(db):
    return staff_user("guanyuan", "项目官员")


@pytest.fixture
def approver(db):
    return staff_user("shenhe", "审核人")  # reads beneficiaries and disbursements, may not reveal


@pytest.fixture
def approver2(db):
    return staff_user("shenhe2", "审核人")


@pytest.fixture
def finance(db):
    return staff_user("caiwu", "财务")


@pytest.fixture
def auditor(db):
    return staff_user("shenji", "审计")


@pytest.fixture
def editor(db):
    return staff_user("bianji", "编辑")
