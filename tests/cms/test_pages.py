"""The public pages render their key content, in Chinese at / and in English under /en/."""

import re

import pytest
from wagtail.models import Site

from cms.models import ProjectPage
from projects.models import Project
from projects.selectors import project_funding

pytestmark = pytest.mark.django_db

DEMO_PROJECTS = {
    "xuetou-100": "血透100",
    "orphan-education": "福彩圆梦·孤儿助学",
    "emergency-relief": "临时救助",
}
CLOSED_DEMO_PROJECTS = {"red-envelope": "慈心红包", "cataract-surgery": "爱心复明"}  # 爱心复明: 结项 by the demo books


def test_home_page_lists_active_demo_projects(client, demo_site):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-Hans">' in html
    for slug, name in DEMO_PROJECTS.items():
        assert f'href="/projects/{slug}/"' in html
        assert name in html
    # A closed project is not featured on the home page.
    for slug in CLOSED_DEMO_PROJECTS:
        assert f"/projects/{slug}/" not in html


@pytest.mark.parametrize(("slug", "name"), DEMO_PROJECTS.items())
def test_project_page_shows_name_story_target_and_progress(client, demo_site, slug, name):
    page = ProjectPage.objects.get(slug=slug)
    response = client.get(f"/projects/{slug}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(rf"<h1[^>]*>\s*{re.escape(name)}\s*</h1>", html)
    assert 'role="progressbar"' in html
    funding = project_funding(page.project)
    assert funding.raised > 0  # the demo gifts are posted through the ledger
    assert f'aria-valuenow="{funding.percent_raised}"' in html
    for amount in (page.project.target_amount, funding.raised, funding.spent, funding.available):
        assert f"¥{amount:,.2f}" in html
    first_paragraph = page.story[0].value.source
    assert re.sub(r"</?p>", "", first_paragraph)[:20] in html
    assert "项目进展" in html
    assert page.project.filing_number in html


def test_the_closed_demo_project_says_where_its_leftover_went(client, demo_site):
    """爱心复明 was closed by the demo books with its leftover transferred to 临时救助: both pages say so, with the
    amount and the date of the ledger's transfer."""
    from projects.models import ProjectClosure

    closure = ProjectClosure.objects.get(project__code="AXFM")
    moved = closure.transaction.legs.first().amount
    day = closure.transaction.occurred_at.astimezone(closure.transaction.occurred_at.tzinfo)
    closed = client.get("/projects/cataract-surgery/").content.decode()
    assert f"结余 ¥{moved:,.2f}" in closed and "转入 临时救助" in closed and "依据募捐方案第 5 条" in closed
    receiving = client.get("/projects/emergency-relief/").content.decode()
    assert f"¥{moved:,.2f}" in receiving and "爱心复明" in receiving
    assert day.year >= 2026


def test_project_page_figures_come_from_the_selector(client, demo_site, monkeypatch):
    from decimal import Decimal

    import cms.models
    from projects.selectors import FundingSummary

    def fake_funding(project):
        return FundingSummary(
            target=Decimal("1000.00"), raised=Decimal("250.00"), spent=Decimal("50.00"), currency="CNY"
        )

    monkeypatch.setattr(cms.models, "project_funding", fake_funding)
    html = client.get("/projects/xuetou-100/").content.decode()
    assert 'aria-valuenow="25"' in html
    assert "¥250.00" in html
    assert "¥200.00" in html  # available = raised - spent


def test_project_index_lists_all_projects_including_closed(client, demo_site):
    html = client.get("/projects/").content.decode()
    for slug in [*DEMO_PROJECTS, *CLOSED_DEMO_PROJECTS]:
        assert f'href="/projects/{slug}/"' in html
    assert "共 5 个项目" in html


def test_project_index_filters_by_category(client, demo_site):
    html = client.get("/projects/", {"category": "medical"}).content.decode()
    assert "/projects/xuetou-100/" in html
    assert "/projects/cataract-surgery/" in html
    assert "/projects/orphan-education/" not in html
    assert "共 2 个项目" in html


def test_project_index_filters_by_status(client, demo_site):
    html = client.get("/projects/", {"status": "closed"}).content.decode()
    assert "/projects/red-envelope/" in html
    assert "/projects/xuetou-100/" not in html


def test_project_index_combines_filters(client, demo_site):
    html = client.get("/projects/", {"category": "education", "status": "implementing"}).content.decode()
    assert "/projects/orphan-education/" in html
    assert "共 1 个项目" in html


def test_unknown_filter_value_is_reported_in_chinese_not_ignored(client, demo_site):
    response = client.get("/projects/", {"category": "bogus"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "bogus" in html  # Django's message names the bad choice
    assert "没有符合条件的项目" in html


def test_standard_pages_render(client, demo_site):
    for slug, title in [("about", "关于我们"), ("contact", "联系我们"), ("disclosure", "信息公开")]:
        response = client.get(f"/{slug}/")
        assert response.status_code == 200
        assert re.search(rf"<h1[^>]*>\s*{title}\s*</h1>", response.content.decode())


def test_footer_shows_organisation_certificate_and_contact(client, demo_site):
    html = client.get("/about/").content.decode()
    assert "示范市慈善总会(演示)" in html
    assert "公开募捐资格证书编号" in html
    assert "演示-公募证书-370300-0001" in html
    assert "0533-0000000" in html
    assert "https://cszg.mca.gov.cn" in html


def test_demo_notice_is_shown(client, demo_site):
    assert "演示站点" in client.get("/").content.decode()


def test_english_home_page_under_en_prefix(client, demo_site):
    response = client.get("/en/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Projects you can support" in html
    assert 'href="/en/projects/xuetou-100/"' in html
    assert "Medical aid" in html
    assert "Skip to main content" in html


def test_english_project_page_has_english_chrome(client, demo_site):
    html = client.get("/en/projects/xuetou-100/").content.decode()
    assert "Raised" in html and "Target" in html and "Progress updates" in html
    assert 'href="/projects/xuetou-100/"' in html  # language switch back to Chinese


def test_chinese_is_the_default_without_prefix(client, demo_site):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # No prefix means Chinese: the URL decides the language, not the browser.
    assert "您可以支持的项目" in html


def test_unknown_page_is_404_with_site_chrome(client, demo_site):
    response = client.get("/projects/no-such-project/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_draft_project_page_is_not_public(client, demo_site):
    page = ProjectPage.objects.get(slug="emergency-relief")
    page.unpublish()
    assert client.get("/projects/emergency-relief/").status_code == 404
    assert "/projects/emergency-relief/" not in client.get("/projects/").content.decode()


def test_images_have_alt_text(client, demo_site):
    for url in ["/", "/projects/", "/projects/xuetou-100/"]:
        html = client.get(url).content.decode()
        for tag in re.findall(r"<img\b[^>]*>", html):
            assert re.search(r'\balt="', tag), tag


def test_site_root_is_the_demo_home(demo_site):
    site = Site.objects.get(is_default_site=True)
    assert site.root_page.specific_class.__name__ == "HomePage"
    assert Project.objects.count() >= 4
