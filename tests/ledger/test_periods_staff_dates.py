"""Dates that staff enter (an offline gift's 到账时间, a disbursement's 实际支付日期, a voucher's date) in a closed
month are refused with the ledger's Chinese message, as an error the form shows; nothing posts."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from donations.models import Channel
from donations.services.offline import OfflineGift, donation_record_offline
from finance.services import VoucherError, voucher_approve, voucher_submit
from ledger.models import Transaction
from ledger.services.periods import period_approve, period_close_request
from projects.models import Disbursement
from projects.services import DisbursementError, disbursement_pay
from tests.factories import ProjectFactory
from tests.finance.conftest import chart, make_voucher  # noqa: F401  (fixtures)
from tests.ledger.ledger_data import SHANGHAI
from tests.projects.conftest import give
from tests.projects.disbursement_flows import approved, enrol, person

pytestmark = pytest.mark.django_db

CLOSED = date(2026, 11, 1)  # the month before this one (the tests run in December 2026 or later)
MESSAGE = "会计期间 2026-11 已结账,不能记入该期间;更正请记在未结账的期间"


@pytest.fixture
def november_closed(finance, approver):
    period_close_request(month=CLOSED, user=finance)
    period_approve(month=CLOSED, user=approver)


def test_an_offline_gift_dated_in_a_closed_month_is_a_form_error(november_closed, finance):
    project = ProjectFactory(code="XT100", name="血透100")
    gift = OfflineGift(
        project=project,
        channel=Channel.BANK,
        amount=Decimal("100.00"),
        bank_reference="B-1",
        received_at=datetime(2026, 11, 20, 10, tzinfo=SHANGHAI),
    )
    before = Transaction.objects.count()
    with pytest.raises(ValidationError) as refused:
        donation_record_offline(gift=gift, recorded_by=finance)
    assert refused.value.message_dict["received_at"] == [MESSAGE]
    assert Transaction.objects.count() == before


def test_a_disbursement_paid_on_a_day_in_a_closed_month_is_refused(finance, officer, approver):
    project = ProjectFactory(code="GY-1", name="助学")
    give(project, "1000.00", finance_user=finance)
    beneficiary = person(7)
    enrol(beneficiary, project, amount="100.00", start=date(2026, 1, 1), user=officer)
    grant = approved(project, beneficiary, "100.00", officer=officer, approver=approver)
    Disbursement.objects.filter(pk=grant.pk).update(
        approved_at=timezone.make_aware(datetime.combine(date(2026, 11, 5), time(9)))
    )
    grant.refresh_from_db()
    period_close_request(month=CLOSED, user=finance)
    period_approve(month=CLOSED, user=approver)
    with pytest.raises(DisbursementError, match=MESSAGE):
        disbursement_pay(disbursement=grant, user=finance, paid_on=date(2026, 11, 20))
    grant.refresh_from_db()
    assert grant.status == "approved" and grant.transaction_id is None


def test_a_voucher_dated_in_a_closed_month_is_not_posted(november_closed, make_voucher, finance, approver):  # noqa: F811
    voucher = voucher_submit(voucher=make_voucher(day=date(2026, 11, 30)), user=finance)
    with pytest.raises(VoucherError, match=MESSAGE):
        voucher_approve(voucher=voucher, user=approver)
    voucher.refresh_from_db()
    assert voucher.transaction_id is None
