"""The project page carries the donate form (with the project's preset amounts) and a donor wall read from
the ledger; a closed project shows no form."""

import pytest
from django.test import Client

from cms.models import ProjectPage
from donations.models import Donation


def _page_html(code: str) -> str:
    page = ProjectPage.objects.live().get(project__code=code)
    response = Client().get(page.url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_project_page_has_the_donate_form_with_presets_and_the_donor_wall(demo_site):
    page = ProjectPage.objects.live().get(project__code="XT100")
    project = page.project
    project.donation_presets = "66,188"
    project.save()
    html = _page_html("XT100")
    assert 'action="/donations/give/XT100/"' in html
    assert 'value="66"' in html and 'value="188"' in html
    # Demo gifts are real Donation rows bound to their ledger transactions: the wall shows them.
    assert Donation.objects.filter(project__code="XT100").count() == 3
    assert "淄博某商会(演示)" in html and "¥200,000.00" in html


@pytest.mark.django_db
def test_closed_project_takes_no_gifts(demo_site):
    html = _page_html("CXHB")
    assert "/donations/give/CXHB/" not in html
    response = Client().post("/donations/give/CXHB/", {"amount_choice": "100", "frequency": "once"})
    assert response.status_code == 200
    assert Donation.objects.filter(project__code="CXHB", channel="online").count() == 0
