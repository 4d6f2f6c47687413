"""Finding donors by what identifies them (统一社会信用代码 for an organisation, a mobile number for a person) and
creating the missing ones — for imports, where thousands of rows name a few hundred donors."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation

from donations.models import Donor, DonorKind
from projects.selectors.lookups import in_chunks
from projects.sensitive import keyed_hash


@dataclass(frozen=True)
class DonorIdentity:
    kind: str
    name: str = ""
    credit_code: str = ""
    phone: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return ("credit_code", self.credit_code) if self.credit_code else ("phone", self.phone)


def donors_find(identities: Iterable[DonorIdentity]) -> dict[tuple[str, str], Donor]:
    """The donors already on record, by identity key (the oldest when two share a key). Two queries."""
    identities = list(identities)
    codes = {i.credit_code for i in identities if i.credit_code}
    phones = {keyed_hash("phone", i.phone): i.phone for i in identities if not i.credit_code and i.phone}
    found: dict[tuple[str, str], Donor] = {}
    by_code = in_chunks(Donor.objects.filter(kind=DonorKind.ORGANISATION).order_by("-pk"), "credit_code", codes)
    for code, donor in by_code.items():
        found[("credit_code", code)] = donor
    for digest, donor in in_chunks(Donor.objects.order_by("-pk"), "phone_hash", phones).items():
        found[("phone", phones[digest])] = donor
    return found


def donors_find_or_create(identities: Iterable[DonorIdentity]) -> dict[tuple[str, str], Donor]:
    """Every identity's donor: found, or created once (one bulk insert) from the first row naming it."""
    identities = list(identities)
    found = donors_find(identities)
    missing: dict[tuple[str, str], Donor] = {}
    for identity in identities:
        if identity.key in found or identity.key in missing:
            continue
        donor = Donor(
            kind=identity.kind, name=identity.name.strip(), credit_code=identity.credit_code, phone=identity.phone
        )
        donor.hashes_refresh()
        missing[identity.key] = donor
    Donor.objects.bulk_create(list(missing.values()), batch_size=1000)
    return {**found, **missing}


def donor_errors(donor: Donor) -> dict[str, str]:
    """What a form would say about this donor, by field, in Chinese: the field validators (credit code check
    character, e-mail, lengths, kind) and ``Donor.clean`` (a credit code only for an organisation, which must be
    named). No query — ``full_clean`` would run one per donor to check the table's constraints."""
    errors: dict[str, str] = {}
    with translation.override("zh-hans"):
        for check in (donor.clean_fields, donor.clean):
            try:
                check()
            except ValidationError as error:
                by_field = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
                for field, messages in by_field.items():
                    errors.setdefault(field, messages[0])
    return errors


DONOR_IMPORT_FIELDS = ["name", "phone", "email", "show_name_publicly", "phone_hash", "email_hash"]


@transaction.atomic
def donors_save_bulk(*, new: list[Donor], changed: list[Donor]) -> None:
    """Register ``new`` donors and save edits to ``changed`` ones (an import: thousands of rows). Every one is
    checked as ``donor_errors`` says before any is written; then one bulk insert, and one short UPDATE per edit
    (2,000 edits: 0.7 s on SQLite, against 12 s compiling ``bulk_update``'s CASE expressions). An edit may change
    the name, contact details and consent; never the kind or the credit code that identify a donor."""
    for donor in (*new, *changed):
        if errors := donor_errors(donor):
            raise ValidationError([f"捐赠人「{donor.name or '未填姓名'}」:{message}" for message in errors.values()])
        donor.hashes_refresh()
    Donor.objects.bulk_create(new, batch_size=1000)
    for donor in changed:
        donor.save(update_fields=DONOR_IMPORT_FIELDS)
