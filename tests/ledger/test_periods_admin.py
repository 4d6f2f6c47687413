"""期间结账 in the admin: the page, its preview and its buttons, the two-person steps with their audit-log entries,
and a refused step shown in Chinese."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse
from wagtail.models import ModelLogEntry

from ledger.models import Period, PeriodStatus, Transaction, TransactionKind
from tests.factories import staff_user
from tests.ledger.ledger_data import SHANGHAI, gift, grant, post


@pytest.fixture
def clients(books):
    finance, approver = Client(), Client()
    finance.force_login(staff_user("cw", "财务"))
    approver.force_login(staff_user("sh", "审核人"))
    post(gift(1, "1000.00", when=datetime(2026, 10, 5, 10, tzinfo=SHANGHAI)))
    post(grant(1, "300.00", when=datetime(2026, 10, 6, 10, tzinfo=SHANGHAI)))
    return finance, approver


def page(client) -> str:
    response = client.get(reverse("ledger_periods"))
    assert response.status_code == 200
    return response.content.decode()


def act(client, month: str, action: str, **data):
    return client.post(reverse("ledger_period_action", args=(month, action)), data, follow=True)


def test_finance_requests_and_the_approver_closes_a_month(clients):
    finance, approver = clients
    text = page(finance)
    assert "结账预览:2026-10" in text and "申请结账" in text and "¥300.00" in text  # the release it would post
    assert ">申请结账</button>" in text and ">批准结账</button>" not in text  # nothing pending yet
    done = act(finance, "2026-10", "request_close").content.decode()
    assert "申请结账完成" in done and "待批准(结账)" in done
    assert ">批准结账</button>" not in page(finance)  # finance does not approve
    assert ">批准结账</button>" in page(approver)
    refused = act(finance, "2026-10", "approve")
    assert refused.status_code == 403
    closed = act(approver, "2026-10", "approve").content.decode()
    assert "批准完成" in closed and "已结账" in closed
    assert Period.objects.get(month="2026-10-01").status == PeriodStatus.CLOSED
    assert Transaction.objects.filter(kind=TransactionKind.RELEASE, source="release:XT100:2026-10").exists()
    steps = list(
        ModelLogEntry.objects.filter(action__startswith="ledger.period.").order_by("pk").values_list("action", "data")
    )
    assert [a for a, _ in steps] == ["ledger.period.request_close", "ledger.period.approve"]
    assert steps[1][1]["request"] == "结账" and steps[1][1]["transactions"]


def test_a_refused_step_is_shown_in_chinese(clients):
    finance, approver = clients
    both = Client()
    both.force_login(staff_user("both", "财务", "审核人"))
    act(both, "2026-10", "request_close")
    refused = act(both, "2026-10", "approve").content.decode()
    assert "批准未完成:申请人不能批准自己的申请,须由另一人批准" in refused
    assert not ModelLogEntry.objects.filter(action="ledger.period.approve").exists()
    act(approver, "2026-10", "approve")
    no_reason = act(finance, "2026-10", "request_reopen", reason="").content.decode()
    assert "申请反结账未完成:反结账必须填写原因" in no_reason
    assert ">申请反结账</button>" in page(finance)
    act(finance, "2026-10", "request_reopen", reason="补记漏记的支出")
    entry = ModelLogEntry.objects.get(action="ledger.period.request_reopen")
    assert entry.data["reason"] == "补记漏记的支出"


def test_the_menu_and_the_page_need_the_permission(clients):
    finance, _ = clients
    home = finance.get(reverse("wagtailadmin_home")).content.decode()
    assert json.dumps("期间结账") in home
    editor = Client()
    editor.force_login(staff_user("bj", "编辑"))
    assert editor.get(reverse("ledger_periods")).status_code == 403
    auditor = Client()
    auditor.force_login(staff_user("sj", "审计"))
    text = page(auditor)  # reads, but has no buttons
    assert "结账预览:2026-10" in text and "<button" not in text.split("会计期间</h2>")[1]
    assert act(auditor, "2026-10", "request_close").status_code == 403
