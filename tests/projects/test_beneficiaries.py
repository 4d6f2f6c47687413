"""The beneficiary registry (受助人): nothing personal in plain text, one registration per person, guardians for
minors, logged reveals, publication consents and enrolment rules."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from wagtail.models import ModelLogEntry

from projects.models import Beneficiary, ConsentGiver, Enrolment, PublicationConsent, StandardUnit, Status
from projects.services import (
    REVEAL_ACTION,
    beneficiary_register,
    beneficiary_reveal,
    beneficiary_update,
    beneficiary_with_id_number,
    consent_record,
    enrolment_create,
    enrolment_end,
)
from tests.factories import ProjectFactory, beneficiary_data
from tests.projects.disbursement_flows import enrol

pytestmark = pytest.mark.django_db

ID_X = "11010519491231002X"
PHONE = "13912345678"
BANK = "6228480402564890018"
GUARDIAN_PHONE = "13800001111"


def registered(n=1, **overrides):
    values = {"id_number": ID_X, "phone": PHONE, "bank_account": BANK}
    return beneficiary_register(data=beneficiary_data(n, **{**values, **overrides}))


def row_text(beneficiary) -> str:
    """Every column of the stored row, as one string."""
    return json.dumps(Beneficiary.objects.filter(pk=beneficiary.pk).values().get(), default=str, ensure_ascii=False)


def test_register_stores_no_plain_id_phone_or_bank_account():
    beneficiary = registered(guardian_name="张父", guardian_relation="父亲", guardian_phone=GUARDIAN_PHONE)
    text = row_text(beneficiary)
    for plain in (ID_X, ID_X.lower(), "19491231002X", PHONE, "12345678", BANK, "0402564890018", GUARDIAN_PHONE):
        assert plain not in text
    beneficiary.refresh_from_db()
    assert beneficiary.id_number_masked == "1101**********002X"
    assert beneficiary.phone_masked == "139****5678"
    assert beneficiary.bank_account_masked == "****0018"
    assert beneficiary.guardian_phone_masked == "138****1111"
    assert beneficiary.birth_date == date(1949, 12, 31)
    assert beneficiary_with_id_number(ID_X) == beneficiary


@pytest.mark.parametrize("again", [ID_X, "11010519491231002x", "110105 19491231 002X", " 110105-19491231-002x "])
def test_duplicate_id_number_is_refused(again):
    registered(1)
    with pytest.raises(ValidationError) as raised:
        registered(2, id_number=again, phone="13900000002", bank_account="6228000000000000002")
    assert "id_number" in raised.value.message_dict
    assert "已登记" in raised.value.message_dict["id_number"][0]
    assert Beneficiary.objects.count() == 1


def test_invalid_id_number_is_refused_and_nothing_saved():
    with pytest.raises(ValidationError) as raised:
        registered(id_number="110105194912310021")
    assert "校验位" in raised.value.message_dict["id_number"][0]
    assert not Beneficiary.objects.exists()


def test_minor_without_guardian_is_refused_and_with_one_accepted():
    with pytest.raises(ValidationError) as raised:
        beneficiary_register(data=beneficiary_data(5, born="20150601"))
    assert "guardian_name" in raised.value.message_dict
    assert not Beneficiary.objects.exists()
    child = beneficiary_register(
        data=beneficiary_data(5, born="20150601", guardian_name="张父", guardian_relation="父亲")
    )
    assert child.is_minor_on(date(2026, 6, 1))


def test_update_with_none_keeps_and_empty_string_clears():
    beneficiary = registered()
    stored = Beneficiary.objects.values("phone_encrypted", "phone_hash", "bank_account_hash", "id_number_hash").get()
    data = beneficiary_data(1, id_number=None, phone=None, bank_account=None, town="协兴镇")
    beneficiary_update(beneficiary=beneficiary, data=data)
    beneficiary.refresh_from_db()
    assert beneficiary.town == "协兴镇"
    assert beneficiary.phone_encrypted == stored["phone_encrypted"]
    assert (beneficiary.phone_hash, beneficiary.bank_account_hash) == (
        stored["phone_hash"],
        stored["bank_account_hash"],
    )
    assert beneficiary.id_number_hash == stored["id_number_hash"]
    assert beneficiary.phone_masked == "139****5678"

    beneficiary_update(beneficiary=beneficiary, data=replace(data, phone="", bank_account=""))
    beneficiary.refresh_from_db()
    assert (beneficiary.phone_encrypted, beneficiary.phone_hash, beneficiary.phone_masked) == ("", "", "")
    assert (beneficiary.bank_account_encrypted, beneficiary.bank_account_hash, beneficiary.bank_account_masked) == (
        "",
        "",
        "",
    )
    assert beneficiary.id_number_hash == stored["id_number_hash"]  # the ID number was left None: kept


def test_update_to_another_persons_id_number_is_refused():
    registered(1)
    other = registered(2, id_number=beneficiary_data(2).id_number, phone="13900000002")
    with pytest.raises(ValidationError):
        beneficiary_update(beneficiary=other, data=beneficiary_data(2, id_number="11010519491231002x"))


def test_reveal_needs_the_permission_and_logs_who_and_which_field(officer, approver, editor):
    beneficiary = registered()
    for user in (approver, editor):
        with pytest.raises(PermissionDenied):
            beneficiary_reveal(beneficiary=beneficiary, field="id_number", user=user)
    assert not ModelLogEntry.objects.filter(action=REVEAL_ACTION).exists()

    assert beneficiary_reveal(beneficiary=beneficiary, field="id_number", user=officer) == ID_X
    assert beneficiary_reveal(beneficiary=beneficiary, field="bank_account", user=officer) == BANK
    entries = list(ModelLogEntry.objects.filter(action=REVEAL_ACTION).order_by("pk"))
    assert len(entries) == 2
    assert {e.user_id for e in entries} == {officer.pk}
    assert {e.object_id for e in entries} == {str(beneficiary.pk)}
    assert [e.data["field"] for e in entries] == ["id_number", "bank_account"]
    logged = json.dumps([e.data for e in entries], ensure_ascii=False) + "".join(e.label for e in entries)
    assert ID_X not in logged and BANK not in logged and "0402564890018" not in logged


def test_reveal_of_an_unknown_field_is_refused(officer):
    with pytest.raises(ValueError):
        beneficiary_reveal(beneficiary=registered(), field="name_encrypted", user=officer)


# -- publication consent (公示授权) -----------------------------------------------------------------------------


@pytest.fixture
def child(db):
    return beneficiary_register(
        data=beneficiary_data(7, born="20150601", guardian_name="张父", guardian_relation="父亲")
    )


def test_a_minors_consent_comes_from_the_guardian_only(child):
    with pytest.raises(ValidationError) as raised:
        consent_record(beneficiary=child, given_by=ConsentGiver.SELF, giver_name="张七", given_on=date(2026, 3, 1))
    assert "监护人" in raised.value.message_dict["given_by"][0]
    consent = consent_record(
        beneficiary=child, given_by=ConsentGiver.GUARDIAN, giver_name="张父", given_on=date(2026, 3, 1)
    )
    assert PublicationConsent.objects.get() == consent


def test_an_adult_may_consent_but_not_through_a_guardian_not_on_file():
    adult = registered()
    with pytest.raises(ValidationError) as raised:
        consent_record(beneficiary=adult, given_by=ConsentGiver.GUARDIAN, giver_name="某人", given_on=date(2026, 3, 1))
    assert "given_by" in raised.value.message_dict
    consent_record(beneficiary=adult, given_by=ConsentGiver.SELF, giver_name="张一", given_on=date(2026, 3, 1))
    assert adult.consents.count() == 1


def test_consent_dated_in_the_future_is_refused():
    with pytest.raises(ValidationError) as raised:
        consent_record(
            beneficiary=registered(), given_by=ConsentGiver.SELF, giver_name="张一", given_on=date(2099, 1, 1)
        )
    assert "given_on" in raised.value.message_dict


# -- enrolment (项目登记) ----------------------------------------------------------------------------------------


def test_overlapping_enrolment_in_the_same_project_is_refused():
    beneficiary, project = registered(), ProjectFactory()
    first = enrol(beneficiary, project, start=date(2026, 1, 1), end=date(2026, 6, 30))
    for start, end in ((date(2026, 6, 30), None), (date(2025, 1, 1), date(2026, 1, 1)), (date(2026, 3, 1), None)):
        with pytest.raises(ValidationError) as raised:
            enrol(beneficiary, project, start=start, end=end)
        assert "start_date" in raised.value.message_dict
    enrol(beneficiary, project, start=date(2026, 7, 1))  # right after the first ends
    enrol(beneficiary, ProjectFactory(), start=date(2026, 3, 1))  # another project
    assert Enrolment.objects.count() == 3
    assert first.is_active_on(date(2026, 6, 30)) and not first.is_active_on(date(2026, 7, 1))


def test_open_ended_enrolment_overlaps_any_later_one():
    beneficiary, project = registered(), ProjectFactory()
    enrol(beneficiary, project, start=date(2026, 1, 1))
    with pytest.raises(ValidationError):
        enrol(beneficiary, project, start=date(2030, 1, 1))


def test_closed_project_takes_no_enrolment():
    with pytest.raises(ValidationError) as raised:
        enrol(registered(), ProjectFactory(status=Status.CLOSED))
    assert "project" in raised.value.message_dict
    assert not Enrolment.objects.exists()


@pytest.mark.parametrize(
    ("amount", "cap", "field"),
    [
        ("0", None, "standard_amount"),
        ("-5", None, "standard_amount"),
        ("100", "0", "yearly_cap"),
        ("100", "-1", "yearly_cap"),
    ],
)
def test_standard_and_cap_must_be_positive(amount, cap, field):
    with pytest.raises(ValidationError) as raised:
        enrolment_create(
            beneficiary=registered(),
            project=ProjectFactory(),
            standard_amount=Decimal(amount),
            standard_unit=StandardUnit.PER_SESSION,
            yearly_cap=Decimal(cap) if cap is not None else None,
            start_date=date(2026, 1, 1),
        )
    assert field in raised.value.message_dict
    assert not Enrolment.objects.exists()


def test_end_before_start_is_refused():
    beneficiary, project = registered(), ProjectFactory()
    with pytest.raises(ValidationError):
        enrol(beneficiary, project, start=date(2026, 5, 1), end=date(2026, 4, 30))
    enrolment = enrol(beneficiary, project, start=date(2026, 5, 1))
    with pytest.raises(ValidationError):
        enrolment_end(enrolment=enrolment, end_date=date(2026, 4, 30))
    enrolment_end(enrolment=enrolment, end_date=date(2026, 8, 31))
    enrolment.refresh_from_db()
    assert enrolment.end_date == date(2026, 8, 31)
