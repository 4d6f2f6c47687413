"""Finding a beneficiary to pick (受助人选择): by name, masked name or full ID number, enrolled in a project first.

Rules:
- A full 居民身份证号 is never compared in clear: the typed number is normalised and keyed-hashed, and matched
  against ``id_number_hash`` (the same hash the registry's unique index uses), so a number finds its one person.
- A name with ``*`` is read as the mask staff see, one ``*`` per hidden character as ``mask_name`` writes it:
  张*三 matches 张晓三, 欧**娜 matches 欧阳娜娜. Any other text matches anywhere in the name.
- With a project, only people enrolled in it (any enrolment, current or ended) are found unless the caller asks
  for everyone: a payment to someone not enrolled is the exception (one-off relief), not the default.
"""

from __future__ import annotations

import re

from django.db.models import Exists, OuterRef, Q, QuerySet

from projects.models import Beneficiary, Enrolment
from projects.sensitive import ID_PATTERN, keyed_hash, normalise

ID_LIKE = re.compile(r"^\d{17}[\dXx]$")


def looks_like_id_number(query: str) -> bool:
    return bool(ID_LIKE.match(re.sub(r"[\s-]", "", query or "")))


def _name_filter(query: str) -> Q:
    if "*" in query:
        pattern = "".join("." if char == "*" else re.escape(char) for char in query)
        return Q(name__regex=f"^{pattern}$")
    return Q(name__icontains=query)


def beneficiaries_matching(
    query: str = "", *, project_id: int | None = None, enrolled_only: bool = True
) -> QuerySet[Beneficiary]:
    """People matching ``query`` (empty: everyone), each annotated ``enrolled`` (in ``project_id``); limited to
    those enrolled in the project when one is given and ``enrolled_only``."""
    rows = Beneficiary.objects.all()
    query = (query or "").strip()
    if looks_like_id_number(query):
        value = normalise("id_number", query)
        rows = rows.filter(id_number_hash=keyed_hash("id_number", value)) if ID_PATTERN.match(value) else rows.none()
    elif query:
        rows = rows.filter(_name_filter(query))
    if project_id is None:
        return rows.order_by("name", "pk")
    enrolled = Exists(Enrolment.objects.filter(project_id=project_id, beneficiary=OuterRef("pk")))
    rows = rows.annotate(enrolled=enrolled)
    if enrolled_only:
        rows = rows.filter(enrolled=True)
    return rows.order_by("-enrolled", "name", "pk")
