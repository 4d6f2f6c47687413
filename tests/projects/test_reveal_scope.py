"""Reveal scope as documented (issue 18, part 5): one reveal permission per field — ID number, phones, bank account,
address (the village) — and each group gets exactly what docs/disbursements.md gives it. 财务 sees the bank account
it pays into and nothing else, on the record's page and through the reveal view and service alike."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.test import Client
from wagtail.models import ModelLogEntry

from projects.models import Beneficiary
from projects.services import REVEAL_ACTION, beneficiary_register, beneficiary_reveal, beneficiary_revealable
from tests.factories import beneficiary_data, staff_user

pytestmark = pytest.mark.django_db

LIST = "/admin/beneficiaries/"
EVERY_FIELD = {"id_number", "phone", "guardian_phone", "bank_account", "village"}
SCOPE = {
    "项目官员": EVERY_FIELD,
    "审核人": set(),
    "财务": {"bank_account"},
    "审计": EVERY_FIELD,
    "编辑": set(),
}
VILLAGE = "和平社区"


@pytest.fixture
def person(db):
    data = beneficiary_data(31, guardian_name="张监护", guardian_relation="父亲", guardian_phone="13700003131")
    return beneficiary_register(data=data)


def _plain(field: str) -> str:
    data = beneficiary_data(31, guardian_phone="13700003131")
    return getattr(data, field)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("group", sorted(SCOPE))
def test_each_group_reveals_exactly_its_fields_through_the_service(group, person):
    user = staff_user(f"u{sorted(SCOPE).index(group)}", group)
    assert beneficiary_revealable(user) == SCOPE[group]
    for field in sorted(EVERY_FIELD):
        if field in SCOPE[group]:
            assert beneficiary_reveal(beneficiary=person, field=field, user=user) == _plain(field)
        else:
            with pytest.raises(PermissionDenied):
                beneficiary_reveal(beneficiary=person, field=field, user=user)
    logged = set(ModelLogEntry.objects.filter(action=REVEAL_ACTION).values_list("data__field", flat=True))
    assert logged == SCOPE[group]


@pytest.mark.parametrize("group", sorted(SCOPE))
def test_the_record_offers_only_the_fields_the_group_may_reveal(group, person):
    user = staff_user(f"u{sorted(SCOPE).index(group)}", group)
    response = _client(user).get(f"{LIST}inspect/{person.pk}/")
    if group == "编辑":
        assert response.status_code in (302, 403)
        return
    page = response.content.decode()
    offered = {field for field in EVERY_FIELD if f"{LIST}reveal/{person.pk}/{field}/" in page}
    assert offered == SCOPE[group]
    assert VILLAGE not in page  # the village is an address: revealed (and logged), never printed
    for field in ("id_number", "phone", "bank_account", "guardian_phone"):
        assert _plain(field) not in page


def test_finance_reveals_the_bank_account_but_never_an_id_number_or_a_phone(finance, person):
    client = _client(finance)
    page = client.get(f"{LIST}inspect/{person.pk}/").content.decode()
    assert f"{LIST}reveal/{person.pk}/bank_account/" in page
    assert f"{LIST}reveal/{person.pk}/id_number/" not in page and f"{LIST}reveal/{person.pk}/phone/" not in page

    for field in ("id_number", "phone", "guardian_phone", "village"):
        response = client.post(f"{LIST}reveal/{person.pk}/{field}/")
        assert response.status_code == 403, field
        assert _plain(field) not in response.content.decode()
    assert not ModelLogEntry.objects.filter(action=REVEAL_ACTION).exists()

    response = client.post(f"{LIST}reveal/{person.pk}/bank_account/")
    assert response.status_code == 200 and _plain("bank_account") in response.content.decode()
    assert _plain("id_number") not in response.content.decode()
    entry = ModelLogEntry.objects.get(action=REVEAL_ACTION)
    assert (entry.user, entry.data["field"]) == (finance, "bank_account")


def test_the_village_is_revealed_one_logged_click_at_a_time(officer, person):
    client = _client(officer)
    response = client.post(f"{LIST}reveal/{person.pk}/village/")
    assert response.status_code == 200 and VILLAGE in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    entry = ModelLogEntry.objects.get(action=REVEAL_ACTION)
    assert entry.data["field"] == "village" and VILLAGE not in str(entry.data)
    assert "查看完整信息:村(社区)" in client.get(f"{LIST}history/{person.pk}/").content.decode()


def test_a_user_with_one_field_by_hand_sees_that_field_only(person):
    clerk = staff_user("clerk")
    clerk.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="view_beneficiary"),
        Permission.objects.get(codename="reveal_beneficiary_phone"),
    )
    assert beneficiary_revealable(clerk) == {"phone", "guardian_phone"}
    page = _client(clerk).get(f"{LIST}inspect/{person.pk}/").content.decode()
    assert f"{LIST}reveal/{person.pk}/phone/" in page and f"{LIST}reveal/{person.pk}/guardian_phone/" in page
    assert f"{LIST}reveal/{person.pk}/bank_account/" not in page


def test_the_migration_gives_holders_of_the_old_permission_all_four(django_user_model):
    """Someone given ``reveal_beneficiary`` by hand (or a group of the site's own) keeps seeing every field."""
    migration = importlib.import_module("projects.migrations.0005_reveal_per_field")
    content_type = ContentType.objects.get_for_model(Beneficiary)
    old = Permission.objects.create(content_type=content_type, codename="reveal_beneficiary", name="旧权限")
    user = django_user_model.objects.create_user("old-hand", "old@example.org", "pass-1234")
    user.user_permissions.add(old)
    custom = Group.objects.create(name="街道核查员")
    custom.permissions.add(old)

    migration.split_the_old_permission(apps, None)

    four = set(migration.NEW)
    assert not Permission.objects.filter(codename="reveal_beneficiary").exists()
    assert set(user.user_permissions.values_list("codename", flat=True)) == four
    assert set(custom.permissions.values_list("codename", flat=True)) == four
    user = django_user_model.objects.get(pk=user.pk)
    assert user.has_perm("projects.reveal_beneficiary_id_number")
