"""批量导入 in a real browser, as 财务 runs it: open 批量导入 from the admin menu, upload a bank statement of offline
gifts as CSV, read the preview (新增 2, nothing written yet), confirm, see 已导入 — and the public project page
shows the money raised grown by exactly the imported amount, read from the ledger.

Setup (project, page, an earlier gift, the staff account, the CSV) happens before the browser starts; what is
under test happens only through the browser.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.cache import caches
from playwright.sync_api import Browser, expect

from tests.bulk.conftest import gift_row, gift_sheet
from tests.e2e.admin_helpers import chromium, field, log_in, new_tab, publish_project_page, shown_yuan, yuan
from tests.factories import ProjectFactory, staff_user
from tests.projects.conftest import give

pytestmark = pytest.mark.e2e

EARLIER_GIFT = Decimal("20000.00")
ROWS = [
    gift_row(**{"项目编号": "E2E-IMP", "金额(元)": "1200.00", "银行流水号": "E2E-BK-1", "付款人": "某某公司"}),
    gift_row(**{"项目编号": "E2E-IMP", "金额(元)": "300.50", "银行流水号": "E2E-BK-2", "付款人": "李四"}),
]
IMPORTED = Decimal("1500.50")


@dataclass(frozen=True)
class Setup:
    url: str
    page_path: str
    csv_path: Path


@pytest.fixture
def setup(transactional_db, django_db_serialized_rollback, live_server, settings, tmp_path) -> Setup:
    for cache in caches.all():
        cache.clear()
    settings.IMPORT_UPLOAD_DIR = tmp_path / "pending-uploads"
    project = ProjectFactory(code="E2E-IMP", name="血透100", target_amount=Decimal("100000.00"))
    page_path = publish_project_page(project, slug="dialysis")
    finance = staff_user("caiwu", "财务")
    give(project, EARLIER_GIFT, finance_user=finance, name="爱心企业")
    csv_path = tmp_path / "银行流水.csv"
    with csv_path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(gift_sheet(*ROWS))
    return Setup(url=live_server.url, page_path=page_path, csv_path=csv_path)


def _raised(browser: Browser, setup: Setup) -> Decimal:
    """筹款 on the public project page, as an anonymous visitor sees it."""
    page = new_tab(browser)
    page.goto(setup.url + setup.page_path)
    expect(page.get_by_role("heading", level=1)).to_have_text("血透100")
    raised = yuan(page.get_by_test_id("progress").locator("strong").inner_text())
    page.context.close()
    return raised


def test_finance_imports_a_gift_csv_and_the_project_page_shows_it(setup: Setup):
    with chromium() as browser:
        before = _raised(browser, setup)
        assert before == EARLIER_GIFT

        page = log_in(browser, setup.url, "caiwu")
        page.get_by_role("link", name="批量导入").click()
        expect(page).to_have_url(f"{setup.url}/admin/import/")
        gifts = page.get_by_role("region", name="线下捐赠", exact=True)
        expect(gifts.get_by_role("link", name="下载模板(XLSX)")).to_be_visible()
        gifts.get_by_role("link", name="上传线下捐赠文件").click()
        expect(page).to_have_url(f"{setup.url}/admin/import/gifts/")

        field(page, "数据文件").set_input_files(setup.csv_path)
        page.get_by_role("button", name="上传并预览").click()
        counts = page.get_by_test_id("import-counts")
        expect(counts.locator("dd[data-action=new]")).to_have_text("2 行")
        expect(counts.locator("dd[data-action=error]")).to_have_text("0 行")
        expect(page.get_by_test_id("import-verdict")).to_contain_text("确认后才会导入")
        expect(page.locator("tr.import-row--new")).to_have_count(2)
        assert _raised(browser, setup) == before  # the preview wrote nothing

        page.get_by_role("button", name="确认导入").click()
        expect(page).to_have_url(re.compile(r"/admin/import/gifts/[A-Za-z0-9_-]{32}/confirm/$"))
        expect(page.get_by_test_id("import-verdict")).to_contain_text("已导入")
        expect(page.locator("tr.import-row--new")).to_have_count(2)
        expect(page.locator("tr.import-row--new").first).to_contain_text("已入账:回执")

        after = _raised(browser, setup)

    assert after == before + IMPORTED
    assert shown_yuan(after) == "¥21,500.50"
