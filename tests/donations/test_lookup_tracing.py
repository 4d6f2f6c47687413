"""善款去向 on the donor's look-up result (the receipt page) and on the verification page: the disbursements a gift
paid for, first in first out within its fund, with masked names only; the total traced and what is still unspent;
re-allocated at once after a refund or a reversed disbursement; a sentence instead for a general-fund gift.

Expected shares are worked out here by hand from the FIFO rule (docs/disbursements.md), not by the selector."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup

from donations.models import Donor
from donations.services import donation_record_payment, donation_record_refund
from projects.services import (
    DisbursementDraft,
    beneficiary_register,
    consent_record,
    disbursement_approve,
    disbursement_create,
    disbursement_pay,
    disbursement_reverse,
    disbursement_submit,
)
from tests.donations.events import pending_gift
from tests.factories import beneficiary_data, staff_user

pytestmark = pytest.mark.django_db

LOOKUP = "/donations/lookup/"
NAMES = ["赵思远", "钱多多", "孙悟净"]


@pytest.fixture
def staff(db):
    return {
        "officer": staff_user("lk-officer", "项目官员"),
        "approver": staff_user("lk-approver", "审核人"),
        "finance": staff_user("lk-finance", "财务"),
    }


def _gift(project, amount: str, day: int, phone: str):
    donor = Donor.objects.create(name=f"捐赠人{day}", phone=phone)
    gift = pending_gift(project, amount=amount, donor=donor, display_name=f"爱心人士{day}")
    at = datetime(2026, 3, day, 9, tzinfo=UTC)
    return donation_record_payment(donation=gift, amount=Decimal(amount), currency="CNY", received_at=at)


def _pay(project, staff, n: int, amount: str):
    beneficiary = beneficiary_register(data=beneficiary_data(n, name=NAMES[n]), created_by=staff["officer"])
    if n == 0:  # consent: 赵*远; the others show the surname only
        consent_record(beneficiary=beneficiary, given_by="self", giver_name=NAMES[n], given_on=date(2026, 1, 2))
    draft = DisbursementDraft(
        project=project,
        beneficiary=beneficiary,
        amount=Decimal(amount),
        purpose=f"医疗救助金第{n + 1}笔",
        disbursed_on=date(2026, 4, 1 + n),
    )
    disbursement = disbursement_create(draft=draft, user=staff["officer"])
    disbursement_submit(disbursement=disbursement, user=staff["officer"])
    disbursement_approve(disbursement=disbursement, user=staff["approver"])
    return disbursement_pay(disbursement=disbursement, user=staff["finance"])


@pytest.fixture
def books(project, staff):
    """Gift A ¥3,000 then gift B ¥5,000 to one fund; paid ¥2,000, ¥2,500, ¥1,500 in that order.
    FIFO: A = [0, 3000) pays the first grant and ¥1,000 of the second; B = [3000, 8000) pays ¥1,500 of the second
    and all of the third, and keeps ¥2,000 unspent."""
    first = _gift(project, "3000.00", 1, "13800000001")
    second = _gift(project, "5000.00", 2, "13800000002")
    paid = [_pay(project, staff, n, amount) for n, amount in enumerate(["2000.00", "2500.00", "1500.00"])]
    return first, second, paid


def _result(client, gift, contact: str, prefix: str = "") -> BeautifulSoup:
    """What the donor sees after a look-up: the POST redirects to the receipt page, which shows 善款去向."""
    found = client.post(f"{prefix}{LOOKUP}", {"serial": gift.receipt_serial, "contact": contact})
    assert found.status_code == 302, found.content.decode()
    page = client.get(found["Location"])
    assert page.status_code == 200
    return BeautifulSoup(page.content.decode(), "html.parser")


def _traced(soup: BeautifulSoup) -> list[tuple[str, str, str]]:
    """(masked beneficiary, purpose, share of this gift) per row of the 善款去向 table."""
    section = soup.find("section", class_="tracing")
    assert section is not None, "the result page has a 善款去向 section"
    rows = []
    for row in section.select("tbody tr"):
        cells = [cell.get_text(strip=True) for cell in row.find_all(["th", "td"])]
        rows.append((cells[0], cells[4], cells[-1]))
    return rows


def _figure(soup: BeautifulSoup, testid: str) -> str:
    return soup.find(attrs={"data-testid": testid}).get_text(strip=True)


def test_the_lookup_result_shows_what_each_gift_paid_for(client, books):
    first, second, _paid = books

    shown = _traced(_result(client, first, "0001"))
    assert shown == [("赵*远", "医疗救助金第1笔", "¥2,000.00"), ("钱*", "医疗救助金第2笔", "¥1,000.00")]

    soup = _result(client, second, "0002")
    assert _traced(soup) == [("钱*", "医疗救助金第2笔", "¥1,500.00"), ("孙*", "医疗救助金第3笔", "¥1,500.00")]
    assert (_figure(soup, "tracing-kept"), _figure(soup, "tracing-spent"), _figure(soup, "tracing-unspent")) == (
        "¥5,000.00",
        "¥3,000.00",
        "¥2,000.00",
    )
    text = soup.get_text()
    assert "尚未使用的 ¥2,000.00 将按先进先出用于本项目后续拨付" in text
    assert "先进先出" in soup.find("section", class_="tracing").find("p", class_="muted").get_text()
    html = str(soup)
    for name in NAMES:
        assert name not in html, f"the full name {name} is shown"


def test_a_refund_re_allocates_the_later_gift(client, books):
    first, second, _paid = books
    donation_record_refund(donation=first, refunded_total=Decimal("1000.00"), key="test:refund:a", at=datetime.now(UTC))

    # A keeps ¥2,000 = [0, 2000): the first grant. B = [2000, 7000): all of the second and third, ¥1,000 unspent.
    assert _traced(_result(client, first, "0001")) == [("赵*远", "医疗救助金第1笔", "¥2,000.00")]
    soup = _result(client, second, "0002")
    assert _traced(soup) == [("钱*", "医疗救助金第2笔", "¥2,500.00"), ("孙*", "医疗救助金第3笔", "¥1,500.00")]
    assert _figure(soup, "tracing-unspent") == "¥1,000.00"


def test_a_reversed_disbursement_re_allocates(client, books, staff):
    first, second, paid = books
    disbursement_reverse(disbursement=paid[0], user=staff["finance"], reason="银行退票")

    # Spending is now ¥2,500 then ¥1,500: A pays the second grant and ¥500 of the third; B pays ¥1,000 of it.
    assert _traced(_result(client, first, "0001")) == [
        ("钱*", "医疗救助金第2笔", "¥2,500.00"),
        ("孙*", "医疗救助金第3笔", "¥500.00"),
    ]
    soup = _result(client, second, "0002")
    assert _traced(soup) == [("孙*", "医疗救助金第3笔", "¥1,000.00")]
    assert _figure(soup, "tracing-unspent") == "¥4,000.00"


def test_a_gift_not_yet_used_says_so(client, project):
    gift = _gift(project, "100.00", 3, "13800000003")
    soup = _result(client, gift, "0003")
    assert _traced(soup) == []
    assert "您的捐赠尚未被使用。" in soup.get_text()
    assert "尚未使用的 ¥100.00 将按先进先出用于本项目后续拨付" in soup.get_text()


def test_a_general_fund_gift_is_used_as_a_whole(client, db):
    gift = _gift(None, "50.00", 4, "13800000004")
    soup = _result(client, gift, "0004")
    section = soup.find("section", class_="tracing")
    assert "统一用于慈善工作" in section.get_text()
    assert section.find("table") is None


def test_the_verification_page_shows_it_too(client, books):
    _first, second, _paid = books
    receipt = client.post(LOOKUP, {"serial": second.receipt_serial, "contact": "0002"})["Location"]
    soup = BeautifulSoup(client.get(receipt.replace("/receipt/", "/verify/")).content.decode(), "html.parser")
    assert _traced(soup) == [("钱*", "医疗救助金第2笔", "¥1,500.00"), ("孙*", "医疗救助金第3笔", "¥1,500.00")]


def test_english_labels_under_en(client, books):
    _first, second, _paid = books
    soup = _result(client, second, "0002", prefix="/en")
    section = soup.find("section", class_="tracing")
    assert soup.html["lang"] == "en"
    assert section.find("h2").get_text(strip=True) == "Where your gift went"
    headers = [th.get_text(strip=True) for th in section.select("thead th")]
    assert headers == [
        "Beneficiary",
        "Beneficiary category",
        "Region",
        "Date paid",
        "Purpose",
        "Grant",
        "From your gift",
    ]
    assert re.search(
        r"The ¥2,000.00 not yet used will go to this project's next disbursements, first in, first out",
        section.get_text(" ", strip=True),
    )
    assert "善款去向" not in section.get_text()
