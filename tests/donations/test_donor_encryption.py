"""Donors' phones and e-mails are encrypted at rest; staff find a donor by a full value through its keyed hash."""

from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldError
from django.db import connection
from django.test import Client

from donations.models import Donor
from projects.sensitive import keyed_hash

pytestmark = pytest.mark.django_db


def _raw(pk):
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, email, phone_hash, email_hash FROM donations_donor WHERE id = %s", [pk])
        return cursor.fetchone()


def test_contact_details_are_ciphertext_in_the_row_and_plain_in_python():
    donor = Donor.objects.create(name="王小明", phone="13812341234", email="Wang@Example.com")
    phone, email, phone_hash, email_hash = _raw(donor.pk)
    assert "13812341234" not in phone and "1234" not in phone
    assert "example" not in email.lower()
    assert phone_hash == keyed_hash("phone", "13812341234")
    assert email_hash == keyed_hash("email", "wang@example.com")  # e-mail matched case-insensitively
    again = Donor.objects.get(pk=donor.pk)
    assert (again.phone, again.email) == ("13812341234", "Wang@Example.com")


def test_a_changed_phone_updates_its_hash_even_with_update_fields():
    donor = Donor.objects.create(name="王小明", phone="13812341234")
    donor.phone = "13900000000"
    donor.save(update_fields=["phone"])
    assert _raw(donor.pk)[2] == keyed_hash("phone", "13900000000")


def test_ciphertext_cannot_be_searched_in_sql():
    with pytest.raises(FieldError):
        list(Donor.objects.filter(phone__icontains="1381"))


def test_empty_contact_stays_empty_and_filterable():
    donor = Donor.objects.create(name="匿名捐赠人")
    assert _raw(donor.pk)[:2] == ("", "")
    assert Donor.objects.filter(phone="", pk=donor.pk).exists()


def test_admin_finds_a_donor_by_full_phone_or_email_but_not_by_a_fragment():
    Donor.objects.create(name="王小明", phone="13812341234", email="wang@example.com")
    Donor.objects.create(name="李四", phone="13900000000")
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("caiwu", "caiwu@example.org", "pw"))
    by_phone = client.get("/admin/donors/", {"q": "13812341234"}).content.decode()
    assert "王小明" in by_phone and "李四" not in by_phone
    by_email = client.get("/admin/donors/", {"q": "WANG@example.com"}).content.decode()
    assert "王小明" in by_email and "李四" not in by_email
    fragment = client.get("/admin/donors/", {"q": "1381234"}).content.decode()
    assert "王小明" not in fragment


def test_the_migration_encrypts_rows_written_in_plain_text():
    import importlib

    migration = importlib.import_module("donations.migrations.0003_donor_contact_encrypted")
    donor = Donor.objects.create(name="旧数据")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE donations_donor SET phone = %s, email = %s WHERE id = %s",
            ["13812341234", "old@example.com", donor.pk],
        )
    migration.encrypt_existing(None, SimpleNamespace(connection=connection))
    assert "13812341234" not in _raw(donor.pk)[0]
    again = Donor.objects.get(pk=donor.pk)
    assert (again.phone, again.email) == ("13812341234", "old@example.com")
    assert _raw(donor.pk)[2] == keyed_hash("phone", "13812341234")
