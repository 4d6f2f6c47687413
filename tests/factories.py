"""Deterministic factories (no random data: a failure reproduces exactly)."""

from datetime import date
from decimal import Decimal

import factory

from projects.models import Category, Project, Status


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"P{n:03d}")
    name = factory.Sequence(lambda n: f"测试项目{n}")
    category = Category.MEDICAL
    status = Status.FUNDRAISING
    target_amount = Decimal("100000.00")
    start_date = date(2026, 1, 1)
    is_restricted = True
