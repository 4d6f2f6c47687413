"""The 受助人管理 admin: project officers register beneficiaries through the service, everyone sees masked numbers,
only holders of a field's reveal permission see its full value (and each reveal is logged; per group:
``test_reveal_scope``), search matches full
numbers by keyed hash, 编辑 never gets in, 审计 reads only, and nobody deletes."""

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse
from wagtail.models import ModelLogEntry

from projects.models import Beneficiary, PublicationConsent
from projects.sensitive import mask
from projects.services import REVEAL_ACTION, beneficiary_register
from tests.factories import beneficiary_data, id_number, staff_user

pytestmark = pytest.mark.django_db

LIST = "/admin/beneficiaries/"
ADD = "/admin/beneficiaries/new/"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(n: int, **overrides) -> dict:
    data = {
        "name": f"李{n}",
        "id_number": id_number(n, "19800101"),
        "category": "dibao",
        "district": "张店区",
        "town": "车站街道",
        "village": "和平社区",
        "phone": f"137{n:08d}",
        "bank_name": "农业银行",
        "bank_account": f"6228{n:015d}",
        "guardian_name": "",
        "guardian_relation": "",
        "guardian_phone": "",
        "notes": "",
    }
    return {**data, **overrides}


def _register(n: int, **overrides) -> Beneficiary:
    return beneficiary_register(data=beneficiary_data(n, **overrides))


def _refused(response) -> bool:
    """Wagtail answers a forbidden admin URL with 403 or a redirect to the dashboard (with a message)."""
    return response.status_code == 403 or (response.status_code == 302 and response["Location"] == "/admin/")


def _plain_values(n: int) -> tuple[str, str, str]:
    data = beneficiary_data(n)
    return data.id_number, data.phone, data.bank_account


# --- registering --------------------------------------------------------------------------------------------------


def test_officer_registers_a_beneficiary_through_the_service(officer):
    response = _client(officer).post(ADD, _form(1))
    beneficiary = Beneficiary.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{LIST}inspect/{beneficiary.pk}/"
    assert beneficiary.name == "李1" and beneficiary.created_by == officer
    assert beneficiary.id_number_masked == id_number(1, "19800101")[:4] + "**********" + id_number(1, "19800101")[-4:]
    assert beneficiary.phone_masked == "137****0001"
    assert id_number(1, "19800101") not in beneficiary.id_number_encrypted  # stored encrypted, not in plain
    assert ModelLogEntry.objects.filter(action="wagtail.create", object_id=str(beneficiary.pk)).exists()


def test_bad_checksum_gets_a_chinese_error_and_nothing_is_saved(officer):
    good = id_number(1, "19800101")
    bad = good[:-1] + ("1" if good[-1] != "1" else "2")
    response = _client(officer).post(ADD, _form(1, id_number=bad))
    assert response.status_code == 200
    assert "身份证号校验位不正确" in response.content.decode()
    assert not Beneficiary.objects.exists()


def test_a_missing_id_number_is_asked_for(officer):
    response = _client(officer).post(ADD, _form(1, id_number=""))
    assert "请填写身份证号" in response.content.decode()
    assert not Beneficiary.objects.exists()


def test_duplicate_id_number_is_refused(officer):
    existing = beneficiary_register(data=beneficiary_data(1, id_number=id_number(1, "19800101")))
    response = _client(officer).post(ADD, _form(1, name="王重复"))
    assert response.status_code == 200
    assert "该身份证号已登记" in response.content.decode()
    assert list(Beneficiary.objects.all()) == [existing]


def test_minor_without_guardian_is_refused(officer):
    response = _client(officer).post(ADD, _form(1, id_number=id_number(1, "20150601")))
    assert response.status_code == 200
    assert "未成年受助人必须登记监护人" in response.content.decode()
    assert not Beneficiary.objects.exists()

    minor = _form(1, id_number=id_number(1, "20150601"), guardian_name="李父", guardian_relation="父亲")
    assert _client(officer).post(ADD, minor).status_code == 302
    assert Beneficiary.objects.get().guardian_name == "李父"


def test_bad_phone_error_lands_on_the_phone_field(officer):
    response = _client(officer).post(ADD, _form(1, phone="12345"))
    assert response.status_code == 200
    assert response.context["form"].errors["phone"] == ["手机号应为 11 位数字,以 1 开头。"]
    assert not Beneficiary.objects.exists()


# --- editing ------------------------------------------------------------------------------------------------------


def test_edit_form_starts_sensitive_fields_empty_and_blank_keeps_them(officer):
    person = _register(3)
    plain_id, plain_phone, plain_bank = _plain_values(3)
    url = f"{LIST}edit/{person.pk}/"
    html = _client(officer).get(url).content.decode()
    assert "留空表示不修改" in html and person.id_number_masked in html
    for value in (plain_id, plain_phone, plain_bank):
        assert value not in html

    data = _form(3, name="张新名", id_number="", phone="", bank_account="", guardian_phone="")
    response = _client(officer).post(url, data)
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.name == "张新名" and person.category == "dibao"
    assert (person.id_number_masked, person.phone_masked) == (mask("id_number", plain_id), "139****0003")
    assert ModelLogEntry.objects.filter(action="wagtail.edit", object_id=str(person.pk)).exists()


def test_edit_changes_a_phone_and_clears_a_bank_account(officer):
    person = _register(3)
    data = _form(3, id_number="", phone="13900009999", bank_account="", clear=["bank_account"])
    assert _client(officer).post(f"{LIST}edit/{person.pk}/", data).status_code == 302
    person.refresh_from_db()
    assert person.phone_masked == "139****9999"
    assert person.bank_account_masked == "" and person.bank_account_hash == ""


def test_edit_to_another_persons_id_number_is_refused(officer):
    first, second = _register(1), _register(2)
    data = _form(2, id_number=_plain_values(1)[0])
    response = _client(officer).post(f"{LIST}edit/{second.pk}/", data)
    assert response.status_code == 200
    assert "该身份证号已登记" in response.content.decode()
    second.refresh_from_db()
    assert second.id_number_hash != first.id_number_hash


# --- masked everywhere --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["officer", "auditor", "approver", "finance"])
def test_list_and_inspect_never_show_full_numbers(request, who):
    person = _register(5, guardian_name="张父", guardian_phone="13812345678")
    client = _client(request.getfixturevalue(who))
    pages = [client.get(LIST).content.decode(), client.get(f"{LIST}inspect/{person.pk}/").content.decode()]
    for html in pages:
        assert person.name in html and person.id_number_masked in html and person.phone_masked in html
        for value in (*_plain_values(5), "13812345678"):
            assert value not in html


def test_list_filters_by_category_and_district(officer):
    _register(1, category="orphan", district="广安区")
    _register(2, category="dibao", district="前锋区")
    client = _client(officer)
    html = client.get(LIST, {"category": "orphan"}).content.decode()
    assert "张二1" in html and "张三2" not in html
    html = client.get(LIST, {"district": "前锋区"}).content.decode()
    assert "张三2" in html and "张二1" not in html


# --- revealing ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["officer", "auditor"])
def test_reveal_shows_the_value_and_writes_the_audit_log(request, who):
    user = request.getfixturevalue(who)
    person = _register(7)
    client = _client(user)
    inspect = client.get(f"{LIST}inspect/{person.pk}/").content.decode()
    assert f"{LIST}reveal/{person.pk}/id_number/" in inspect and "显示完整信息" in inspect

    response = client.post(f"{LIST}reveal/{person.pk}/id_number/")
    assert response.status_code == 200
    assert _plain_values(7)[0] in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    entry = ModelLogEntry.objects.get(action=REVEAL_ACTION, object_id=str(person.pk))
    assert entry.user == user and entry.data["field"] == "id_number"
    assert _plain_values(7)[0] not in str(entry.data)

    history = client.get(f"{LIST}history/{person.pk}/").content.decode()
    assert "查看完整信息:身份证号" in history


def test_reveal_bank_account_by_finance(finance):
    person = _register(8)
    response = _client(finance).post(f"{LIST}reveal/{person.pk}/bank_account/")
    assert response.status_code == 200 and _plain_values(8)[2] in response.content.decode()


def test_reveal_without_the_permission_is_403_with_no_value_and_no_log(approver):
    person = _register(7)
    client = _client(approver)
    inspect = client.get(f"{LIST}inspect/{person.pk}/").content.decode()
    assert "显示完整信息" not in inspect and "/reveal/" not in inspect
    for field in ("id_number", "phone", "bank_account"):
        response = client.post(f"{LIST}reveal/{person.pk}/{field}/")
        assert response.status_code == 403
        for value in _plain_values(7):
            assert value not in response.content.decode()
    assert not ModelLogEntry.objects.filter(action=REVEAL_ACTION).exists()


def test_reveal_is_post_only_and_knows_its_fields(officer):
    person = _register(7)
    client = _client(officer)
    assert client.get(f"{LIST}reveal/{person.pk}/id_number/").status_code == 405
    assert client.post(f"{LIST}reveal/{person.pk}/notes/").status_code == 404
    assert not ModelLogEntry.objects.filter(action=REVEAL_ACTION).exists()


# --- search -------------------------------------------------------------------------------------------------------


def test_search_by_full_id_number_phone_or_name(officer):
    wanted, other = _register(11), _register(12)
    plain_id, plain_phone, plain_bank = _plain_values(11)
    client = _client(officer)
    for query in (plain_id, plain_id.lower(), f"{plain_id[:6]} {plain_id[6:]}", plain_phone, plain_bank, "张二1"):
        html = client.get(LIST, {"q": query}).content.decode()
        assert wanted.name in html and other.name not in html, query
    html = client.get(LIST, {"q": plain_id[:10]}).content.decode()  # a partial number matches nobody
    assert wanted.name not in html


# --- who may do what ----------------------------------------------------------------------------------------------


def _all_urls(person, consent, enrolment) -> list[tuple[str, str]]:
    return [
        ("get", LIST),
        ("get", ADD),
        ("post", ADD),
        ("get", f"{LIST}edit/{person.pk}/"),
        ("post", f"{LIST}edit/{person.pk}/"),
        ("get", f"{LIST}inspect/{person.pk}/"),
        ("get", f"{LIST}history/{person.pk}/"),
        ("post", f"{LIST}reveal/{person.pk}/id_number/"),
        ("get", f"{LIST}consent/{person.pk}/"),
        ("get", f"{LIST}consent/withdraw/{consent.pk}/"),
        ("get", "/admin/enrolments/"),
        ("get", "/admin/enrolments/new/"),
        ("get", f"/admin/enrolments/inspect/{enrolment.pk}/"),
        ("get", f"/admin/enrolments/end/{enrolment.pk}/"),
        ("post", f"/admin/enrolments/end/{enrolment.pk}/"),
        ("get", "/admin/watch-list/"),
    ]


@pytest.fixture
def enrolled(funded_project):
    from datetime import date
    from decimal import Decimal

    from projects.services import consent_record, enrolment_create

    person = _register(20)
    consent = consent_record(beneficiary=person, given_by="self", giver_name=person.name, given_on=date(2026, 1, 2))
    enrolment = enrolment_create(
        beneficiary=person,
        project=funded_project,
        standard_amount=Decimal("7500.00"),
        standard_unit="per_year",
        start_date=date(2026, 1, 1),
    )
    return person, consent, enrolment


def test_editor_is_refused_on_every_beneficiary_and_enrolment_url(editor, enrolled):
    client = _client(editor)
    for method, url in _all_urls(*enrolled):
        response = getattr(client, method)(url)
        assert _refused(response), (method, url, response.status_code)
        for value in _plain_values(20):
            assert value not in response.content.decode()
    menu = client.get("/admin/").content.decode()
    assert "受助人管理" not in menu


def test_auditor_reads_but_does_not_change(auditor, enrolled):
    person, consent, enrolment = enrolled
    client = _client(auditor)
    for url in (
        LIST,
        f"{LIST}inspect/{person.pk}/",
        "/admin/enrolments/",
        f"/admin/enrolments/inspect/{enrolment.pk}/",
        "/admin/watch-list/",
    ):
        assert client.get(url).status_code == 200, url
    for method, url in _all_urls(*enrolled):
        if "new/" in url or "edit/" in url or "/end/" in url or "/consent/" in url:
            assert _refused(getattr(client, method)(url)), url
    inspect = client.get(f"{LIST}inspect/{person.pk}/").content.decode()
    assert f"{LIST}edit/" not in inspect and "/admin/enrolments/end/" not in inspect
    assert Beneficiary.objects.get().name == person.name


def test_nobody_deletes_not_even_a_superuser(enrolled):
    from django.contrib.auth import get_user_model

    person, _, enrolment = enrolled
    admin = get_user_model().objects.create_superuser("root", "root@example.org", "pw")
    client = _client(admin)
    for name in ("beneficiaries:delete", "enrolments:delete", "watch-list:delete"):
        with pytest.raises(NoReverseMatch):
            reverse(name, args=(1,))
    assert client.get(f"{LIST}delete/{person.pk}/").status_code == 404
    assert client.post(f"/admin/enrolments/delete/{enrolment.pk}/").status_code == 404
    for url in (LIST, f"{LIST}inspect/{person.pk}/", f"{LIST}edit/{person.pk}/", "/admin/enrolments/"):
        assert "/delete/" not in client.get(url).content.decode(), url
    assert Beneficiary.objects.filter(pk=person.pk).exists()


def test_group_editor_does_not_offer_delete_permissions():
    from projects.admin.beneficiaries import BeneficiaryAdminGroup

    for viewset in BeneficiaryAdminGroup().registerables:
        codenames = set(viewset.get_permissions_to_register().values_list("codename", flat=True))
        assert not any(code.startswith("delete_") for code in codenames), codenames


# --- consents -----------------------------------------------------------------------------------------------------


def test_officer_records_and_withdraws_a_consent(officer):
    person = _register(30)
    client = _client(officer)
    url = f"{LIST}consent/{person.pk}/"
    assert "登记公示授权" in client.get(f"{LIST}inspect/{person.pk}/").content.decode()
    response = client.post(url, {"given_by": "self", "giver_name": person.name, "given_on": "2026-01-05"})
    assert response.status_code == 302 and response["Location"] == f"{LIST}inspect/{person.pk}/"
    consent = PublicationConsent.objects.get(beneficiary=person)
    assert consent.recorded_by == officer and consent.withdrawn_on is None
    assert ModelLogEntry.objects.filter(action="projects.consent_record", object_id=str(person.pk)).exists()

    withdraw = f"{LIST}consent/withdraw/{consent.pk}/"
    response = client.post(withdraw, {"withdrawn_on": "2026-01-01"})
    assert response.status_code == 200 and "撤回日期不能早于授权日期" in response.content.decode()
    assert client.post(withdraw, {"withdrawn_on": "2026-02-01"}).status_code == 302
    consent.refresh_from_db()
    assert str(consent.withdrawn_on) == "2026-02-01"
    assert "已于 2026年2月1日 撤回" in client.get(f"{LIST}inspect/{person.pk}/").content.decode()


def test_a_minors_consent_must_come_from_the_guardian(officer):
    minor = _register(31, born="20150601", guardian_name="张父", guardian_relation="父亲")
    client = _client(officer)
    url = f"{LIST}consent/{minor.pk}/"
    response = client.post(url, {"given_by": "self", "giver_name": minor.name, "given_on": "2026-01-05"})
    assert response.status_code == 200
    assert "受助人未成年,公示授权须由监护人作出" in response.content.decode()
    assert not PublicationConsent.objects.exists()
    response = client.post(url, {"given_by": "guardian", "giver_name": "张父", "given_on": "2026-01-05"})
    assert response.status_code == 302
    assert PublicationConsent.objects.get().given_by == "guardian"


def test_approver_cannot_record_a_consent(approver):
    person = _register(32)
    data = {"given_by": "self", "giver_name": person.name, "given_on": "2026-01-05"}
    assert _refused(_client(approver).post(f"{LIST}consent/{person.pk}/", data))
    assert not PublicationConsent.objects.exists()


def test_watch_list_shows_only_a_hash_prefix(auditor):
    from projects.models import WatchListEntry

    entry = WatchListEntry.objects.create(id_number_hash="ab" * 32, label="工作人员亲属")
    html = _client(auditor).get("/admin/watch-list/").content.decode()
    assert "工作人员亲属" in html and "abababab…" in html and entry.id_number_hash not in html
    assert _refused(_client(staff_user("guanyuan2", "项目官员")).get("/admin/watch-list/"))
