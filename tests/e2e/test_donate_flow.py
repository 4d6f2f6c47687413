"""A donor gives from a project page in a real browser, through the sandbox checkout (测试支付), to the receipt,
its ledger check and the donor wall; and the same form works with the keyboard alone.

The page under test is found through ``ProjectPage`` before the browser starts (see ``project``): while
Playwright runs, the test talks to the site only as a donor would, through the browser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from playwright.sync_api import Locator, Page, expect

from cms.models import ProjectPage
from projects.models import Status
from tests.e2e.keyboard import tab_to

pytestmark = pytest.mark.e2e

PHONE = "13912345678"
SERIAL = re.compile(r"^JZ\d{4}-\d{6}$")
# Chinese labels end in full-width brackets and punctuation: matched loosely, by their words.
CUSTOM_AMOUNT = re.compile(r"^其他金额.元.$")


@dataclass(frozen=True)
class ProjectUnderTest:
    url: str
    name: str
    presets: list[Decimal]


@pytest.fixture
def project(demo_url: str) -> ProjectUnderTest:
    """The first fundraising project page of the demo site. Requested before ``page``, so that its database
    work is done before the browser starts."""
    page = (
        ProjectPage.objects.live()
        .select_related("project")
        .filter(project__status=Status.FUNDRAISING)
        .order_by("project__code")
        .first()
    )
    assert page is not None, "the demo has a fundraising project page"
    return ProjectUnderTest(url=demo_url + page.url, name=page.project.name, presets=page.project.preset_amounts)


def _yuan(amount: Decimal) -> str:
    return f"¥{amount:,.2f}"


def _preset_label(amount: Decimal) -> str:
    return f"¥{amount:,.0f}"


def _donate_box(page: Page) -> Locator:
    return page.get_by_role("region", name="我要捐款")


def _fact(page: Page, term: str) -> Locator:
    """The value beside a label in a list of facts (a <dt>/<dd> pair)."""
    return page.locator(".facts > div").filter(has=page.locator("dt", has_text=term)).locator("dd")


def _pay_in_sandbox(page: Page, *, method: re.Pattern[str]) -> None:
    expect(page).to_have_url(re.compile(r"/donations/sandbox/checkout/[^/]+/$"))
    expect(page.get_by_role("note").filter(has_text="测试支付")).to_be_visible()
    page.get_by_label(method).check()
    page.get_by_role("button", name=re.compile("确认支付")).click()
    expect(page).to_have_url(re.compile(r"/donations/thanks/[^/]+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("感谢您的爱心捐赠"))


def _wall_entries(page: Page, project: ProjectUnderTest) -> Locator:
    page.goto(project.url)
    wall = page.get_by_role("region", name="最新捐赠")
    expect(wall).to_be_visible()
    return wall.get_by_role("listitem")


def test_a_gift_from_the_project_page_to_receipt_verification_and_donor_wall(project: ProjectUnderTest, page: Page):
    page.goto(project.url)
    expect(page.get_by_role("heading", level=1)).to_have_text(project.name)
    donate = _donate_box(page)
    donate.get_by_label("其他金额", exact=True).check()
    donate.get_by_label(CUSTOM_AMOUNT).fill("66.60")
    donate.get_by_label("在捐赠名单上显示的名字").fill("爱心小李")
    donate.get_by_label(re.compile("^手机号")).fill(PHONE)
    donate.get_by_role("button", name="我要捐款").click()

    expect(_fact(page, "金额")).to_have_text("¥66.60")
    _pay_in_sandbox(page, method=re.compile("支付宝"))
    serial = _fact(page, "回执编号")
    expect(serial).to_have_text(SERIAL)
    serial = serial.inner_text()
    expect(_fact(page, "金额")).to_have_text("¥66.60")
    expect(_fact(page, "捐赠去向")).to_have_text(project.name)

    page.get_by_role("link", name="查看捐赠回执").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"捐赠回执 {serial}")
    expect(_fact(page, "捐赠人")).to_have_text("爱心小李")
    expect(_fact(page, "渠道")).to_have_text("在线支付")
    expect(_fact(page, "捐赠状态")).to_have_text("已到账")
    assert PHONE not in page.content()

    page.get_by_role("link", name="在公开账本中核验这笔捐赠").click()
    expect(page).to_have_url(re.compile(r"/donations/verify/[^/]+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("在公开账本中核验捐赠")
    expect(page.get_by_text(f"回执 {serial} 已记入公开账本")).to_be_visible()
    expect(_fact(page, "叶子哈希")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))

    newest = _wall_entries(page, project).first
    expect(newest.locator(".donor-wall__name")).to_have_text("爱心小李")
    expect(newest.locator(".donor-wall__amount")).to_have_text("¥66.60")
    assert PHONE not in page.content()


def test_an_anonymous_gift_shows_as_anonymous_on_the_wall(project: ProjectUnderTest, page: Page):
    amount = project.presets[-1]
    page.goto(project.url)
    donate = _donate_box(page)
    donate.get_by_role("radio", name=_preset_label(amount), exact=True).check()
    donate.get_by_label("在捐赠名单上显示的名字").fill("不想留名的人")
    donate.get_by_label("匿名捐赠").check()
    donate.get_by_role("button", name="我要捐款").click()

    _pay_in_sandbox(page, method=re.compile("银行卡"))
    expect(_fact(page, "金额")).to_have_text(_yuan(amount))

    newest = _wall_entries(page, project).first
    expect(newest.locator(".donor-wall__name")).to_have_text("匿名")
    expect(newest.locator(".donor-wall__amount")).to_have_text(_yuan(amount))
    assert "不想留名的人" not in page.content()


def test_the_donate_form_works_with_the_keyboard_alone(project: ProjectUnderTest, page: Page):
    first, second = (_preset_label(amount) for amount in project.presets[:2])
    page.goto(project.url)
    donate = _donate_box(page)
    # Every amount is a labelled radio, and the submit button is named.
    for amount in project.presets:
        expect(donate.get_by_label(_preset_label(amount), exact=True)).to_have_attribute("type", "radio")
    expect(donate.get_by_role("radio", name="其他金额", exact=True)).to_be_enabled()
    expect(donate.get_by_role("group", name="金额")).to_be_visible()

    tab_to(page, ".donate-form input[name='amount_choice']")
    expect(donate.get_by_role("radio", name=first, exact=True)).to_be_focused()
    pill = donate.locator(".donate-form__preset").filter(has=page.get_by_role("radio", name=first, exact=True))
    assert pill.evaluate("el => getComputedStyle(el).outlineStyle") != "none", "the focused pill shows a ring"
    box = pill.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44, f"a pill is a tap target: {box}"

    page.keyboard.press("ArrowRight")  # arrows move through a radio group and check as they go
    chosen = donate.get_by_role("radio", name=second, exact=True)
    expect(chosen).to_be_focused()
    expect(chosen).to_be_checked()
    expect(pill.locator("input")).not_to_be_checked()

    tab_to(page, ".donate-form button[type='submit']")
    expect(donate.get_by_role("button", name="我要捐款")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/donations/sandbox/checkout/[^/]+/$"))
    expect(_fact(page, "金额")).to_have_text(_yuan(project.presets[1]))


def test_the_form_fits_a_phone_screen(project: ProjectUnderTest, page: Page):
    page.goto(project.url)
    donate = _donate_box(page)
    donate.scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    for control in [*donate.locator(".donate-form__preset").all(), donate.get_by_role("button", name="我要捐款")]:
        box = control.bounding_box()
        assert box is not None and box["height"] >= 44, f"tap target too small: {box}"
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, f"off screen: {box}"
