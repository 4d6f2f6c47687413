"""Staff manage projects and project pages in the Wagtail admin (in Chinese)."""

import json

import pytest
from django.contrib.auth import get_user_model
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from cms.models import ProjectIndexPage, ProjectPage
from projects.models import Project

pytestmark = pytest.mark.django_db

PROJECT_FORM = {
    "code": "AJSW",
    "name": "爱肾无忧",
    "category": "medical",
    "status": "fundraising",
    "is_restricted": "on",
    "target_amount": "200000.00",
    "currency": "CNY",
    "start_date": "2026-01-01",
    "end_date": "",
    "filing_number": "演示备案-0009",
    "eligibility": "困难肾病患者",
    "funding_standard": "每人最高 5000 元",
    "donation_presets": "100,500,1000",
}


@pytest.fixture
def staff_client(client):
    user = get_user_model().objects.create_superuser("editor", "editor@example.org", "pw")
    client.force_login(user)
    return client


def test_admin_is_in_chinese_by_default(staff_client):
    html = staff_client.get("/admin/").content.decode()
    assert '<html lang="zh-hans"' in html
    assert "控制面板" in html  # Wagtail's own Chinese
    assert json.dumps("慈善项目") in html  # our menu item, in the sidebar's JSON


def test_project_listing_with_search_and_filters(staff_client, demo_site):
    response = staff_client.get("/admin/projects/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "血透100" in html and "爱心复明" in html
    assert "项目类别" in html and "项目状态" in html  # filter labels
    html = staff_client.get("/admin/projects/", {"q": "复明"}).content.decode()
    assert "爱心复明" in html and "血透100" not in html
    html = staff_client.get("/admin/projects/", {"status": "closed"}).content.decode()
    assert "慈心红包" in html and "血透100" not in html


def test_staff_can_create_a_project(staff_client):
    response = staff_client.post("/admin/projects/new/", PROJECT_FORM)
    assert response.status_code == 302, response.content.decode()[:2000]
    project = Project.objects.get(code="AJSW")
    assert project.name == "爱肾无忧"
    assert project.preset_amounts == [100, 500, 1000]
    assert str(project.target_amount) == "200000.00"


def test_bad_project_input_gets_chinese_errors_and_nothing_is_saved(staff_client):
    data = {**PROJECT_FORM, "code": "ajsw", "target_amount": "0", "end_date": "2025-01-01"}
    response = staff_client.post("/admin/projects/new/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "项目编号须以大写字母开头" in html
    assert not Project.objects.exists()


def test_illegal_status_change_is_refused_in_the_admin(staff_client, demo_site):
    project = Project.objects.get(code="CXHB")  # closed
    data = {
        **PROJECT_FORM,
        "code": "CXHB",
        "name": project.name,
        "status": "fundraising",
        "start_date": "2022-01-01",
        "end_date": "2022-02-28",
    }
    response = staff_client.post(f"/admin/projects/edit/{project.pk}/", data)
    assert response.status_code == 200
    assert "项目状态不能从" in response.content.decode()
    project.refresh_from_db()
    assert project.status == "closed"


def test_staff_can_create_a_project_page(staff_client, demo_site, client):
    project = Project.objects.create(
        code="AJSW", name="爱肾无忧", category="medical", target_amount="200000.00", start_date="2026-01-01"
    )
    index = ProjectIndexPage.objects.get()
    data = nested_form_data(
        {
            "title": "爱肾无忧",
            "slug": "kidney-care",
            "project": project.pk,
            "summary": "为困难肾病患者提供医疗救助。",
            "cover_image": "",
            "cover_alt": "",
            "story": streamfield([("paragraph", rich_text("<p>肾病患者的长期治疗负担沉重。</p>"))]),
            "updates": inline_formset([{"date": "2026-02-01", "title": "项目启动", "body": rich_text("<p>启动</p>")}]),
            "action-publish": "publish",
        }
    )
    response = staff_client.post(f"/admin/pages/add/cms/projectpage/{index.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    page = ProjectPage.objects.get(slug="kidney-care")
    assert page.live and page.project == project
    html = client.get("/projects/kidney-care/").content.decode()
    assert "爱肾无忧" in html and "肾病患者的长期治疗负担沉重" in html and 'role="progressbar"' in html


def test_preset_amounts_are_validated(staff_client):
    response = staff_client.post("/admin/projects/new/", {**PROJECT_FORM, "donation_presets": "100,abc,-5"})
    assert response.status_code == 200
    assert "金额选项请用逗号分隔的正数" in response.content.decode()
    assert not Project.objects.filter(code="AJSW").exists()
