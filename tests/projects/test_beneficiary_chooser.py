"""受助人选择: the disbursement and enrolment forms pick a person through a searchable chooser, not one dropdown of
the whole registry; it finds by name, masked name and full ID number (by its keyed hash), lists only people
enrolled in the chosen project unless asked otherwise, and shows nothing to staff who may not see beneficiaries."""

import json
import re

import pytest

from tests.factories import ProjectFactory, id_number
from tests.projects.disbursement_flows import enrol, person
from tests.projects.test_admin_disbursements import html, login

pytestmark = pytest.mark.django_db

CHOOSER = "/admin/beneficiary-chooser/"
RESULTS = "/admin/beneficiary-chooser/results/"


@pytest.fixture
def people(officer):
    """Three people: 张三丰 and 李四 enrolled in the project, 王五 in none."""
    project = ProjectFactory(code="XT100", name="血透100")
    zhang = person(11, name="张三丰")
    li = person(12, name="李四")
    wang = person(13, name="王五")
    for enrolled in (zhang, li):
        enrol(enrolled, project, user=officer)
    return project, zhang, li, wang


def shown(response) -> str:
    """The page without its links: the search term travels in the query string (docs/operations.md), but the page
    itself never prints a typed ID number."""
    return re.sub(r'href="[^"]*"', "", html(response))


def modal_html(response) -> str:
    assert response.status_code == 200
    return json.loads(response.content)["html"]


def test_the_disbursement_form_renders_no_list_of_people(officer, people):
    page = html(login(officer).get("/admin/disbursements/new/"))
    for masked in ("张*丰", "李*", "王*"):
        assert masked not in page
    assert "选择受助人" in page and CHOOSER in page
    assert '"linkedFields": {"project": "#id_project"}' in page  # the chooser follows the 项目 field


def test_the_enrolment_form_uses_the_chooser_too(officer, people):
    page = html(login(officer).get("/admin/enrolments/new/"))
    assert "张*丰" not in page and "王*" not in page and CHOOSER in page


def test_by_default_only_people_enrolled_in_the_project(officer, people):
    project, *_ = people
    listing = modal_html(login(officer).get(CHOOSER, {"project": project.pk}))
    assert "张*丰" in listing and "李*" in listing
    assert "王*" not in listing
    assert "包括未登记在本项目的人员" in listing


def test_the_officer_may_include_everyone(officer, people):
    project, *_ = people
    listing = html(login(officer).get(RESULTS, {"project": project.pk, "everyone": "on"}))
    assert "王*" in listing and "张*丰" in listing


def test_search_by_name_and_by_masked_name(officer, people):
    project, *_ = people
    client = login(officer)
    by_name = html(client.get(RESULTS, {"project": project.pk, "q": "三丰"}))
    assert "张*丰" in by_name and "李*" not in by_name
    by_mask = html(client.get(RESULTS, {"project": project.pk, "q": "张*丰"}))
    assert "张*丰" in by_mask and "李*" not in by_mask


def test_search_by_full_id_number_matches_its_hash(officer, people):
    project, zhang, li, wang = people
    client = login(officer)
    found = shown(client.get(RESULTS, {"project": project.pk, "q": id_number(12, "19600101")}))
    assert "李*" in found and "张*丰" not in found
    assert id_number(12, "19600101") not in found  # the result shows the mask, never the typed number
    assert li.id_number_masked in found
    # an ID number of someone not enrolled is found only with the box ticked
    wang_id = id_number(13, "19600101")
    assert "王*" not in html(client.get(RESULTS, {"project": project.pk, "q": wang_id}))
    assert "王*" in html(client.get(RESULTS, {"project": project.pk, "q": wang_id, "everyone": "on"}))


def test_an_unknown_id_number_is_not_echoed_in_clear(officer, people):
    project, *_ = people
    typed = id_number(99, "19900101")
    found = shown(login(officer).get(RESULTS, {"project": project.pk, "q": typed, "everyone": "on"}))
    assert typed not in found and "张*丰" not in found and "王*" not in found


def test_choosing_returns_the_masked_label(officer, people):
    _, zhang, *_ = people
    response = login(officer).get(f"{CHOOSER}chosen/{zhang.pk}/")
    result = json.loads(response.content)["result"]
    assert result["id"] == str(zhang.pk)
    assert result["title"].startswith("张*丰 · ") and zhang.id_number_masked in result["title"]
    assert "张三丰" not in response.content.decode()


def test_staff_who_may_not_see_beneficiaries_get_nothing(editor, people):
    project, zhang, *_ = people
    client = login(editor)
    for url in (CHOOSER, RESULTS, f"{CHOOSER}chosen/{zhang.pk}/"):
        response = client.get(url, {"project": project.pk, "everyone": "on"})
        assert response.status_code in (302, 403), url
        assert "张*丰" not in response.content.decode()


def test_results_are_paged(officer, people):
    project, *_ = people
    for n in range(20, 32):
        person(n)
    listing = html(login(officer).get(RESULTS, {"project": project.pk, "everyone": "on"}))
    assert listing.count("data-chooser-modal-choice") == 10
