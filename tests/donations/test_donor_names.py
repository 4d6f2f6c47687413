"""Donor names stay out of the permanent log: a gift's public record commits to the name (salted), the wall shows
names only through review (held for links, markup or a listed word; 爱心人士 when held or hidden), staff may hide,
approve or erase a name (audit-logged), and the verify page checks a name and salt against the commitment."""

# ruff: noqa: F811 (tests take the project_page fixture imported from test_lookup_and_wall)
from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from wagtail.models import ModelLogEntry

from donations.models import Donation, HeldWord, MonthlyPlan, NameReview
from donations.services import donation_record_payment
from donations.services.donor_names import (
    donor_name_approve,
    donor_name_erase,
    donor_name_hide,
    donor_names_rescan,
)
from donations.services.plans import plan_gift_create
from donations.tokens import receipt_token
from ledger.merkle import donor_commitment
from ledger.services import tree_head_publish
from tests.donations.test_lookup_and_wall import RECEIVED, project_page, received, wall  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

HTML_NAME = "<script>alert('x')</script>"


def details(gift: Donation) -> dict:
    gift.refresh_from_db()
    return json.loads(gift.transaction.record)["details"]


def opens(gift: Donation) -> bool:
    """The gift's record commits to the name kept beside it, under the salt kept beside it."""
    commitment = details(gift)["donor_commitment"]
    return commitment == donor_commitment(gift.name_committed, bytes.fromhex(gift.name_salt))


# -- the record commits to the name -------------------------------------------------------------------------------


def test_an_online_gift_record_holds_a_commitment_not_the_name(project):
    gift = received(project, display_name="小王")
    assert "donor" not in details(gift) and "小王" not in gift.transaction.record
    assert gift.name_committed == "小王" and len(bytes.fromhex(gift.name_salt)) >= 16
    assert opens(gift)
    assert details(gift)["donor_commitment"] != donor_commitment("小李", bytes.fromhex(gift.name_salt))


def test_every_gift_gets_its_own_salt_and_anonymous_gifts_commit_too(project):
    first, second = received(project, display_name="小王"), received(project, display_name="小王")
    anonymous = received(project, display_name="小王", is_anonymous=True)
    assert opens(first) and opens(second) and opens(anonymous)
    assert first.name_salt != second.name_salt
    assert details(first)["donor_commitment"] != details(second)["donor_commitment"]
    assert anonymous.name_committed == "匿名" and "小王" not in anonymous.transaction.record


def test_a_monthly_renewal_commits_to_the_plans_name(project):
    plan = MonthlyPlan.objects.create(project=project, amount=Decimal("30.00"), display_name="月捐的小张")
    gift = plan_gift_create(plan=plan, invoice_id="in_test_2")
    gift = donation_record_payment(donation=gift, amount=Decimal("30.00"), currency="CNY", received_at=RECEIVED)
    assert "月捐的小张" not in gift.transaction.record
    assert gift.name_committed == "月捐的小张" and opens(gift)


# -- review for the wall -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [HTML_NAME, "看这里 www.example.cn", "http://spam", "坏 蛋老王", "BADword 先生"])
def test_links_markup_and_listed_words_are_held_off_the_wall(client, project, project_page, name):
    HeldWord.objects.create(word="坏蛋")
    HeldWord.objects.create(word="badWORD")
    held = received(project, display_name=name)
    received(project, amount="10.00", display_name="小王")
    held.refresh_from_db()
    assert held.name_review == NameReview.HELD
    assert sorted(wall(client)) == [("小王", "¥10.00"), ("爱心人士", "¥88.80")]
    html = client.get("/projects/xt100/").content.decode()
    assert "alert(" not in html and "example.cn" not in html and "spam" not in html and "老王" not in html
    assert opens(held)  # the record commits to it all the same: review changes the wall, not the ledger


def test_adding_a_word_holds_the_names_already_shown(client, project, project_page):
    received(project, display_name="王坏蛋")
    assert wall(client) == [("王坏蛋", "¥88.80")]
    HeldWord.objects.create(word="坏蛋")
    assert donor_names_rescan() == 1
    assert wall(client) == [("爱心人士", "¥88.80")]


def test_staff_hide_shows_a_caring_donor_and_approve_brings_the_name_back(client, project, project_page, finance):
    gift = received(project, display_name="小王")
    donor_name_hide(donation=gift, user=finance)
    assert wall(client) == [("爱心人士", "¥88.80")]
    donor_name_approve(donation=gift, user=finance)
    assert wall(client) == [("小王", "¥88.80")]
    actions = set(ModelLogEntry.objects.filter(object_id=str(gift.pk)).values_list("action", flat=True))
    assert {"donations.name_hide", "donations.name_approve"} <= actions


def test_a_held_name_is_approved_in_the_admin(client, project, project_page, finance):
    gift = received(project, display_name=HTML_NAME)
    staff = Client()
    staff.force_login(finance)
    inspect = staff.get(f"/admin/gifts/inspect/{gift.pk}/")
    assert inspect.status_code == 200 and "批准署名" in inspect.content.decode()
    url = f"/admin/gifts/name/{gift.pk}/approve/"
    assert staff.get(url).status_code == 200
    assert staff.post(url).status_code == 302
    gift.refresh_from_db()
    assert gift.name_review == NameReview.APPROVED


def test_only_staff_with_the_permission_review_or_erase_names(project, approver, editor):
    gift = received(project, display_name="小王")
    for user in (approver, editor):
        for service in (donor_name_hide, donor_name_approve, donor_name_erase):
            with pytest.raises(PermissionDenied):
                service(donation=gift, user=user)
        staff = Client()
        staff.force_login(user)
        assert staff.post(f"/admin/gifts/name/{gift.pk}/erase/").status_code in (302, 403)
    gift.refresh_from_db()
    assert gift.name_review == NameReview.SHOWN and gift.display_name == "小王"


# -- erasure -------------------------------------------------------------------------------------------------------


def test_erasure_forgets_the_name_and_the_ledger_still_verifies(client, project, project_page, finance):
    name = "王小明的同事"
    gift = received(project, display_name=name)
    received(project, amount="10.00", display_name="小李")
    tree_head_publish()
    commitment = details(gift)["donor_commitment"]

    donor_name_erase(donation=gift, user=finance)

    gift.refresh_from_db()
    assert (gift.display_name, gift.name_committed, gift.name_salt, gift.name_review) == ("", "", "", "erased")
    assert details(gift)["donor_commitment"] == commitment  # the leaf is untouched
    call_command("verify_ledger", stdout=StringIO(), stderr=StringIO())  # raises CommandError on any problem
    assert sorted(wall(client)) == [("小李", "¥10.00"), ("爱心人士", "¥88.80")]
    pages = [
        client.get("/projects/xt100/").content.decode(),
        client.get("/transparency/").content.decode(),
        b"".join(client.get("/api/ledger/v1/open-data/ledger.jsonl").streaming_content).decode(),
        client.get(reverse("donations:receipt", args=[receipt_token(gift)])).content.decode(),
    ]
    assert all(name not in page for page in pages)
    entry = ModelLogEntry.objects.get(action="donations.name_erase", object_id=str(gift.pk))
    assert name not in json.dumps(entry.data, ensure_ascii=False)
    with pytest.raises(ValueError, match="已删除"):
        donor_name_approve(donation=gift, user=finance)


# -- the donor checks their name -----------------------------------------------------------------------------------


def test_the_receipt_shows_the_opening_and_the_verify_page_checks_it(client, project):
    gift = received(project, display_name="小王")
    gift.refresh_from_db()
    token = receipt_token(gift)
    assert gift.name_salt in client.get(reverse("donations:receipt", args=[token])).content.decode()
    url = reverse("donations:verify", args=[token])
    assert "核对一致" in client.post(url, {"name": " 小王 ", "salt": gift.name_salt}).content.decode()
    assert "核对不一致" in client.post(url, {"name": "小李", "salt": gift.name_salt}).content.decode()
    assert "32 位十六进制" in client.post(url, {"name": "小王", "salt": "zz"}).content.decode()


# -- gifts recorded before commitments -----------------------------------------------------------------------------


def test_existing_names_stay_shown_unless_the_rules_catch_them(project):
    plain, marked = received(project, display_name="老张"), received(project, display_name="<b>老李</b>")
    Donation.objects.update(name_review=NameReview.SHOWN)
    migration = __import__("donations.migrations.0005_donor_name_commitment", fromlist=["hold_existing_names"])
    migration.hold_existing_names(apps, None)
    plain.refresh_from_db()
    marked.refresh_from_db()
    assert (plain.name_review, marked.name_review) == (NameReview.SHOWN, NameReview.HELD)


def test_staff_edit_the_word_list_in_the_admin_and_shown_names_it_catches_are_held(
    client,
    project,
    project_page,
    finance,
):
    received(project, display_name="王坏蛋")
    staff = Client()
    staff.force_login(finance)
    assert staff.get("/admin/held-words/").status_code == 200
    assert staff.post("/admin/held-words/new/", {"word": "坏蛋"}).status_code == 302
    assert HeldWord.objects.filter(word="坏蛋").exists()
    assert wall(client) == [("爱心人士", "¥88.80")]


def test_an_old_record_keeps_its_name_but_the_ledger_page_shows_a_caring_donor_once_hidden(client, project, finance):
    from ledger.chart import BANK, chart_ensure
    from ledger.services import LegSpec, transaction_post
    from projects.services import project_fund_accounts

    chart_ensure()
    income = project_fund_accounts(project=project).income.code
    posted = transaction_post(  # as gifts were posted before commitments: the name in clear
        kind="donation",
        occurred_at=RECEIVED,
        source="test:old-gift",
        legs=[LegSpec(BANK, "D", Decimal("50.00")), LegSpec(income, "C", Decimal("50.00"))],
        public_record={"fund": "XT100", "donor": "老张", "channel": "bank"},
    )
    gift = Donation.objects.create(
        project=project,
        channel="bank",
        status="succeeded",
        requested_amount=Decimal("50.00"),
        amount=Decimal("50.00"),
        received_at=RECEIVED,
        display_name="老张",
        transaction=posted,
        bank_reference="OLD-1",
        receipt_serial="JZ2026-900001",
    )
    assert "老张" in client.get("/transparency/").content.decode()
    donor_name_hide(donation=gift, user=finance)
    page = client.get("/transparency/").content.decode()
    assert "老张" not in page and "爱心人士" in page
    assert "老张" in posted.record  # the record itself cannot change
    check = client.post(reverse("donations:verify", args=[receipt_token(gift)]), {"name": "老张", "salt": "00" * 16})
    assert "直接记有公开署名" in check.content.decode()
