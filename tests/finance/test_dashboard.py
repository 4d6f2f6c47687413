"""财务待办 on the dashboard: each person sees what waits for them in the books, and nothing they may not act on."""

from __future__ import annotations

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from donations.models import Channel
from donations.services.offline import OfflineGift, donation_record_offline
from finance.services import voucher_return, voucher_submit

pytestmark = pytest.mark.django_db


def panel(client, user) -> dict[str, str]:
    """The 财务待办 panel's sections as heading → text; empty when the panel is not shown."""
    client.force_login(user)
    soup = BeautifulSoup(client.get("/admin/").content.decode(), "html.parser")
    found = soup.find(id="finance-work-content")
    if found is None:
        return {}
    return {h.get_text(strip=True): h.find_next(["table", "p"]).get_text(" ", strip=True) for h in found.find_all("h3")}


def test_an_approver_sees_a_submitted_voucher_and_its_maker_does_not(client, make_voucher, finance, approver):
    voucher = voucher_submit(voucher=make_voucher("3000.00"), user=finance)
    sections = panel(client, approver)
    assert "3,000.00" in sections["待我审核的凭证(1)"] and voucher.summary in sections["待我审核的凭证(1)"]
    assert "待我审核的凭证(1)" not in panel(client, finance)  # never the maker's own


def test_a_returned_voucher_waits_for_its_maker_with_the_reason(client, make_voucher, finance, approver):
    voucher = voucher_submit(voucher=make_voucher(), user=finance)
    voucher_return(voucher=voucher, user=approver, reason="金额与合同不符")
    assert "金额与合同不符" in panel(client, finance)["退回的凭证(1)"]
    assert "待我审核的凭证(0)" in panel(client, approver)


def test_a_large_offline_gift_waits_for_a_second_person(client, settings, chart, finance, approver):
    settings.OFFLINE_GIFT_CONFIRMATION_AMOUNT = Decimal("50000.00")
    gift = OfflineGift(
        project=None, channel=Channel.BANK, amount=Decimal("80000.00"), received_at=timezone.now(),
        bank_reference="BK-DASH-1",
    )  # fmt: skip
    donation_record_offline(gift=gift, recorded_by=finance)
    assert "80,000.00" in panel(client, approver)["待复核的线下捐赠(1)"]
    assert not any(h.startswith("待复核的线下捐赠") for h in panel(client, finance))  # 财务 cannot confirm


def test_an_editor_sees_no_finance_panel(client, editor):
    assert panel(client, editor) == {}
