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


def id_number(n: int, born: str = "20000101") -> str:
    """The n-th valid 居民身份证号 for a person born on ``born`` (YYYYMMDD), check digit computed."""
    from projects.sensitive import id_number_with_check

    return id_number_with_check(f"370303{born}{n % 1000:03d}")


def beneficiary_data(n: int, **overrides):
    """Registration data for the n-th test beneficiary (an adult unless ``born`` says otherwise)."""
    from projects.models import BeneficiaryCategory
    from projects.services import BeneficiaryData

    born = overrides.pop("born", f"{1960 + n // 1000}0101")
    values = {
        "name": f"张{'一二三四五六七八九十'[n % 10]}{n}",
        "category": BeneficiaryCategory.ORPHAN,
        "district": "广安区",
        "town": "浓洄街道",
        "village": "和平社区",
        "id_number": id_number(n, born),
        "phone": f"139{n:08d}",
        "bank_name": "农业银行",
        "bank_account": f"6228{n:015d}",
    }
    values.update(overrides)
    return BeneficiaryData(**values)


def staff_user(username: str, *groups: str):
    """A staff account in the given groups (the groups ``charity.groups`` creates after migrate)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user(username, f"{username}@example.org", "pass-1234", is_staff=True)
    user.groups.set(Group.objects.filter(name__in=groups))
    return get_user_model().objects.get(pk=user.pk)  # fresh: no cached permissions
