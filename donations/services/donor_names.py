"""Donor names: the salted commitment a gift's public record carries, their review for the wall, and erasure.

Rules:
- A gift's public ledger record never holds the donor's name: it holds ``donor_commitment`` =
  SHA-256(prefix ‖ salt ‖ name) (``ledger.merkle.donor_commitment``), with a fresh random salt of 16 bytes kept
  on the gift (``name_salt``) beside the name it covers (``name_committed``). Every gift gets one, anonymous ones
  too (committing to 匿名), so the record does not even tell whether a donor gave a name.
- A name with a link, markup or a listed word (``HeldWord``) is held (待审核) and the wall shows 爱心人士 until
  staff approve it; staff may hide any name. Changing the list holds the names it now catches.
- Erasing a name (个人信息保护法) clears the name and the salt: the record's commitment can no longer be opened
  or tested by guessing, and the leaf, the tree and every signed head still verify.
- Each staff action needs its permission and writes an audit-log entry.
"""

from __future__ import annotations

import os
from functools import lru_cache

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from wagtail.log_actions import log

from donations.models import Donation, HeldWord, NameReview
from donations.name_rules import name_hold_reason
from ledger.merkle import SALT_SIZE, donor_commitment

MODERATE_PERMISSION = "donations.moderate_donor_name"
ERASE_PERMISSION = "donations.erase_donor_name"
APPROVE_ACTION = "donations.name_approve"
HIDE_ACTION = "donations.name_hide"
ERASE_ACTION = "donations.name_erase"


def held_words() -> tuple[str, ...]:
    return tuple(HeldWord.objects.values_list("word", flat=True))


def name_commit(donation: Donation, words: tuple[str, ...]) -> str:
    """Fix the public name the gift's record commits to: a fresh salt, the name, its first review state.
    Returns the commitment (hex) for ``details.donor_commitment``. Called once, when the gift is posted."""
    name = donation.public_name
    salt, commitment = commitment_new(name)
    donation.name_committed, donation.name_salt = name, salt
    if donation.name_review != NameReview.ERASED:  # erased while pending: it stays off the wall
        donation.name_review = NameReview.HELD if _held(name, words) else NameReview.SHOWN
    return commitment


@lru_cache(maxsize=4096)
def _held(name: str, words: tuple[str, ...]) -> bool:
    """Cached by name and list: an import of 100,000 gifts has a few hundred distinct names."""
    return bool(name_hold_reason(name, words))


def commitment_new(name: str) -> tuple[str, str]:
    """A fresh random salt (hex) and the commitment to ``name`` under it."""
    salt = os.urandom(SALT_SIZE)
    return salt.hex(), donor_commitment(name, salt)


def donor_name_approve(*, donation: Donation, user) -> Donation:
    """Show a held (or hidden) name on the wall."""
    return _review(donation, user, NameReview.APPROVED, MODERATE_PERMISSION, APPROVE_ACTION)


def donor_name_hide(*, donation: Donation, user) -> Donation:
    """Keep a name off the wall: it shows 爱心人士. Reversible (approve), unlike erasure."""
    return _review(donation, user, NameReview.HIDDEN, MODERATE_PERMISSION, HIDE_ACTION)


def donor_name_erase(*, donation: Donation, user) -> Donation:
    """Forget the gift's public name: the name and the commitment's salt are cleared (and the monthly plan's
    name, so later months do not publish it again). The ledger record keeps its commitment, which no one can open
    any more; records written before commitments (which hold the name in clear) cannot be changed."""
    with transaction.atomic():
        donation = _checked(donation, user, NameReview.ERASED, ERASE_PERMISSION)
        donation.display_name = donation.name_committed = donation.name_salt = ""
        donation.save(update_fields=["name_review", "display_name", "name_committed", "name_salt", "updated_at"])
        if donation.plan_id is not None:
            donation.plan.display_name = ""
            donation.plan.save(update_fields=["display_name"])
        log(donation, ERASE_ACTION, user=user)
    return donation


def _review(donation: Donation, user, target: str, permission: str, action: str) -> Donation:
    with transaction.atomic():
        donation = _checked(donation, user, target, permission)
        donation.save(update_fields=["name_review", "updated_at"])
        log(donation, action, user=user)  # not the name: the log outlives an erasure
    return donation


def _checked(donation: Donation, user, target: str, permission: str) -> Donation:
    if not user.has_perm(permission):
        raise PermissionDenied("没有审核或删除捐赠人署名的权限。")
    donation = Donation.objects.select_for_update(of=("self",)).select_related("donor", "plan").get(pk=donation.pk)
    donation.set_name_review(target)
    return donation


def donor_names_rescan(*, words: tuple[str, ...] | None = None) -> int:
    """Hold every automatically shown name that the word list now catches (after staff change the list).
    Names staff approved stay approved. Returns how many were held."""
    words = held_words() if words is None else words
    if not words:
        return 0
    candidates = Donation.objects.filter(name_review=NameReview.SHOWN, is_anonymous=False).filter(
        ~Q(display_name="") | Q(donor__show_name_publicly=True)
    )
    held = [
        gift.pk
        for gift in candidates.select_related("donor")
        .only("display_name", "is_anonymous", "donor__name", "donor__show_name_publicly")
        .iterator()
        if name_hold_reason(gift.public_name, words)
    ]
    with transaction.atomic():
        return Donation.objects.filter(pk__in=held, name_review=NameReview.SHOWN).update(name_review=NameReview.HELD)
