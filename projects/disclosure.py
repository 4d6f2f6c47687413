"""What the public may know about a beneficiary (慈善法 Art. 63/82, 个人信息保护法).

Rule: a masked name, category, region down to 区县/镇街, amount, date, purpose and project — never the ID number,
phone, address, bank account, diagnosis or a minor's school. The name shows as 张*三 only while a publication
consent (公示授权) is in force on that day; otherwise as the surname alone, 张*.

Medical aid says less: a category of illness beside a hospital payee and a street-level region points at a sick
person. A disbursement is medical aid when its project is a medical project (项目类别 医疗救助), its beneficiary is
重病患者, or it is paid to a hospital; its public record then has the region down to the 区县 only, and no payee.
Pages apply the same rule to records written before it (``ledger.labels.displayed_details``).
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q

from ledger.privacy import mask_name, pseudonym
from projects.models import Beneficiary, BeneficiaryCategory, Category, Disbursement, Payee, Project


def has_consent_on(beneficiary: Beneficiary, day: date) -> bool:
    consents = getattr(beneficiary, "prefetched_consents", None)
    if consents is None:
        in_force = Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=day)
        return beneficiary.consents.filter(in_force, given_on__lte=day).exists()
    return any(c.given_on <= day and (c.withdrawn_on is None or c.withdrawn_on > day) for c in consents)


def public_name(beneficiary: Beneficiary, day: date) -> str:
    name = beneficiary.name.strip()
    if has_consent_on(beneficiary, day):
        return mask_name(name)
    return f"{name[:1]}*" if name else "*"


def public_tag(beneficiary: Beneficiary) -> str:
    """A keyed pseudonym, the same for every record of one person, so open data can count people, not names."""
    return pseudonym("beneficiary", str(beneficiary.public_id))


def is_medical_aid(disbursement: Disbursement) -> bool:
    return (
        disbursement.project.category == Category.MEDICAL
        or disbursement.beneficiary.category == BeneficiaryCategory.SERIOUSLY_ILL
        or disbursement.payee == Payee.HOSPITAL
    )


def public_region(beneficiary: Beneficiary, *, medical: bool) -> str:
    """区县 + 镇街, or the 区县 alone for medical aid; the village never leaves the registry."""
    return beneficiary.district if medical else beneficiary.public_region


def medical_fund_codes() -> frozenset[str]:
    """The funds of medical projects: pages hide the payee and the 镇街 of every record of theirs."""
    return frozenset(Project.objects.filter(category=Category.MEDICAL).values_list("code", flat=True))
