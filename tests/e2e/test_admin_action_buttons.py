"""Every action button on the record pages of 拨付 (in each state that offers actions), 批量发放 and a 受助人 can be
read: the label is what is at its own centre, and the icon is icon-sized. Wagtail 8 sizes an icon inside a button
only when the button says it carries one (``button--icon``); without that, 审批通过 and 退回修改 showed as blank bars
under a 300×150 px icon, while tests that clicked the buttons by their text still passed.

The demo charity (as `make run` has it) supplies a submitted, an approved and a paid 血透100 subsidy; a draft and a
submitted batch are added through the services before the browser starts. A superuser who made none of them looks,
so every action is offered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from projects.models import Beneficiary, Disbursement, DisbursementStatus, Project
from projects.services import DisbursementDraft, batch_create, batch_submit, disbursement_create
from tests.e2e.admin_helpers import chromium, demo_with_superuser, log_in
from tests.e2e.admin_layout import badly_drawn, look, screenshot, whole_page
from tests.factories import staff_user

pytestmark = pytest.mark.e2e

S = DisbursementStatus
# The buttons each record must offer a superuser, by record.
EXPECTED = {
    "disbursement-draft": ["提交审批", "作废"],
    "disbursement-submitted": ["审批通过", "退回修改", "作废"],
    "disbursement-approved": ["支付", "作废"],
    "disbursement-paid": ["冲正"],
    "batch-draft": ["提交审批", "作废"],
    "batch-submitted": ["审批通过", "退回修改", "作废"],
}


@dataclass(frozen=True)
class Records:
    url: str
    paths: dict[str, str]  # name in EXPECTED (and "beneficiary") → the record page's path


def _draft_subsidy(project: Project, officer) -> Disbursement:
    patient = Beneficiary.objects.filter(enrolments__project=project).order_by("pk").first()
    draft = DisbursementDraft(
        project=project,
        beneficiary=patient,
        amount=Decimal("300.00"),
        purpose="2025年12月血透补助(3次,补发)",
        disbursed_on=date(2025, 12, 30),
    )
    return disbursement_create(draft=draft, user=officer)


@pytest.fixture
def records(transactional_db, django_db_serialized_rollback, live_server) -> Records:
    demo_with_superuser()
    officer = staff_user("e2e-officer", "项目官员")
    dialysis = Project.objects.get(code="XT100")
    single = Disbursement.objects.filter(project=dialysis, batch=None)
    paths = {
        f"disbursement-{status}": f"/admin/disbursements/inspect/{single.filter(status=status).first().pk}/"
        for status in (S.SUBMITTED, S.APPROVED, S.PAID)
    }
    paths["disbursement-draft"] = f"/admin/disbursements/inspect/{_draft_subsidy(dialysis, officer).pk}/"
    made = {}
    for name, day in (("batch-draft", date(2025, 12, 29)), ("batch-submitted", date(2025, 12, 31))):
        made[name] = batch_create(
            project=dialysis, title=f"{day}血透补助", disbursed_on=day, purpose="血透补助", user=officer
        )
        paths[name] = f"/admin/disbursement-batches/inspect/{made[name].pk}/"
    batch_submit(batch=made["batch-submitted"], user=officer)
    paths["beneficiary"] = f"/admin/beneficiaries/inspect/{made['batch-draft'].items.first().beneficiary_id}/"
    return Records(url=live_server.url, paths=paths)


def _action_buttons(page: Page):
    return page.get_by_test_id("actions").locator("a.button, button")


def test_every_action_button_shows_its_label_and_an_icon_sized_icon(records: Records):
    drawn_badly = {}
    with chromium() as browser:
        page = log_in(browser, records.url, "e2e-admin")
        for name, labels in EXPECTED.items():
            page.goto(records.url + records.paths[name])
            buttons = _action_buttons(page)
            expect(buttons).to_have_count(len(labels))
            with whole_page(page):
                assert [look(buttons.nth(i)).label for i in range(buttons.count())] == labels, name
                drawn_badly.update({f"{name}: {k}": v for k, v in badly_drawn(buttons).items()})
                screenshot(page, f"record-{name}")

        page.goto(records.url + records.paths["beneficiary"])
        reveal = page.locator("main form button", has_text="显示完整信息")
        expect(reveal.first).to_be_visible()
        with whole_page(page):
            drawn_badly.update({f"beneficiary: {k}": v for k, v in badly_drawn(reveal).items()})
            screenshot(page, "record-beneficiary")

    assert not drawn_badly, "\n".join(f"{where}: {', '.join(problems)}" for where, problems in drawn_badly.items())
