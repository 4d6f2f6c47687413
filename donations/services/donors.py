"""Finding donors by what identifies them (统一社会信用代码 for an organisation, a mobile number for a person) and
creating the missing ones — for imports, where thousands of rows name a few hundred donors."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

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
