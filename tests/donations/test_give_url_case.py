"""/donations/give/<code>/ accepts the project code in any case: people type and share xt100 for XT100."""

import pytest
from django.test import Client

from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(db):
    return ProjectFactory(code="XT100", name="血透100")


def test_a_lowercase_code_redirects_to_the_canonical_give_page(project):
    response = Client().get("/donations/give/xt100/")
    assert response.status_code == 301
    assert response["Location"] == "/donations/give/XT100/"
    page = Client().get(response["Location"])
    assert page.status_code == 200 and "血透100" in page.content.decode()
    assert Client().get("/donations/give/nope/").status_code == 404  # an unknown code in any case is still unknown


def test_mixed_case_keeps_the_query_string(project):
    response = Client().get("/donations/give/Xt100/?amount=100")
    assert (response.status_code, response["Location"]) == (301, "/donations/give/XT100/?amount=100")


def test_the_english_site_redirects_within_english(project):
    response = Client().get("/en/donations/give/xt100/")
    assert (response.status_code, response["Location"]) == (301, "/en/donations/give/XT100/")


def test_a_post_to_the_lowercase_address_is_served_not_redirected(project):
    response = Client().post("/donations/give/xt100/", {"amount_choice": "100", "frequency": "once"})
    assert response.status_code in (200, 302)
    assert response.get("Location", "") != "/donations/give/XT100/"  # the gift starts; nothing is lost to a redirect
