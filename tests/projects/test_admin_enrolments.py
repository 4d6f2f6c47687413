"""救助对象登记 in the admin: created through ``enrolment_create`` (its Chinese errors shown on the form), listed
with a masked beneficiary, filtered by project and by whether it is in force, and ended through ``enrolment_end``."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from wagtail.models import ModelLogEntry

from projects.admin.enrolment_views import ENROLMENT_END_ACTION
from projects.models import Enrolment, Status
from projects.services import beneficiary_register, enrolment_create
from tests.factories import ProjectFactory, beneficiary_data

pytestmark = pytest.mark.django_db

LIST = "/admin/enrolments/"
ADD = "/admin/enrolments/new/"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(person, project, **overrides) -> dict:
    data = {
        "beneficiary": person.pk,
        "project": project.pk,
        "standard_amount": "7500.00",
        "standard_unit": "per_year",
        "yearly_cap": "",
        "start_date": "2026-03-01",
        "end_date": "",
        "notes": "",
    }
    return {**data, **overrides}


@pytest.fixture
def person(db):
    return beneficiary_register(data=beneficiary_data(40))


def test_officer_enrols_a_beneficiary_and_ends_the_enrolment(officer, person, funded_project):
    client = _client(officer)
    form = client.get(ADD, {"beneficiary": person.pk}).content.decode()
    assert f"{person.masked_name} · {person.id_number_masked}" in form  # the select shows masks only
    assert beneficiary_data(40).id_number not in form

    response = client.post(ADD, _form(person, funded_project, yearly_cap="9000.00"))
    enrolment = Enrolment.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{LIST}inspect/{enrolment.pk}/"
    assert (enrolment.beneficiary, enrolment.project, enrolment.standard_amount) == (
        person,
        funded_project,
        Decimal("7500.00"),
    )
    assert enrolment.yearly_cap == Decimal("9000.00") and enrolment.created_by == officer
    assert enrolment.end_date is None

    end_url = f"{LIST}end/{enrolment.pk}/"
    assert end_url in client.get(f"{LIST}inspect/{enrolment.pk}/").content.decode()
    response = client.post(end_url, {"end_date": "2026-02-01"})
    assert response.status_code == 200 and "结束日期不能早于开始日期" in response.content.decode()
    response = client.post(end_url, {"end_date": "2026-07-31"})
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.end_date == date(2026, 7, 31)
    entry = ModelLogEntry.objects.get(action=ENROLMENT_END_ACTION, object_id=str(enrolment.pk))
    assert entry.user == officer and entry.data == {"end_date": "2026-07-31"}


def test_overlapping_enrolment_shows_the_service_error(officer, person, funded_project):
    enrolment_create(
        beneficiary=person,
        project=funded_project,
        standard_amount=Decimal("7500.00"),
        standard_unit="per_year",
        start_date=date(2026, 1, 1),
    )
    response = _client(officer).post(ADD, _form(person, funded_project))
    assert response.status_code == 200
    assert response.context["form"].errors["start_date"] == ["该受助人在本项目已有时间重叠的登记。"]
    assert Enrolment.objects.count() == 1


def test_bad_standard_is_refused_in_chinese(officer, person, funded_project):
    response = _client(officer).post(ADD, _form(person, funded_project, standard_amount="0"))
    assert "资助标准必须大于 0" in response.content.decode()
    assert not Enrolment.objects.exists()


def test_closed_project_cannot_be_chosen(officer, person):
    closed = ProjectFactory(code="CLOSED", status=Status.CLOSED)
    response = _client(officer).post(ADD, _form(person, closed))
    assert response.status_code == 200 and "project" in response.context["form"].errors
    assert not Enrolment.objects.exists()


def test_list_shows_masked_beneficiary_and_filters(officer, person, funded_project):
    other_project = ProjectFactory(code="XT100", name="血透100")
    today = timezone.localdate()
    ended = enrolment_create(
        beneficiary=person,
        project=other_project,
        standard_amount=Decimal("300.00"),
        standard_unit="per_session",
        start_date=today - timedelta(days=60),
        end_date=today - timedelta(days=1),
    )
    current = enrolment_create(
        beneficiary=person,
        project=funded_project,
        standard_amount=Decimal("7500.00"),
        standard_unit="per_year",
        start_date=today - timedelta(days=10),
    )
    client = _client(officer)
    html = client.get(LIST).content.decode()
    assert person.masked_name in html and person.id_number_masked in html and "7500.00" in html
    for value in (person.name, beneficiary_data(40).id_number, beneficiary_data(40).phone):
        assert value not in html
    assert f"{LIST}end/{current.pk}/" in html and f"{LIST}end/{ended.pk}/" not in html

    html = client.get(LIST, {"project": other_project.pk}).content.decode()
    assert "300.00" in html and "7500.00" not in html
    html = client.get(LIST, {"active": "true"}).content.decode()
    assert "7500.00" in html and "300.00" not in html
    html = client.get(LIST, {"active": "false"}).content.decode()
    assert "300.00" in html and "7500.00" not in html


def test_enrolments_are_never_edited_or_deleted(officer, person, funded_project):
    enrolment = enrolment_create(
        beneficiary=person,
        project=funded_project,
        standard_amount=Decimal("7500.00"),
        standard_unit="per_year",
        start_date=date(2026, 1, 1),
    )
    client = _client(officer)
    assert client.get(f"{LIST}edit/{enrolment.pk}/").status_code == 404
    assert client.post(f"{LIST}delete/{enrolment.pk}/").status_code == 404
    assert Enrolment.objects.filter(pk=enrolment.pk, standard_amount=Decimal("7500.00")).exists()


def test_approver_and_auditor_cannot_enrol_or_end(approver, auditor, person, funded_project):
    enrolment = enrolment_create(
        beneficiary=person,
        project=funded_project,
        standard_amount=Decimal("7500.00"),
        standard_unit="per_year",
        start_date=date(2026, 1, 1),
    )
    for user in (approver, auditor):
        client = _client(user)
        assert client.get(LIST).status_code == 200
        for response in (
            client.get(ADD),
            client.post(ADD, _form(person, funded_project, start_date="2027-01-01")),
            client.post(f"{LIST}end/{enrolment.pk}/", {"end_date": "2026-06-30"}),
        ):
            assert response.status_code == 403 or (response.status_code == 302 and response["Location"] == "/admin/")
    enrolment.refresh_from_db()
    assert Enrolment.objects.count() == 1 and enrolment.end_date is None
