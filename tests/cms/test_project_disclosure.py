"""The project page's figures and 公示: raised, 已拨付, 已审批待支付, available, 受助人数 and 人次, and a table of the
latest paid disbursements with masked names only — the figures the seed reports publish ("救助 N 人次,发放资金
X 万元"). The demo's 福彩圆梦·孤儿助学 is the worked example: 126 orphans at 7,500 元, one batch paid."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model

from charity.demo.books import GIFTS_AND_GRANTS
from projects.models import Beneficiary, Disbursement, DisbursementStatus
from projects.selectors import FundingSummary
from projects.selectors.disbursements import PublicDisbursement
from projects.services import disbursement_reverse

pytestmark = pytest.mark.django_db

ORPHANS = "/projects/orphan-education/"
DIALYSIS = "/projects/xuetou-100/"
MASKED = re.compile(r"^\w\*+\w?$")


def soup_of(client, url: str) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200
    return BeautifulSoup(response.content.decode(), "html.parser")


def figure(soup: BeautifulSoup, testid: str) -> str | None:
    found = soup.find(attrs={"data-testid": testid})
    return found.get_text(strip=True) if found else None


def notice_rows(soup: BeautifulSoup) -> list[list[str]]:
    table = soup.find("section", class_="disclosure").find("table")
    return [[c.get_text(strip=True) for c in row.find_all(["th", "td"])] for row in table.select("tbody tr")]


def test_the_orphan_grants_show_the_seed_figures(client, demo_site):
    soup = soup_of(client, ORPHANS)

    assert figure(soup, "disbursed") == "¥945,000.00"
    assert (figure(soup, "beneficiaries"), figure(soup, "grants")) == ("126", "126")
    assert figure(soup, "available") == "¥0.00"  # the 福彩 gift paid exactly the batch
    assert figure(soup, "committed") is None  # nothing approved and unpaid: no 已审批待支付 line
    assert figure(soup, "disclosure-summary") == "已救助 126 人、126 人次,发放资金 ¥945,000.00。"
    rows = notice_rows(soup)
    assert len(rows) == 50  # the latest 50 are listed, and the page says so
    assert "显示最近 50 笔,共 126 笔" in soup.find("section", class_="disclosure").get_text()
    for name, category, region, amount, _paid_on, purpose in rows:
        assert MASKED.match(name), name
        assert (category, amount, purpose) == ("孤儿", "¥7,500.00", "2025—2026学年助学金")
        assert region.startswith("广安区") and "村" not in region


def test_the_notice_is_accessible_markup(client, demo_site):
    table = soup_of(client, ORPHANS).find("section", class_="disclosure").find("table")
    assert table.find("caption").get_text(strip=True)
    assert [th["scope"] for th in table.select("thead th")] == ["col"] * 6
    assert all(row.find("th")["scope"] == "row" for row in table.select("tbody tr"))
    region = table.find_parent(attrs={"role": "region"})
    assert region["tabindex"] == "0" and region["aria-labelledby"] == table.find("caption")["id"]


def test_no_full_name_only_masks_with_or_without_consent(client, demo_site):
    html = client.get(DIALYSIS).content.decode() + client.get(ORPHANS).content.decode()
    for person in Beneficiary.objects.all():
        assert person.name not in html, person.name
    names = {row[0] for row in notice_rows(soup_of(client, DIALYSIS))}
    assert "孙*群" in names  # a consent on file: 张*三
    assert "周*" in names and "周*兰" not in names  # no consent: the surname only


def test_committed_and_available_follow_the_books(client, demo_site):
    soup = soup_of(client, DIALYSIS)
    paid = Disbursement.objects.filter(project__code="XT100", status=DisbursementStatus.PAID)
    approved = Disbursement.objects.filter(project__code="XT100", status=DisbursementStatus.APPROVED)
    raised = sum(Decimal(gift[3]) for gift in GIFTS_AND_GRANTS["XT100"][0])
    spent = sum(d.amount for d in paid)
    committed = sum(d.amount for d in approved)
    assert committed > 0 and spent > 0

    assert figure(soup, "disbursed") == f"¥{spent:,.2f}"
    assert figure(soup, "committed") == f"¥{committed:,.2f}"
    assert figure(soup, "available") == f"¥{raised - spent - committed:,.2f}"
    assert figure(soup, "grants") == str(paid.count())
    assert figure(soup, "beneficiaries") == str(paid.values("beneficiary").distinct().count())
    assert "已审批待支付" in soup.find("dl", class_="facts").get_text()


def test_a_reversed_grant_leaves_the_notice_and_the_counts(client, demo_site):
    before = len(notice_rows(soup_of(client, DIALYSIS)))
    latest = Disbursement.objects.filter(project__code="XT100", status=DisbursementStatus.PAID).latest("paid_at", "id")
    disbursement_reverse(disbursement=latest, user=get_user_model().objects.get(username="caiwu"), reason="银行退票")

    soup = soup_of(client, DIALYSIS)
    assert len(notice_rows(soup)) == before - 1
    assert figure(soup, "grants") == str(before - 1)


def test_figures_and_rows_come_only_from_the_selectors(client, demo_site, monkeypatch):
    import cms.models

    def funding(project):
        return FundingSummary(
            target=Decimal("1000.00"),
            raised=Decimal("900.00"),
            spent=Decimal("300.00"),
            currency="CNY",
            committed=Decimal("100.00"),
            beneficiaries=2,
            disbursements=3,
        )

    row = PublicDisbursement(
        public_id="x",
        project_code="XT100",
        project_name="血透100",
        beneficiary="甲*",
        category="低保",
        region="某区某街道",
        amount=Decimal("123.45"),
        paid_on=date(2026, 1, 2),
        purpose="选择器给的用途",
    )
    monkeypatch.setattr(cms.models, "project_funding", funding)
    monkeypatch.setattr(cms.models, "project_disbursements_public", lambda project, limit: [row])
    soup = soup_of(client, DIALYSIS)

    assert [figure(soup, k) for k in ("disbursed", "committed", "available", "beneficiaries", "grants")] == [
        "¥300.00",
        "¥100.00",
        "¥500.00",
        "2",
        "3",
    ]
    assert notice_rows(soup) == [["甲*", "低保", "某区某街道", "¥123.45", "2026-01-02", "选择器给的用途"]]


def test_english_page_has_translated_labels(client, demo_site):
    soup = soup_of(client, f"/en{ORPHANS}")
    section = soup.find("section", class_="disclosure")
    assert soup.html["lang"] == "en"
    assert section.find("h2").get_text(strip=True) == "Public notice of disbursements"
    assert figure(soup, "disclosure-summary") == (
        "So far 126 beneficiaries have been helped in 126 grants, and ¥945,000.00 has been paid out."
    )
    facts = soup.find("dl", class_="facts").get_text(" ", strip=True)
    assert "Disbursed" in facts and "Grants paid (person-times)" in facts and "Beneficiaries" in facts
    headers = [th.get_text(strip=True) for th in section.select("thead th")]
    assert headers == ["Beneficiary", "Beneficiary category", "Region", "Amount", "Date paid", "Purpose"]
    assert "资金使用公示" not in section.get_text() and "已拨付" not in facts


def test_a_project_without_grants_says_so(client, demo_site):
    soup = soup_of(client, "/projects/cataract-surgery/")  # its demo spending is a summary grant, not per person
    section = soup.find("section", class_="disclosure")
    assert section.find("table") is None
    assert "本项目尚无向受助人个人支付的拨付。" in section.get_text()
    assert figure(soup, "grants") is None  # no "0 人次" beside money already spent in summary grants
