"""Finance staff manage gifts and donors in the Wagtail admin (捐赠管理), in Chinese.

Offline gifts are recorded only through ``donation_record_offline``; the only edit is the official receipt
numbers; a mistake is undone by 冲正 with a reason; nobody deletes a gift."""

import json
import uuid
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone
from wagtail.models import ModelLogEntry

from donations.models import Donation, DonationStatus, Donor, MonthlyPlan, WebhookEvent
from donations.services import OfflineGift, donation_record_offline, donation_record_payment
from ledger.models import Transaction, TransactionKind

pytestmark = pytest.mark.django_db

RECEIVED = "2026-03-01 10:00"


def _gift_form(project, **overrides):
    data = {
        "channel": "bank",
        "project": project.pk if project else "",
        "amount": "500.00",
        "received_at": RECEIVED,
        "donor": "",
        "display_name": "爱心人士",
        "bank_reference": "ICBC-20260301-0001",
        "in_kind_description": "",
        "in_kind_quantity": "",
        "in_kind_unit": "",
        "valuation_basis": "",
        "submission_key": str(uuid.uuid4()),
    }
    return {**data, **overrides}


def _bank_gift(project, reference="ICBC-20260301-0009", amount="300.00"):
    received_at = datetime(2026, 3, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    gift = OfflineGift(project=project, channel="bank", amount=Decimal(amount), received_at=received_at,
                       bank_reference=reference, display_name="王先生")
    return donation_record_offline(gift=gift)


def _online_gift(project):
    donation = Donation.objects.create(project=project, channel="online", requested_amount=Decimal("88.00"),
                                       idempotency_key=uuid.uuid4())
    return donation_record_payment(donation=donation, amount=Decimal("88.00"), currency="CNY",
                                   received_at=timezone.now(), payment_intent_id="pi_test_123")


@pytest.fixture
def superuser_client():
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("finance", "finance@example.org", "pw"))
    return client


@pytest.fixture
def viewer_client():
    """Staff with admin access and only ``view_donation``."""
    user = get_user_model().objects.create_user("viewer", "viewer@example.org", "pw", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
        Permission.objects.get(content_type__app_label="donations", codename="view_donation"),
    )
    client = Client()
    client.force_login(user)
    return client


def _refused(response):
    return response.status_code == 403 or (response.status_code == 302 and "/gifts/" not in response["Location"])


# --- menu and listing -----------------------------------------------------------------------------------------


def test_menu_group_lists_the_four_screens(superuser_client):
    html = superuser_client.get("/admin/").content.decode()
    for label in ("捐赠管理", "捐赠", "捐赠人", "月捐计划", "支付事件"):
        assert json.dumps(label) in html


def test_gift_list_shows_ledger_figures_filters_and_search(superuser_client, project):
    bank = _bank_gift(project)
    _online_gift(project)
    response = superuser_client.get("/admin/gifts/")
    assert response.status_code == 200
    html = response.content.decode()
    assert bank.receipt_serial in html and "账本入账(元)" in html and "账本净额(元)" in html and "300.00" in html
    for label in ("捐赠方式", "状态", "捐赠项目", "测试支付", "拒付争议", "到账日期"):
        assert label in html

    html = superuser_client.get("/admin/gifts/", {"channel": "online"}).content.decode()
    assert "88.00" in html and bank.receipt_serial not in html
    html = superuser_client.get("/admin/gifts/", {"q": "ICBC-20260301-0009"}).content.decode()
    assert bank.receipt_serial in html and "88.00" not in html
    html = superuser_client.get("/admin/gifts/", {"q": "pi_test_123"}).content.decode()
    assert "88.00" in html and bank.receipt_serial not in html
    html = superuser_client.get("/admin/gifts/", {"disputed": "true"}).content.decode()
    assert bank.receipt_serial not in html
    html = superuser_client.get(
        "/admin/gifts/", {"received_at_from": "2026-03-01", "received_at_to": "2026-03-01"}
    ).content.decode()
    assert bank.receipt_serial in html and "88.00" not in html


def test_inspect_shows_ledger_amounts(viewer_client, project):
    bank = _bank_gift(project)
    response = viewer_client.get(f"/admin/gifts/inspect/{bank.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "账本入账金额(元)" in html and "300.00" in html and "ICBC-20260301-0009" in html
    assert "2026年3月1日 10:00" in html  # local time (Asia/Shanghai), as entered
    assert "/admin/gifts/reverse/" not in html and "/admin/gifts/edit/" not in html  # view permission only


# --- recording an offline gift ----------------------------------------------------------------------------------


def test_superuser_records_a_bank_gift_posting_exactly_one_transaction(superuser_client, project):
    response = superuser_client.post("/admin/gifts/new/", _gift_form(project))
    assert response.status_code == 302, response.content.decode()[:3000]
    donation = Donation.objects.get()
    assert response["Location"] == f"/admin/gifts/inspect/{donation.pk}/"
    assert donation.status == DonationStatus.SUCCEEDED and donation.amount == Decimal("500.00")
    assert donation.channel == "bank" and donation.bank_reference == "ICBC-20260301-0001"
    assert donation.recorded_by.username == "finance"
    assert Transaction.objects.count() == 1 and donation.transaction_id is not None
    assert ModelLogEntry.objects.filter(action="wagtail.create", object_id=str(donation.pk)).exists()


def test_same_bank_reference_again_is_refused_and_posts_nothing(superuser_client, project):
    superuser_client.post("/admin/gifts/new/", _gift_form(project))
    response = superuser_client.post("/admin/gifts/new/", _gift_form(project, amount="800.00"))
    assert response.status_code == 200
    assert "银行流水号 ICBC-20260301-0001 已经登记过,不能重复入账。" in response.content.decode()
    assert Donation.objects.count() == 1 and Transaction.objects.count() == 1


def test_a_double_submitted_cash_gift_is_recorded_once(superuser_client, project):
    form = _gift_form(project, channel="cash", bank_reference="")
    first = superuser_client.post("/admin/gifts/new/", form)
    again = superuser_client.post("/admin/gifts/new/", form)
    assert first.status_code == again.status_code == 302
    assert Donation.objects.count() == 1 and Transaction.objects.count() == 1
    assert superuser_client.post("/admin/gifts/new/", {**form, "submission_key": str(uuid.uuid4())}).status_code == 302
    assert Donation.objects.count() == 2  # a new form is a new gift


def test_bank_gift_without_reference_shows_the_service_error(superuser_client, project):
    response = superuser_client.post("/admin/gifts/new/", _gift_form(project, bank_reference=""))
    assert "银行转账必须填写银行流水号。" in response.content.decode()
    assert not Donation.objects.exists() and not Transaction.objects.exists()


def test_in_kind_gift_without_valuation_basis_shows_an_error(superuser_client, project):
    data = _gift_form(project, channel="in_kind", bank_reference="", amount="1200.00",
                      in_kind_description="大米", in_kind_quantity="100", in_kind_unit="袋")
    response = superuser_client.post("/admin/gifts/new/", data)
    assert response.status_code == 200
    assert "请选择估值依据" in response.content.decode()
    assert not Donation.objects.exists() and not Transaction.objects.exists()

    response = superuser_client.post("/admin/gifts/new/", {**data, "valuation_basis": "invoice"})
    assert response.status_code == 302
    gift = Donation.objects.get()
    assert gift.channel == "in_kind" and gift.transaction.kind == TransactionKind.IN_KIND


def test_online_channel_cannot_be_chosen_for_a_recorded_gift(superuser_client, project):
    response = superuser_client.post("/admin/gifts/new/", _gift_form(project, channel="online"))
    assert response.status_code == 200
    assert not Donation.objects.exists()


def test_gift_to_the_general_fund(superuser_client):
    response = superuser_client.post("/admin/gifts/new/", _gift_form(None, channel="cash", bank_reference=""))
    assert response.status_code == 302
    assert Donation.objects.get().project is None


def test_viewer_cannot_record_a_gift(viewer_client, project):
    assert _refused(viewer_client.get("/admin/gifts/new/"))
    assert _refused(viewer_client.post("/admin/gifts/new/", _gift_form(project)))
    assert not Donation.objects.exists() and not Transaction.objects.exists()


# --- the only edit: official receipt numbers --------------------------------------------------------------------


def test_edit_records_only_the_official_receipt_numbers(superuser_client, project):
    gift = _bank_gift(project)
    url = f"/admin/gifts/edit/{gift.pk}/"
    page = superuser_client.get(url).content.decode()
    assert "票据代码" in page and 'name="amount"' not in page
    data = {"official_receipt_code": "44010126", "official_receipt_number": "0001234567",
            "official_receipt_check": "a1b2c3", "amount": "1.00", "requested_amount": "1.00", "channel": "cash"}
    response = superuser_client.post(url, data)
    assert response.status_code == 302
    gift.refresh_from_db()
    assert (gift.official_receipt_code, gift.official_receipt_number, gift.official_receipt_check) == (
        "44010126", "0001234567", "a1b2c3"
    )
    assert gift.amount == Decimal("300.00") and gift.requested_amount == Decimal("300.00") and gift.channel == "bank"
    assert Transaction.objects.count() == 1


def test_bad_official_receipt_numbers_show_chinese_errors(superuser_client, project):
    gift = _bank_gift(project)
    data = {"official_receipt_code": "12", "official_receipt_number": "x", "official_receipt_check": ""}
    response = superuser_client.post(f"/admin/gifts/edit/{gift.pk}/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "票据代码应为 6–20 位数字。" in html and "校验码应为 4–20 位数字或字母。" in html
    gift.refresh_from_db()
    assert gift.official_receipt_code == ""


def test_viewer_cannot_edit(viewer_client, project):
    gift = _bank_gift(project)
    data = {"official_receipt_code": "44010126", "official_receipt_number": "0001234567",
            "official_receipt_check": "a1b2c3"}
    assert _refused(viewer_client.post(f"/admin/gifts/edit/{gift.pk}/", data))
    gift.refresh_from_db()
    assert gift.official_receipt_code == ""


# --- no delete ------------------------------------------------------------------------------------------------


def test_nobody_can_delete_a_gift(superuser_client, project):
    gift = _bank_gift(project)
    assert superuser_client.get(f"/admin/gifts/delete/{gift.pk}/").status_code == 404
    assert superuser_client.post(f"/admin/gifts/delete/{gift.pk}/").status_code == 404
    assert Donation.objects.filter(pk=gift.pk).exists()
    html = superuser_client.get(f"/admin/gifts/inspect/{gift.pk}/").content.decode()
    assert "/delete/" not in html


# --- reversal (冲正) ---------------------------------------------------------------------------------------------


def test_reversal_needs_a_reason(superuser_client, project):
    gift = _bank_gift(project)
    url = f"/admin/gifts/reverse/{gift.pk}/"
    assert "冲正原因" in superuser_client.get(url).content.decode()
    response = superuser_client.post(url, {"reason": "  "})
    assert response.status_code == 200
    assert "冲正必须填写原因。" in response.content.decode()
    gift.refresh_from_db()
    assert gift.status == DonationStatus.SUCCEEDED
    assert not Transaction.objects.filter(kind=TransactionKind.REVERSAL).exists()


def test_reversal_with_a_reason_reverses_the_gift(superuser_client, project):
    gift = _bank_gift(project)
    response = superuser_client.post(f"/admin/gifts/reverse/{gift.pk}/", {"reason": "金额录入错误,应为 30 元"})
    assert response.status_code == 302
    assert response["Location"] == f"/admin/gifts/inspect/{gift.pk}/"
    gift.refresh_from_db()
    assert gift.status == DonationStatus.REVERSED and gift.reversal_reason == "金额录入错误,应为 30 元"
    reversal = Transaction.objects.get(kind=TransactionKind.REVERSAL)
    assert reversal.reverses_id == gift.transaction_id
    assert ModelLogEntry.objects.filter(action="donations.reverse", object_id=str(gift.pk)).exists()
    html = superuser_client.get(f"/admin/gifts/inspect/{gift.pk}/").content.decode()
    assert "已冲正" in html

    again = superuser_client.post(f"/admin/gifts/reverse/{gift.pk}/", {"reason": "再冲一次"})
    assert "只有已到账的捐赠才能冲正" in again.content.decode()
    assert Transaction.objects.filter(kind=TransactionKind.REVERSAL).count() == 1


def test_online_gift_cannot_be_reversed_in_the_admin(superuser_client, project):
    gift = _online_gift(project)
    response = superuser_client.post(f"/admin/gifts/reverse/{gift.pk}/", {"reason": "测试"})
    assert response.status_code == 200
    assert "在线捐赠不能冲正,请通过支付通道退款。" in response.content.decode()
    gift.refresh_from_db()
    assert gift.status == DonationStatus.SUCCEEDED


def test_viewer_cannot_reverse(viewer_client, project):
    gift = _bank_gift(project)
    assert _refused(viewer_client.get(f"/admin/gifts/reverse/{gift.pk}/"))
    assert _refused(viewer_client.post(f"/admin/gifts/reverse/{gift.pk}/", {"reason": "误录"}))
    gift.refresh_from_db()
    assert gift.status == DonationStatus.SUCCEEDED
    assert not Transaction.objects.filter(kind=TransactionKind.REVERSAL).exists()


def test_viewer_can_list_but_sees_no_add_button(viewer_client, project):
    _bank_gift(project)
    html = viewer_client.get("/admin/gifts/").content.decode()
    assert "/admin/gifts/new/" not in html and "/admin/gifts/reverse/" not in html


# --- donors ---------------------------------------------------------------------------------------------------


def test_donor_list_masks_phone_and_email(superuser_client):
    Donor.objects.create(name="王小明", phone="13812341234", email="wang@example.com")
    response = superuser_client.get("/admin/donors/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "王小明" in html and "138****1234" in html and "w***@example.com" in html
    assert "13812341234" not in html and "wang@example.com" not in html


def test_donor_search(superuser_client):
    Donor.objects.create(name="王小明", phone="13812341234")
    Donor.objects.create(kind="organisation", name="某某科技有限公司", credit_code="91350100M000100Y43")
    html = superuser_client.get("/admin/donors/", {"q": "科技"}).content.decode()
    assert "某某科技有限公司" in html and "王小明" not in html


def test_donor_create_validates_the_credit_code(superuser_client):
    data = {"kind": "organisation", "name": "某某科技有限公司", "phone": "", "email": "",
            "credit_code": "91350100M000100Y44", "show_name_publicly": "on"}
    response = superuser_client.post("/admin/donors/new/", data)
    assert response.status_code == 200
    assert "统一社会信用代码校验位不正确" in response.content.decode()
    assert not Donor.objects.exists()
    response = superuser_client.post("/admin/donors/new/", {**data, "credit_code": "91350100M000100Y43"})
    assert response.status_code == 302
    assert Donor.objects.get().credit_code == "91350100M000100Y43"


def test_opening_a_donor_form_is_logged(superuser_client):
    donor = Donor.objects.create(name="王小明", phone="13812341234")
    assert superuser_client.get(f"/admin/donors/edit/{donor.pk}/").status_code == 200
    assert ModelLogEntry.objects.filter(action="donations.donor_contact_viewed", object_id=str(donor.pk)).exists()


def test_donors_are_not_deleted(superuser_client):
    donor = Donor.objects.create(name="王小明")
    assert superuser_client.post(f"/admin/donors/delete/{donor.pk}/").status_code == 404
    assert Donor.objects.filter(pk=donor.pk).exists()


# --- read-only screens ------------------------------------------------------------------------------------------


def test_monthly_plans_and_payment_events_are_read_only(superuser_client, project):
    plan = MonthlyPlan.objects.create(project=project, amount=Decimal("30.00"), stripe_subscription_id="sub_1")
    event = WebhookEvent.objects.create(event_id="evt_1", type="invoice.paid", status="deferred",
                                        waits_for="sub_1", payload={"id": "evt_1"})
    html = superuser_client.get("/admin/monthly-plans/").content.decode()
    assert "每月金额(元)" in html and "/admin/monthly-plans/new/" not in html
    html = superuser_client.get("/admin/payment-events/", {"status": "deferred"}).content.decode()
    assert "evt_1" in html and "等待前序事件" in html
    assert superuser_client.get(f"/admin/payment-events/inspect/{event.pk}/").status_code == 200
    assert superuser_client.get(f"/admin/monthly-plans/inspect/{plan.pk}/").status_code == 200
    for url in ("/admin/monthly-plans/new/", f"/admin/monthly-plans/edit/{plan.pk}/",
                f"/admin/payment-events/edit/{event.pk}/", f"/admin/payment-events/delete/{event.pk}/"):
        assert superuser_client.get(url).status_code == 404
