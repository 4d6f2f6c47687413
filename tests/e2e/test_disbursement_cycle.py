"""The whole disbursement cycle in a real browser, as staff run it on `make run`: a 项目官员 registers a beneficiary,
enrols them and drafts and submits a grant; a 审核人 finds it on the dashboard and approves it; 财务 pays it; and
the public project page shows the money gone out, under a masked name only. Maker-checker holds in the browser
too: whoever submitted a grant is offered no approval, and a forced approval is refused in Chinese.

Setup (project, page, gift, staff accounts) goes through services before the browser starts; what is under test
happens only through the browser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from projects.models import Project
from projects.services import DisbursementDraft, beneficiary_register, disbursement_create, disbursement_submit
from tests.e2e.admin_helpers import chromium, field, log_in, new_tab, publish_project_page, shown_yuan, yuan
from tests.factories import ProjectFactory, beneficiary_data, id_number, staff_user
from tests.projects.conftest import give

pytestmark = pytest.mark.e2e

GIFT = Decimal("20000.00")
GRANT = Decimal("3000.00")
PURPOSE = "医疗救助补助"
PERSON = {
    "name": "张卫三",
    "id_number": id_number(7, "19650312"),
    "phone": "13912345678",
    "bank_account": "6228480012345678901",
}
MASKED_ID = PERSON["id_number"][:4] + "*" * 10 + PERSON["id_number"][-4:]


@dataclass(frozen=True)
class Cycle:
    url: str  # the live server
    page_path: str  # the project's public page
    project: str  # "P001 …", as the admin's project choosers show it
    today: date


@pytest.fixture
def cycle(transactional_db, django_db_serialized_rollback, live_server) -> Cycle:
    """A restricted medical fund with a published page and a ¥20,000 bank gift, and one account per role.

    The live server runs in another thread, so the data is committed (``transactional_db``); the migrated rows
    the flush removes come back through ``django_db_serialized_rollback``, as for the demo fixture.
    """
    for cache in caches.all():
        cache.clear()
    project = ProjectFactory(code="E2E-MED", name="重病医疗救助", target_amount=Decimal("100000.00"))
    page_path = publish_project_page(project, slug="medical-aid")
    finance = staff_user("caiwu", "财务")
    give(project, GIFT, finance_user=finance, name="爱心企业")
    staff_user("guanyuan", "项目官员")
    staff_user("shenhe", "审核人")
    return Cycle(url=live_server.url, page_path=page_path, project=str(project), today=timezone.localdate())


@dataclass(frozen=True)
class PublicPage:
    figures: dict[str, str]  # data-testid → text: disbursed, committed, available, beneficiaries, grants, …
    notice: list[list[str]]  # the 资金使用公示 table, cell texts per row
    html: str


def _public_page(browser: Browser, cycle: Cycle) -> PublicPage:
    """The project page as an anonymous visitor sees it (a fresh context: no staff session)."""
    page = new_tab(browser)
    page.goto(cycle.url + cycle.page_path)
    expect(page.get_by_role("heading", level=1)).to_have_text("重病医疗救助")
    marked = page.locator("[data-testid]")
    figures = {marked.nth(i).get_attribute("data-testid"): marked.nth(i).inner_text() for i in range(marked.count())}
    rows = page.locator("section.disclosure table tbody tr")
    notice = [rows.nth(i).locator("th, td").all_inner_texts() for i in range(rows.count())]
    html = page.content()
    page.context.close()
    return PublicPage(figures=figures, notice=notice, html=html)


def _assert_no_personal_data(html: str) -> None:
    for secret in (PERSON["name"], "张*三", PERSON["id_number"], MASKED_ID, PERSON["phone"], PERSON["bank_account"]):
        assert secret not in html, f"{secret} is on the public page"


def _register_beneficiary(page: Page, cycle: Cycle) -> None:
    page.goto(f"{cycle.url}/admin/beneficiaries/")
    page.get_by_role("link", name="登记受助人").first.click()
    field(page, "姓名").fill(PERSON["name"])
    field(page, "身份证号").fill(PERSON["id_number"])
    field(page, "救助类别").select_option(label="重病患者")
    field(page, "区县").fill("张店区")
    field(page, "镇街").fill("车站街道")
    field(page, "联系电话").fill(PERSON["phone"])
    field(page, "开户行").fill("农业银行")
    field(page, "银行账号").fill(PERSON["bank_account"])
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/beneficiaries/inspect/\d+/$"))
    expect(page.get_by_text("已登记受助人 张*三")).to_be_visible()  # staff see 张*三 in messages too


def _check_register_shows_masks_only(page: Page, cycle: Cycle) -> None:
    page.goto(f"{cycle.url}/admin/beneficiaries/")
    row = page.get_by_role("row").filter(has_text=PERSON["name"])
    expect(row).to_have_count(1)
    expect(row).to_contain_text(MASKED_ID)
    expect(row).to_contain_text("139****5678")
    expect(row).to_contain_text("****8901")
    html = page.content()
    for secret in (PERSON["id_number"], PERSON["phone"], PERSON["bank_account"]):
        assert secret not in html


def _enrol(page: Page, cycle: Cycle) -> None:
    """From the register: the person's record, its 动作 menu, 登记到项目."""
    page.get_by_role("row").filter(has_text=PERSON["name"]).get_by_role("link", name=PERSON["name"]).click()
    page.get_by_role("button", name="动作").click()
    page.get_by_role("link", name="登记到项目").click()
    expect(page).to_have_url(re.compile(r"/admin/enrolments/new/\?beneficiary=\d+$"))
    expect(page.locator("#id_beneficiary-title")).to_contain_text(MASKED_ID)
    field(page, "项目").select_option(label=cycle.project)
    field(page, "资助标准(元)").fill("3000.00")
    field(page, "计发单位").select_option(label="一次性")
    expect(field(page, "开始日期")).to_have_value(cycle.today.isoformat())
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/enrolments/inspect/\d+/$"))
    expect(page.get_by_text("已登记救助对象")).to_be_visible()


def _draft_and_submit(page: Page, cycle: Cycle) -> str:
    """新建拨付 and 提交审批; the disbursement's record URL."""
    page.goto(f"{cycle.url}/admin/disbursements/")
    page.get_by_role("link", name="新建拨付").first.click()
    field(page, "项目").select_option(label=cycle.project)
    _pick_beneficiary(page)
    field(page, "金额(元)").fill(str(GRANT))
    field(page, "用途(公开)").fill(PURPOSE)
    field(page, "计划支付日期").fill(cycle.today.isoformat())
    page.get_by_role("button", name="保存草稿").click()
    expect(page).to_have_url(re.compile(r"/admin/disbursements/inspect/\d+/$"))
    record_url = page.url
    expect(page.get_by_text("已保存拨付草稿")).to_be_visible()
    _actions(page).get_by_role("link", name="提交审批").click()
    page.get_by_role("button", name="确认提交审批").click()
    expect(page).to_have_url(record_url)
    expect(page.get_by_text("已提交审批")).to_be_visible()
    return record_url


def _pick_beneficiary(page: Page) -> None:
    """受助人选择: the chooser lists the project's enrolled people, found here by the full ID number (matched by its
    keyed hash); people are shown by masked name and ID number only."""
    page.locator("#id_beneficiary-chooser").get_by_role("button", name="选择受助人").click()
    modal = page.locator(".modal-content")
    modal.get_by_label("姓名或身份证号").fill(PERSON["id_number"])
    choice = modal.locator("a[data-chooser-modal-choice]", has_text=MASKED_ID)
    expect(choice).to_have_count(1)
    choice.click()
    expect(page.locator("#id_beneficiary-title")).to_contain_text(MASKED_ID)


def _actions(page: Page):
    return page.get_by_role("region", name="可执行的操作")


def _status(page: Page):
    """The 状态 line of the record's 拨付详情."""
    return page.locator("dt", has_text=re.compile("^状态$")).locator("xpath=following-sibling::dd[1]")


def _pending_on_dashboard(page: Page, heading: re.Pattern[str]):
    """The rows of one table of the 待我处理 panel (the table right after its heading)."""
    panel = page.get_by_role("region", name="待我处理")
    title = panel.get_by_role("heading", name=heading)
    expect(title).to_be_visible()
    return title.locator("xpath=following-sibling::table[1]").locator("tbody tr")


def _approve(page: Page, cycle: Cycle, record_url: str) -> None:
    rows = _pending_on_dashboard(page, re.compile(r"^待我审批[((]1[))]$"))
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(f"拨付 · E2E-MED · 张*三 · ¥{GRANT:,.2f}")
    rows.get_by_role("link").click()
    expect(page).to_have_url(record_url)
    _actions(page).get_by_role("link", name="审批通过").click()
    field(page, "审批意见").fill("材料齐全,同意。")
    page.get_by_role("button", name="确认审批通过").click()
    expect(page).to_have_url(record_url)
    expect(page.get_by_text("已审批通过")).to_be_visible()
    expect(_status(page)).to_have_text("已审批待支付")
    expect(page.get_by_role("region", name="审批记录")).to_contain_text("材料齐全,同意。")


def _pay(page: Page, cycle: Cycle, record_url: str) -> None:
    rows = _pending_on_dashboard(page, re.compile(r"^待支付[((]1[))]$"))
    expect(rows).to_have_count(1)
    rows.get_by_role("link").click()
    expect(page).to_have_url(record_url)
    _actions(page).get_by_role("link", name="支付", exact=True).click()
    paid_on = field(page, "实际支付日期")  # the day the money moves, today unless finance enters an earlier one
    expect(paid_on).to_be_visible()
    expect(paid_on).to_have_value(cycle.today.isoformat())
    page.get_by_role("button", name="确认支付").click()
    expect(page).to_have_url(record_url)
    expect(page.get_by_text("已支付并记入账本")).to_be_visible()
    expect(_status(page)).to_have_text("已支付")
    expect(page.get_by_test_id("ledger-sequence")).to_contain_text("#")


def test_register_enrol_draft_approve_pay_and_see_it_on_the_project_page(cycle: Cycle):
    with chromium() as browser:
        before = _public_page(browser, cycle)
        disbursed, available = yuan(before.figures["disbursed"]), yuan(before.figures["available"])
        assert (disbursed, available) == (Decimal("0.00"), GIFT)
        assert before.notice == []

        officer = log_in(browser, cycle.url, "guanyuan")
        _register_beneficiary(officer, cycle)
        _check_register_shows_masks_only(officer, cycle)
        _enrol(officer, cycle)
        record_url = _draft_and_submit(officer, cycle)
        expect(_status(officer)).to_have_text("待审批")
        expect(officer.get_by_role("link", name="审批通过")).to_have_count(0)  # 项目官员 drafts, never approves

        approver = log_in(browser, cycle.url, "shenhe")
        _approve(approver, cycle, record_url)
        approved = _public_page(browser, cycle).figures  # approved, not paid: committed, so no longer available
        assert approved["committed"] == shown_yuan(GRANT)
        assert approved["available"] == shown_yuan(available - GRANT)
        assert approved["disbursed"] == shown_yuan(disbursed)

        finance = log_in(browser, cycle.url, "caiwu")
        _pay(finance, cycle, record_url)
        after = _public_page(browser, cycle)

    assert after.figures["disbursed"] == shown_yuan(disbursed + GRANT) == "¥3,000.00"
    assert after.figures["available"] == shown_yuan(available - GRANT) == "¥17,000.00"
    assert "committed" not in after.figures  # paid: nothing approved is waiting any more
    assert (after.figures["beneficiaries"], after.figures["grants"]) == ("1", "1")  # 1 受助人, 1 人次
    assert len(after.notice) == 1
    name, category, region, amount, paid_on, purpose = after.notice[0]
    assert name == "张*"  # no publication consent on file: the surname only
    assert (category, amount, paid_on, purpose) == ("重病患者", "¥3,000.00", cycle.today.isoformat(), PURPOSE)
    assert region.startswith("张店区")
    _assert_no_personal_data(after.html)


@pytest.fixture
def own_submission(cycle: Cycle) -> str:
    """A grant drafted and submitted by a 项目官员 who is also a 审核人, and its record's path.

    Set up through the services: what is under test is what the browser offers this person, and what the server
    answers when they approve anyway.
    """
    maker = staff_user("guanyuan2", "项目官员", "审核人")
    project = Project.objects.get(code="E2E-MED")
    person = beneficiary_register(data=beneficiary_data(8, name="李四", category="seriously_ill"), created_by=maker)
    draft = DisbursementDraft(
        project=project, beneficiary=person, amount=GRANT, purpose=PURPOSE, disbursed_on=cycle.today
    )
    disbursement = disbursement_submit(disbursement=disbursement_create(draft=draft, user=maker), user=maker)
    return f"/admin/disbursements/inspect/{disbursement.pk}/"


def _force_approval(page: Page, cycle: Cycle, record_path: str) -> None:
    """Open the approval form by its address (no button led there) and confirm it."""
    page.goto(cycle.url + record_path.replace("/inspect/", "/approve/"))
    page.get_by_role("button", name="确认审批通过").click()


def test_whoever_submitted_is_offered_no_approval_and_a_forced_one_is_refused(cycle: Cycle, own_submission: str):
    with chromium() as browser:
        maker = log_in(browser, cycle.url, "guanyuan2")
        expect(maker.get_by_role("heading", name=re.compile(r"^待我审批[((]0[))]$"))).to_be_visible()
        expect(maker.get_by_text("没有待您审批的拨付。")).to_be_visible()
        maker.goto(cycle.url + own_submission)
        expect(_status(maker)).to_have_text("待审批")
        expect(_actions(maker).get_by_role("link", name="退回修改")).to_be_visible()  # a 审核人 here, but …
        expect(maker.get_by_role("link", name="审批通过")).to_have_count(0)  # … not of their own submission

        _force_approval(maker, cycle, own_submission)
        expect(maker.get_by_text("审批人不能是经办人或提交人(经办与审批须由不同人员完成)。")).to_be_visible()

        officer = log_in(browser, cycle.url, "guanyuan")  # a 项目官员 only: no approval permission at all
        _force_approval(officer, cycle, own_submission)
        expect(officer.get_by_text("没有审批拨付的权限。")).to_be_visible()

        maker.goto(cycle.url + own_submission)
        expect(_status(maker)).to_have_text("待审批")  # both refusals changed nothing
        expect(maker.get_by_role("region", name="审批记录")).to_contain_text("暂无审批。")
