from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command
from wagtail.images.models import Image
from wagtail.models import Collection, Locale, Page, Revision, Site

from charity.demo import content
from cms.models import ProjectPage
from projects.models import Project

pytestmark = pytest.mark.django_db


def _snapshot():
    counts = {model._meta.label: model.objects.count() for model in apps.get_models()}
    pages = list(Page.objects.order_by("path").values_list("path", "title", "live", "latest_revision_id"))
    return counts, pages


def test_load_demo_creates_the_seed_programmes(demo_site):
    projects = {p.code: p for p in Project.objects.all()}
    assert {"XT100", "GEZX", "AXFM", "LSJZ"} <= set(projects)
    assert projects["XT100"].name == "血透100"
    assert projects["GEZX"].name == "福彩圆梦·孤儿助学"
    # 94.5万元 for 126 students, as the 广安 report says.
    assert projects["GEZX"].target_amount == Decimal("945000.00")
    assert "126" in projects["GEZX"].funding_standard or "7500" in projects["GEZX"].funding_standard
    for project in projects.values():
        project.full_clean()
        assert "演示" in project.filing_number


def test_load_demo_twice_changes_nothing(capsys):
    call_command("load_demo")
    first = _snapshot()
    capsys.readouterr()
    call_command("load_demo")
    assert _snapshot() == first
    assert "nothing changed" in capsys.readouterr().out


def test_load_demo_does_not_overwrite_staff_edits():
    call_command("load_demo")
    project = Project.objects.get(code="XT100")
    project.name = "血透100(已由工作人员修改)"
    project.save()
    revisions = Revision.objects.count()
    call_command("load_demo")
    assert Project.objects.get(code="XT100").name == "血透100(已由工作人员修改)"
    assert Revision.objects.count() == revisions


def test_demo_quotes_the_seed_figures(demo_site, client):
    html = client.get("/projects/emergency-relief/").content.decode()
    assert "3869" in html and "1208.2" in html  # 合川: 全年共计救助3869人次,发放资金1208.2万元
    html = client.get("/projects/orphan-education/").content.decode()
    assert "126" in html and "94.5" in html


def test_load_demo_builds_the_tree_even_on_a_flushed_database():
    Site.objects.all().delete()
    Page.objects.all().delete()
    Locale.objects.all().delete()
    Image.objects.all().delete()
    Collection.objects.all().delete()
    call_command("load_demo")
    site = Site.objects.get(is_default_site=True)
    assert site.root_page.specific_class.__name__ == "HomePage"
    assert ProjectPage.objects.live().count() == len(content.PROJECTS)
