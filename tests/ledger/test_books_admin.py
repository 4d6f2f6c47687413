"""账簿 in the admin: 科目余额表 and 明细账 for a date range, 会计科目 with 添加明细科目, and their CSV/XLSX through
bulk's formula-safe writers — for 财务 and 审计 only."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from ledger.models import Account
from ledger.services import LegSpec, PostingRequest, transactions_post_bulk
from ledger.services.accounts import subaccount_create
from tests.factories import staff_user
from tests.ledger.ledger_data import moment
from tests.ledger.test_books import march as march  # the worked example's fixture

MARCH = "date_from=2026-03-01&date_to=2026-03-31"


@pytest.fixture
def finance(client, db):
    client.force_login(staff_user("cw", "财务"))
    return client


@pytest.fixture
def auditor(client, db):
    client.force_login(staff_user("sj", "审计"))
    return client


def _text(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8-sig")


def test_finance_reads_the_trial_balance_of_a_month(finance, march):
    page = finance.get(f"{reverse('ledger_books_trial_balance')}?{MARCH}").content.decode()
    assert "科目余额表" in page and "试算平衡" in page
    assert "¥1,207.00" in page and "¥1,607.00" in page and "¥910.00" in page  # 1002, 4101, the period's totals
    assert "捐赠收入·限定性·测试基金" in page


def test_the_auditor_reads_an_accounts_general_ledger(auditor, march):
    url = reverse("ledger_books_general_ledger", args=("1002",))
    page = auditor.get(f"{url}?{MARCH}").content.decode()
    assert "明细账 · 1002 银行存款" in page
    table = page[page.index("<tbody>") :]
    assert table.index("¥1,500.00") < table.index("¥1,200.00") < table.index("¥1,207.00")
    picked = auditor.get(f"{reverse('ledger_books_general_ledger_index')}?account=1002&{MARCH}")
    assert picked.status_code == 302 and picked.url == f"{url}?{MARCH}"


def test_a_range_that_ends_before_it_starts_is_refused(finance, march):
    page = finance.get(f"{reverse('ledger_books_trial_balance')}?date_from=2026-04-01&date_to=2026-03-01")
    assert "开始日期不能晚于结束日期" in page.content.decode()
    export = finance.get(f"{reverse('ledger_books_trial_balance_export', args=('csv',))}?date_from=x&date_to=y")
    assert export.status_code == 400


@pytest.mark.parametrize("group", ["编辑", "审核人"])
def test_other_groups_are_refused(client, march, group):
    client.force_login(staff_user("someone", group))
    for url in (
        reverse("ledger_books_trial_balance"),
        reverse("ledger_books_general_ledger", args=("1002",)),
        reverse("ledger_books_trial_balance_export", args=("csv",)) + f"?{MARCH}",
        reverse("ledger_books_general_ledger_export", args=("1002", "xlsx")) + f"?{MARCH}",
        reverse("ledger_accounts:index"),
        reverse("ledger_accounts:add"),
    ):
        assert client.get(url).status_code in (302, 403), url
    assert json.dumps("账簿") not in client.get(reverse("wagtailadmin_home")).content.decode()


def test_the_books_menu_is_shown_to_finance(finance, db):
    home = finance.get(reverse("wagtailadmin_home")).content.decode()  # the sidebar's JSON
    assert json.dumps("账簿") in home and json.dumps("科目余额表") in home


def test_finance_adds_a_sub_account_in_the_admin(finance, march):
    response = finance.post(reverse("ledger_accounts:add"), {"parent": "5201", "suffix": "01", "name": "工资福利"})
    assert response.status_code == 302
    salaries = Account.objects.get(code="5201.01")
    assert (salaries.name, salaries.parent.code, salaries.statement_line) == ("工资福利", "5201", "management_cost")
    refused = finance.post(reverse("ledger_accounts:add"), {"parent": "4101", "suffix": "X1", "name": "某项目"})
    assert "自动建立" in refused.content.decode() and not Account.objects.filter(code="4101.X1").exists()
    bank = Account.objects.get(code="1002")  # posted to: its name stays
    renamed = finance.post(reverse("ledger_accounts:edit", args=(bank.pk,)), {"name": "银行存款(改)"})
    assert "已有记账" in renamed.content.decode() and Account.objects.get(code="1002").name == "银行存款"


def test_exports_are_formula_safe(finance, march):
    hostile = subaccount_create(parent=Account.objects.get(code="5201"), suffix="99", name="=1+2")
    transactions_post_bulk(
        [
            PostingRequest(
                kind="expense",
                occurred_at=moment(15),
                legs=[LegSpec(hostile.code, "D", Decimal("10.00")), LegSpec("1002", "C", Decimal("10.00"))],
                source="test:hostile",
                memo='=HYPERLINK("http://x","y")',
                public_record={"purpose": "办公用品"},
            )
        ]
    )
    balance = _text(finance.get(f"{reverse('ledger_books_trial_balance_export', args=('csv',))}?{MARCH}"))
    rows = list(csv.reader(io.StringIO(balance)))
    assert rows[0][:3] == ["科目代码", "科目名称", "级次"]
    assert ["5201.99", "'=1+2"] == rows[[r[0] for r in rows].index("5201.99")][:2]
    assert rows[-1][1] == "合计" and rows[-1][5] == rows[-1][6] == "920.00"  # 本期借方 = 本期贷方
    url = reverse("ledger_books_general_ledger_export", args=("1002", "csv"))
    book = list(csv.reader(io.StringIO(_text(finance.get(f"{url}?{MARCH}")))))
    assert book[1][2] == "期初余额" and book[1][-2:] == ["借", "1000.00"]
    assert '\'=HYPERLINK("http://x","y")' in [row[4] for row in book]
    assert book[-1][2] == "本期合计" and book[-1][-1] == "1197.00"
    xlsx = finance.get(f"{reverse('ledger_books_trial_balance_export', args=('xlsx',))}?{MARCH}")
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    values = list(sheet.iter_rows(values_only=True))
    assert any(row[1] == "'=1+2" for row in values) and values[-1][1] == "合计"


def test_the_download_holds_what_the_screen_shows(finance, march):
    page = finance.get(f"{reverse('ledger_books_trial_balance')}?{MARCH}&all=1").content.decode()
    link = reverse("ledger_books_trial_balance_export", args=("csv",)) + f"?{MARCH.replace('&', '&amp;')}&amp;all=1"
    assert link in page
    rows = list(csv.reader(io.StringIO(_text(finance.get(link.replace("&amp;", "&"))))))
    assert "5401" in [row[0] for row in rows]  # an account with nothing in it, listed as on the screen
