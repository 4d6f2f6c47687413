"""/transparency/: the public ledger as a reader browses it, in Chinese at / and in English under /en/.

Expected figures and entries are worked out here from the demo books and the postings each test makes,
not from the view's own selectors; the fund balances are compared with ``ledger.selectors.fund_figures``.
"""

from __future__ import annotations

import base64
import re
import urllib.parse
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db.models import Q

from charity.demo import content
from charity.demo.books import GIFTS_AND_GRANTS
from charity.demo.organisation_books import demo_year
from ledger import merkle
from ledger.chart import BANK
from ledger.models import Transaction, TransactionKind
from ledger.selectors import fund_figures, latest_tree_head
from ledger.services import LegSpec, PostingRequest, transactions_post_bulk, tree_head_publish
from projects.models import Disbursement

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
PAGE_SIZE = 50
EXTRA_GIFTS = 60
# The demo closes its books through last December: the test's own postings go into the open demo year.
YEAR, MONTHS = demo_year()
PHONE_LIKE = re.compile(r"(?<!\d)\d{11}(?!\d)")
ID_LIKE = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
PRIVATE_MEMO = "联系人 13812345678,身份证 110101199003071234"


@dataclass(frozen=True)
class Posted:
    source: str
    fund: str
    kind: str
    day: date  # the local (Asia/Shanghai) day it occurred


def demo_postings() -> list[Posted]:
    posted = []
    for code, (gifts, grants) in GIFTS_AND_GRANTS.items():
        posted += [
            Posted(f"demo:{code}:gift:{n}", code, "donation", date.fromisoformat(g[0])) for n, g in enumerate(gifts, 1)
        ]
        posted += [
            Posted(f"demo:{code}:grant:{n}", code, "disbursement", date.fromisoformat(g[0]))
            for n, g in enumerate(grants, 1)
        ]
    # The demo's paid disbursements (charity.demo.beneficiaries) are posted by the services, when the demo loads.
    for source, code, moment in Disbursement.objects.filter(transaction__isnull=False).values_list(
        "transaction__source", "project__code", "transaction__occurred_at"
    ):
        posted.append(Posted(source, code, "disbursement", moment.astimezone(SHANGHAI).date()))
    # Its sandbox gifts to the general fund, their Stripe fees and the payout (charity.demo.processor), likewise.
    online = Transaction.objects.filter(Q(source__startswith="donation:") | Q(source__startswith="stripe-"))
    for source, kind, moment in online.values_list("source", "kind", "occurred_at"):
        posted.append(Posted(source, "general", kind, moment.astimezone(SHANGHAI).date()))
    # The organisation's own vouchers (charity.demo.organisation_books): no fund.
    vouchers = Transaction.objects.filter(source__startswith="voucher:")
    for source, kind, moment in vouchers.values_list("source", "kind", "occurred_at"):
        posted.append(Posted(source, "", kind, moment.astimezone(SHANGHAI).date()))
    # 爱心复明's 结项 transfer, and the releases and year-end closings of the months the demo closed: the fund is
    # the one whose accounts they touch (the giving fund for the transfer), none for the general closing.
    books = Transaction.objects.filter(
        Q(source__startswith="fund-closure:") | Q(source__startswith="release:") | Q(source__startswith="closing:")
    )
    for txn in books.prefetch_related("legs__account"):
        funds = sorted({leg.account.fund_code for leg in txn.legs.all()} - {""})
        fund = txn.source.split(":")[1] if txn.source.startswith("fund-closure:") else (funds[0] if funds else "")
        posted.append(Posted(txn.source, fund, txn.kind, txn.occurred_at.astimezone(SHANGHAI).date()))
    return posted


def gift(source: str, fund: str, moment: datetime, amount: str = "10.00") -> PostingRequest:
    return PostingRequest(
        kind=TransactionKind.DONATION,
        occurred_at=moment,
        legs=[LegSpec(BANK, "D", Decimal(amount)), LegSpec(f"4101.{fund}", "C", Decimal(amount))],
        source=source,
        memo=PRIVATE_MEMO,  # internal: never shown on a public page
        public_record={"fund": fund, "donor": "匿名", "channel": "bank"},
    )


@pytest.fixture
def books(demo_site) -> list[Posted]:
    """The demo books, 60 more small gifts (for a second page), two gifts either side of midnight on
    31 January (of the open demo year) Shanghai time, a tree head, and one gift posted after it (not yet signed)."""
    posted = demo_postings()
    extras = []
    for n in range(EXTRA_GIFTS):
        fund = ("XT100", "AXFM", "LSJZ")[n % 3]
        moment = datetime(YEAR, MONTHS[n % len(MONTHS)], 1 + n % 28, 9, tzinfo=SHANGHAI)
        extras.append(gift(f"test:page:{n}", fund, moment))
    extras.append(gift("test:late-jan", "LSJZ", datetime(YEAR, 1, 31, 23, 30, tzinfo=SHANGHAI)))
    extras.append(gift("test:early-feb", "LSJZ", datetime(YEAR, 2, 1, 0, 30, tzinfo=SHANGHAI)))
    transactions_post_bulk(extras)
    posted += [
        Posted(r.source, r.public_record["fund"], "donation", r.occurred_at.astimezone(SHANGHAI).date()) for r in extras
    ]
    tree_head_publish()
    transactions_post_bulk([gift("test:unsigned", "XT100", datetime(YEAR, MONTHS[-1], 1, 9, tzinfo=SHANGHAI))])
    posted.append(Posted("test:unsigned", "XT100", "donation", date(YEAR, MONTHS[-1], 1)))
    assert len(posted) == Transaction.objects.count()
    return posted


def sequences(posted: list[Posted]) -> set[int]:
    by_source = dict(Transaction.objects.values_list("source", "sequence"))
    return {by_source[p.source] for p in posted}


def soup_of(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.content.decode(), "html.parser")


def section(soup: BeautifulSoup, heading_id: str):
    return soup.find(id=heading_id).find_parent("section")


def entry_rows(soup: BeautifulSoup) -> list:
    table = section(soup, "entries-heading").find("table")
    return table.find("tbody").find_all("tr") if table else []


def leaf_indexes(soup: BeautifulSoup) -> list[int]:
    return [int(row.find("td").get_text(strip=True)) for row in entry_rows(soup)]


def all_pages(client, url: str) -> list[int]:
    """Every leaf index listed, following the "next" links as a reader would."""
    indexes = []
    while url:
        soup = soup_of(client.get(url))
        indexes += leaf_indexes(soup)
        link = soup.find("a", rel="next")
        url = urllib.parse.urljoin(url, link["href"]) if link else None
    return indexes


def settings_public_key(settings) -> str:
    private = Ed25519PrivateKey.from_private_bytes(base64.b64decode(settings.LEDGER_SIGNING_KEY))
    raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def yuan(amount: Decimal) -> str:
    return f"¥{amount:,.2f}"


# -- the tree head and the balances --------------------------------------------------------------------------


def test_the_page_shows_the_latest_signed_tree_head(client, books, settings):
    head = latest_tree_head()
    assert head.tree_size == Transaction.objects.count() - 1
    for prefix, lang in [("", "zh-Hans"), ("/en", "en")]:
        soup = soup_of(client.get(f"{prefix}/transparency/"))

        assert soup.html["lang"] == lang
        assert soup.find(attrs={"data-testid": "sth-size"}).get_text(strip=True) == str(head.tree_size)
        hashes = [code.get_text(strip=True) for code in soup.select(".ledger-sth code.hash")]
        assert bytes(head.root_hash).hex() in hashes
        assert settings_public_key(settings) in hashes


def test_the_page_says_so_when_no_tree_head_is_published(client, db):
    soup = soup_of(client.get("/transparency/"))
    assert "尚未发布签名树头。" in soup.get_text()
    assert not soup.select("code.hash")


def test_fund_balances_equal_the_ledger_figures_for_every_demo_project(client, books):
    soup = soup_of(client.get("/transparency/"))
    shown = {}
    for row in section(soup, "funds-heading").find("tbody").find_all("tr"):
        code = row.find("th").find(class_="muted").get_text(strip=True)
        shown[code] = [cell.get_text(strip=True) for cell in row.find_all("td")]

    assert set(shown) == {spec["code"] for spec in content.PROJECTS}
    for code in shown:
        figures = fund_figures(code)
        # Available also holds back what is approved but not yet paid (the demo's 血透100 has one such payment).
        committed = sum(d.amount for d in Disbursement.objects.filter(project__code=code, status="approved"))
        assert shown[code] == [yuan(figures.raised), yuan(figures.spent), yuan(figures.available - committed)], code
    # The gifts this test posted count: 20 × 10 元 to 血透100, plus the unsigned one.
    demo_xt100 = sum(Decimal(g[3]) for g in GIFTS_AND_GRANTS["XT100"][0])
    assert fund_figures("XT100").raised == demo_xt100 + Decimal("210.00")


# -- the entries table ---------------------------------------------------------------------------------------


def test_entries_are_paginated_fifty_a_page_newest_first(client, books):
    total = len(books)
    pages = -(-total // PAGE_SIZE)
    first = soup_of(client.get("/transparency/"))
    second = soup_of(client.get("/transparency/?page=2"))

    assert pages >= 2
    assert leaf_indexes(first) == list(range(total - 1, total - 1 - PAGE_SIZE, -1))
    assert leaf_indexes(second) == list(range(total - 1 - PAGE_SIZE, max(total - 1 - 2 * PAGE_SIZE, -1), -1))
    assert f"共 {total} 条记录" in first.get_text()
    assert f"第 1 页,共 {pages} 页" in first.get_text()
    assert all_pages(client, "/transparency/") == list(range(total - 1, -1, -1))


def test_each_row_shows_the_public_record(client, books):
    soup = soup_of(client.get("/transparency/?project=AXFM&kind=disbursement"))
    rows = entry_rows(soup)
    assert len(rows) == 1
    cells = [cell.get_text(" ", strip=True) for cell in rows[-1].find_all("td")]
    number, day, kind, fund, amount, details = cells[:6]
    assert (day, kind, fund, amount) == ("2022-05-20", "资助支出", "爱心复明", "¥30,000.00")
    assert "博山区" in details and "10" in details


FILTERS = {
    "project=XT100": lambda p: p.fund == "XT100",
    "kind=disbursement": lambda p: p.kind == "disbursement",
    "date_from=2022-01-01&date_to=2022-01-31": lambda p: date(2022, 1, 1) <= p.day <= date(2022, 1, 31),
    f"date_from={YEAR}-02-01&date_to={YEAR}-02-01": lambda p: p.day == date(YEAR, 2, 1),
    f"date_from={YEAR}-01-01": lambda p: p.day >= date(YEAR, 1, 1),
    "date_to=2021-12-31": lambda p: p.day <= date(2021, 12, 31),
    "project=LSJZ&kind=donation&date_from=2022-01-01&date_to=2022-12-31": (
        lambda p: p.fund == "LSJZ" and p.kind == "donation" and p.day.year == 2022
    ),
    "project=CXHB&kind=refund": lambda p: False,
}


def test_filters_by_project_kind_and_local_date(client, books):
    wrong = {}
    for query, matches in FILTERS.items():
        expected = sorted(sequences([p for p in books if matches(p)]), reverse=True)
        listed = all_pages(client, f"/transparency/?{query}")
        if listed != expected:
            wrong[query] = {"listed": listed, "expected": expected}
    assert not wrong


def test_the_date_filter_uses_shanghai_days(client, books):
    late_jan, early_feb = sequences([p for p in books if p.source in ("test:late-jan", "test:early-feb")])
    january = leaf_indexes(soup_of(client.get(f"/transparency/?date_from={YEAR}-01-31&date_to={YEAR}-01-31")))
    february = leaf_indexes(soup_of(client.get(f"/transparency/?date_from={YEAR}-02-01&date_to={YEAR}-02-01")))
    assert late_jan in january and early_feb not in january  # 23:30 on the 31st is 15:30 UTC
    assert early_feb in february and late_jan not in february  # 00:30 on the 1st is still the 31st in UTC


@pytest.mark.parametrize(
    ("prefix", "message", "empty"),
    [
        ("", "起始日期不能晚于截止日期。", "没有符合条件的记录。"),
        ("/en", "The start date must not be after the end date.", "No entry matches these filters."),
    ],
    ids=["zh-Hans", "en"],
)
def test_a_reversed_date_range_is_an_error_with_no_results(client, books, prefix, message, empty):
    soup = soup_of(client.get(f"{prefix}/transparency/?date_from=2022-12-31&date_to=2022-01-01"))

    alerts = [alert.get_text(strip=True) for alert in soup.select("form.filters [role=alert]")]
    assert alerts == [message]
    assert entry_rows(soup) == []
    assert empty in soup.get_text()


@pytest.mark.parametrize(
    ("query", "field"),
    [("project=NOPE", "project"), ("kind=bribe", "kind"), ("date_from=2022-13-45", "date_from")],
)
def test_an_unknown_project_kind_or_bad_date_is_a_form_error(client, books, query, field):
    response = client.get(f"/transparency/?{query}")
    soup = soup_of(response)

    assert list(response.context["filter_form"].errors) == [field]
    box = soup.find(id=f"id_{field}").find_parent(class_="filters__field")
    assert box.find(attrs={"role": "alert"}).get_text(strip=True)
    assert entry_rows(soup) == []


# -- verification --------------------------------------------------------------------------------------------


def test_how_to_verify_gives_the_exact_command_for_this_host_and_key(client, books, settings):
    key = settings_public_key(settings)
    for secure, scheme in [(False, "http"), (True, "https")]:
        soup = soup_of(client.get("/transparency/", HTTP_HOST="ledger.example.org", secure=secure))

        commands = [code.get_text() for code in section(soup, "verify-heading").select("pre code")]
        base = f"python -m ledger.verifier {scheme}://ledger.example.org/api/ledger/v1/"
        assert f"{base} --public-key {key} --entry 0 --save-sth sth.json" in commands
        assert f"{base} --public-key … --previous-sth sth.json" in commands
        assert "python -m ledger.verifier ledger.jsonl --sth sth.json --public-key …" in commands


def test_every_proof_link_answers_with_an_audit_path_that_verifies(client, books):
    head = latest_tree_head()
    root, size = bytes(head.root_hash), head.tree_size
    records = dict(Transaction.objects.values_list("sequence", "record"))
    pages = -(-len(books) // PAGE_SIZE)
    rows = [row for n in range(1, pages + 1) for row in entry_rows(soup_of(client.get(f"/transparency/?page={n}")))]
    checked = 0

    for row in rows:
        index = int(row.find("td").get_text(strip=True))
        link = row.find("a", href=re.compile(r"get-proof-by-hash"))
        if index >= size:
            assert link is None, "an entry no tree head covers yet has nothing to prove"
            assert row.find_all("td")[-1].find(class_="muted").get_text(strip=True)
            continue
        response = client.get(link["href"])
        assert response.status_code == 200, response.content
        proof = response.json()
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(link["href"]).query)
        leaf = base64.b64decode(query["hash"][0], validate=True)
        assert leaf == merkle.leaf_hash(records[index].encode("utf-8"))
        assert query["tree_size"] == [str(size)]
        assert proof["leaf_index"] == index
        merkle.verify_inclusion(leaf, index, size, [base64.b64decode(h) for h in proof["audit_path"]], root)
        checked += 1
    assert checked == len(books) - 1 == size


# -- privacy -------------------------------------------------------------------------------------------------


def test_no_beneficiary_or_donor_personal_data_on_the_page(client, books):
    head = latest_tree_head()
    for query in ["", "?page=2", "?project=XT100", "?kind=disbursement", "?date_from=2023-01-01"]:
        response = client.get(f"/transparency/{query}")
        html = response.content.decode()
        # Hashes and keys are long runs of hex or base64 that may hold digits by chance: take them out.
        for value in [
            bytes(head.root_hash).hex(),
            base64.b64encode(bytes(head.public_key)).decode(),
            *(link["href"] for link in soup_of(response).find_all("a", href=re.compile("get-proof-by-hash"))),
        ]:
            html = html.replace(value.replace("&", "&amp;"), "")

        assert not PHONE_LIKE.search(html), (query, PHONE_LIKE.search(html))
        assert not ID_LIKE.search(html), (query, ID_LIKE.search(html))
        assert PRIVATE_MEMO not in html, "memos are internal"
        assert "test:page" not in html, "sources are internal references"
