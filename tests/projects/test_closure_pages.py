"""What the public reads after 结项: the closed project's page says where its leftover went (amount and date from the
ledger), the receiving project's page shows what it received, and a donor's look-up result (the receipt page)
follows the part of the gift that moved into the receiving fund."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page, Site

from cms.models import HomePage, ProjectIndexPage, ProjectPage
from donations.tokens import receipt_token
from projects.services.closure import closure_approve, closure_propose
from tests.factories import ProjectFactory
from tests.projects.conftest import give
from tests.projects.disbursement_flows import paid, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(finance, officer, approver):
    giver = ProjectFactory(code="XT100", name="血透100")
    receiver = ProjectFactory(code="FM200", name="爱心复明")
    give(giver, "1000.00", finance_user=finance, days_ago=20, name="甲")
    gift = give(giver, "12345.00", finance_user=finance, days_ago=10, name="乙")
    paid(giver, person(1, name="张一"), "1000.00", officer=officer, approver=approver, finance=finance)
    home = Page.get_first_root_node().add_child(instance=HomePage(title="首页", slug="closure-home"))
    Site.objects.update_or_create(is_default_site=True, defaults={"root_page": home, "hostname": "localhost"})
    index = home.add_child(instance=ProjectIndexPage(title="项目", slug="projects"))
    for project, slug in ((giver, "xt100"), (receiver, "fm200")):
        index.add_child(instance=ProjectPage(title=project.name, slug=slug, project=project, summary="简介"))
    return giver, receiver, gift


def close(giver, receiver, *, finance, approver, decision="transfer"):
    closure = closure_propose(
        project=giver,
        user=finance,
        decision=decision,
        target=receiver if decision == "transfer" else None,
        reason="救助对象均已完成治疗",
        basis="依据募捐方案第 5 条",
    )
    return closure_approve(closure=closure, user=approver)


def text(html: bytes) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.decode()))


def test_the_closed_project_says_where_its_leftover_went(client, pages, finance, approver):
    giver, receiver, _ = pages
    closure = close(giver, receiver, finance=finance, approver=approver)
    day = timezone.localdate(closure.transaction.occurred_at).isoformat()
    page = text(client.get("/projects/xt100/").content)
    assert f"结余 ¥12,345.00 已于 {day} 转入 爱心复明,依据募捐方案第 5 条" in page
    assert "理由:救助对象均已完成治疗" in page
    received = text(client.get("/projects/fm200/").content)
    assert f"收到 血透100 结项结余 ¥12,345.00({day} 转入,依据募捐方案第 5 条)" in received


@pytest.mark.skipif(
    connection.vendor == "postgresql", reason="PostgreSQL's trigger refuses the edit: no stray copy can exist there"
)
def test_the_sentence_reads_the_ledger_not_a_copy(client, pages, finance, approver):
    """The decision keeps what the proposer saw; the page shows the posted transaction's amount."""
    giver, receiver, _ = pages
    closure = close(giver, receiver, finance=finance, approver=approver)
    type(closure).objects.filter(pk=closure.pk).update(amount=Decimal("1.00"))  # a stray copy changes nothing
    page = text(client.get("/projects/xt100/").content)
    assert "结余 ¥12,345.00 已于" in page and "¥1.00" not in page


def test_a_release_is_said_plainly(client, pages, finance, approver):
    giver, receiver, _ = pages
    close(giver, receiver, finance=finance, approver=approver, decision="release")
    page = text(client.get("/projects/xt100/").content)
    assert "转为本会非限定性资金,依据募捐方案第 5 条" in page
    assert "收到" not in text(client.get("/projects/fm200/").content).split("结项结余")[0][-20:]


def test_an_open_project_says_nothing_about_closure(client, pages):
    page = text(client.get("/projects/xt100/").content)
    assert "结余 ¥" not in page and "结项结余" not in page


def test_the_donor_look_up_follows_the_transfer(client, pages, finance, officer, approver):
    giver, receiver, gift = pages
    closure = close(giver, receiver, finance=finance, approver=approver)
    day = timezone.localdate(closure.transaction.occurred_at).isoformat()
    paid(receiver, person(5, name="王一"), "2000.00", officer=officer, approver=approver, finance=finance)
    page = text(client.get(reverse("donations:receipt", args=[receipt_token(gift)])).content)
    # 甲 [0, 1000) paid 张一; 乙 [1000, 13345) is the leftover, [0, 12345) in 爱心复明, where 王一 took ¥2,000.
    assert f"¥12,345.00 已于 {day} 转入 爱心复明,依据募捐方案第 5 条;其中 ¥2,000.00 已用于该项目的拨付。" in page
    assert "王*" in page and "王一" not in page


def test_the_public_ledger_labels_the_closure_record(client, pages, finance, approver):
    giver, receiver, _ = pages
    close(giver, receiver, finance=finance, approver=approver)
    page = text(client.get("/transparency/", {"kind": "transfer"}).content)
    assert "转入 FM200" in page and "依据 依据募捐方案第 5 条" in page
    dictionary = client.get("/api/ledger/v1/open-data/dictionary.json").json()
    assert all(key in str(dictionary) for key in ("to_fund", "basis", "unrestricted"))
