"""Daily reconciliation against a local Stripe-compatible server's event log: missed events are processed once,
and each kind of mismatch is reported (and makes the command exit non-zero)."""

from datetime import datetime, time, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from donations.models import Channel, Donation, DonationStatus, WebhookEvent
from donations.services import donation_mark_unpaid, event_process
from donations.services.reconcile import ERROR, CaughtUpEvent, ReconcileError, stripe_reconcile
from ledger.models import Transaction
from tests.donations import events as ev
from tests.donations.fake_stripe import FakeStripe, configure, server_error

SINCE = timezone.localdate() - timedelta(days=1)
OTHER_GIFT = "6f1c2a3e-0000-4000-8000-000000000001"  # a well-formed public id that no local gift has


@pytest.fixture
def stripe_server(settings, monkeypatch):
    # The SDK sleeps 0.5–5 s between network retries; the retries themselves are what we test, not the waiting.
    monkeypatch.setattr("stripe._http_client.HTTPClient._sleep_time_seconds", lambda self, num_retries: 0)
    with FakeStripe() as server:
        configure(settings, server)
        yield server


def _reconcile(since=SINCE) -> tuple[int, str, str]:
    """Run the command; returns (exit status, stdout, stderr) as cron would see them."""
    out, err = StringIO(), StringIO()
    try:
        call_command("reconcile_stripe", "--since", str(since), stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, out.getvalue(), err.getvalue() + str(error)
    return 0, out.getvalue(), err.getvalue()


def _days_ago(days: int) -> int:
    return int((timezone.now() - timedelta(days=days)).timestamp())


# --- (a) events we had missed --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_missed_payment_is_processed_and_reported(project, stripe_server):
    gift = ev.pending_gift(project, amount="88.80")
    paid = ev.session_completed(gift, pi="pi_rec_1")
    stripe_server.add_events(paid)

    report = stripe_reconcile(since=SINCE)

    gift.refresh_from_db()
    (listing,) = stripe_server.requests_to("GET", "/v1/events")
    midnight = timezone.make_aware(datetime.combine(SINCE, time.min))
    assert listing.query["created[gte]"] == str(int(midnight.timestamp()))
    assert report.caught_up == [CaughtUpEvent(paid["id"], "checkout.session.completed", "processed")]
    assert gift.status == DonationStatus.SUCCEEDED and gift.amount == Decimal("88.80")
    assert report.events_listed == 1 and report.remaining == 0


@pytest.mark.django_db
def test_a_second_run_processes_nothing_twice(project, stripe_server):
    gift = ev.pending_gift(project, amount="50")
    stripe_server.add_events(ev.session_completed(gift, pi="pi_rec_2"),
                             ev.charge_refunded(pi="pi_rec_2", refunded_minor=2000, amount_minor=5000, charge="ch_r2"))

    first = stripe_reconcile(since=SINCE)
    second = stripe_reconcile(since=SINCE)

    gift.refresh_from_db()
    assert [e.outcome for e in first.caught_up] == ["processed", "processed"]
    assert second.caught_up == [] and second.remaining == 0
    assert WebhookEvent.objects.count() == 2
    assert Transaction.objects.count() == 2  # the gift and one refund, each posted once
    assert gift.status == DonationStatus.PARTIALLY_REFUNDED


@pytest.mark.django_db
def test_events_the_webhook_already_delivered_are_left_alone(project, stripe_server):
    gift = ev.pending_gift(project)
    paid = ev.session_completed(gift, pi="pi_rec_3")
    event_process(paid)
    stripe_server.add_events(paid)

    report = stripe_reconcile(since=SINCE)

    assert report.caught_up == [] and report.remaining == 0
    assert Transaction.objects.count() == 1


@pytest.mark.django_db
def test_a_monthly_plan_with_renewals_reconciles_cleanly(project, stripe_server):
    gift = ev.pending_gift(project, amount="30", monthly=True)
    public_id = str(gift.public_id)
    stripe_server.add_events(
        ev.session_completed(gift, subscription="sub_rec", invoice="in_rec_1"),
        ev.invoice_paid(subscription="sub_rec", invoice="in_rec_1", amount_minor=3000, first=True,
                        donation_id=public_id, pi="pi_rec_m1"),
        ev.invoice_paid(subscription="sub_rec", invoice="in_rec_2", amount_minor=3000, first=False,
                        donation_id=public_id, pi="pi_rec_m2"),
    )

    report = stripe_reconcile(since=SINCE)

    assert [e.outcome for e in report.caught_up] == ["processed"] * 3
    assert report.remaining == 0
    assert Donation.objects.filter(plan=gift.plan, status=DonationStatus.SUCCEEDED).count() == 2


@pytest.mark.django_db
def test_an_event_that_fails_is_reported_and_tried_again_next_run(project, stripe_server):
    broken = ev.event("checkout.session.completed", {"object": "checkout.session", "payment_status": "paid"})
    stripe_server.add_events(broken)

    first = stripe_reconcile(since=SINCE)
    second = stripe_reconcile(since=SINCE)

    assert [(e.event_id, e.outcome) for e in first.caught_up] == [(broken["id"], ERROR)]
    assert [e.outcome for e in second.caught_up] == [ERROR]
    assert first.remaining == 1
    assert not WebhookEvent.objects.exists()


@pytest.mark.django_db
def test_an_event_still_waiting_after_the_replay_remains_a_mismatch(project, stripe_server):
    stripe_server.add_events(ev.charge_refunded(pi="pi_nobody", refunded_minor=100, amount_minor=100, charge="ch_n"))

    report = stripe_reconcile(since=SINCE)

    assert [e.outcome for e in report.unsettled] == ["deferred"]
    assert report.remaining == 1


# --- (b) paid at Stripe, not received here -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_paid_session_whose_gift_expired_here_is_reported(project, stripe_server):
    gift = ev.pending_gift(project, amount="100")
    donation_mark_unpaid(donation=gift, status=DonationStatus.EXPIRED)
    stripe_server.add_events(ev.session_completed(gift, pi="pi_rec_4"))

    report = stripe_reconcile(since=SINCE)

    (mismatch,) = report.not_received
    assert mismatch.payment.stripe_id == gift.stripe_checkout_session_id
    assert mismatch.payment.amount == Decimal("100.00")
    assert mismatch.donation == gift and mismatch.donation.status == DonationStatus.EXPIRED


@pytest.mark.django_db
def test_a_paid_session_for_a_gift_we_do_not_have_is_reported(project, stripe_server):
    stripe_server.add_events(ev.event("checkout.session.completed", {
        "id": "cs_test_lost", "object": "checkout.session", "payment_status": "paid", "amount_total": 5000,
        "currency": "cny", "client_reference_id": OTHER_GIFT, "metadata": {"donation": OTHER_GIFT},
        "payment_intent": "pi_lost",
    }))

    report = stripe_reconcile(since=SINCE)

    (mismatch,) = report.not_received
    assert (mismatch.payment.stripe_id, mismatch.donation) == ("cs_test_lost", None)
    assert [e.outcome for e in report.caught_up] == ["ignored"]


@pytest.mark.django_db
def test_another_integrations_payments_are_not_ours_to_report(project, stripe_server):
    stripe_server.add_events(ev.event("checkout.session.completed", {
        "id": "cs_test_shop", "object": "checkout.session", "payment_status": "paid", "amount_total": 990,
        "currency": "cny", "metadata": {}, "payment_intent": "pi_shop",
    }))

    report = stripe_reconcile(since=SINCE)

    assert report.not_received == [] and report.remaining == 0


# --- (c) received here, unknown to Stripe ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_payment_stripe_never_reported_is_listed(project, stripe_server):
    forged = ev.pending_gift(project, amount="66")
    event_process(ev.session_completed(forged, pi="pi_forged"))  # received here, e.g. a forged or stray event
    sandbox_gift = ev.pending_gift(project, amount="10", is_sandbox=True)
    event_process(ev.session_completed(sandbox_gift, pi="pi_sandbox"))
    before = ev.pending_gift(project, amount="20")
    event_process({**ev.session_completed(before, pi="pi_before"), "created": _days_ago(3)})
    known = ev.pending_gift(project, amount="30")
    paid = ev.session_completed(known, pi="pi_known")
    event_process(paid)
    stripe_server.add_events(paid)

    report = stripe_reconcile(since=SINCE)

    assert report.unknown_to_stripe == [forged]
    assert report.remaining == 1


@pytest.mark.django_db
def test_offline_gifts_are_not_stripes_business(project, stripe_server):
    Donation.objects.create(project=project, channel=Channel.BANK, requested_amount=Decimal("500"),
                            amount=Decimal("500"), status=DonationStatus.SUCCEEDED, received_at=timezone.now(),
                            bank_reference="B-0001")

    assert stripe_reconcile(since=SINCE).unknown_to_stripe == []


# --- (d) amounts ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_received_amount_that_differs_from_stripes_is_reported(project, stripe_server):
    gift = ev.pending_gift(project, amount="88.80")
    local = ev.session_completed(gift, pi="pi_rec_5")
    event_process(local)  # what we received (say, a tampered delivery) said ¥88.80 …
    remote = ev.session_completed(gift, pi="pi_rec_5", amount_minor=8000)
    stripe_server.add_events({**remote, "id": local["id"]})  # … Stripe's own record of that event says ¥80.00

    report = stripe_reconcile(since=SINCE)

    (mismatch,) = report.amount_mismatches
    assert (mismatch.donation.amount, mismatch.payment.amount) == (Decimal("88.80"), Decimal("80.00"))
    assert report.caught_up == [] and report.remaining == 1


# --- the command ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_command_with_nothing_amiss_exits_zero(project, stripe_server):
    gift = ev.pending_gift(project)
    stripe_server.add_events(ev.session_completed(gift, pi="pi_cmd_1"))

    status, out, err = _reconcile()

    assert status == 0 and err == ""
    assert "此前未处理、现已补处理的事件(1):" in out
    assert "checkout.session.completed → 已处理" in out
    assert "对账完成:补处理事件 1 个(其中未完成 0 个)" in out and "无不一致" in out


@pytest.mark.django_db
def test_command_lists_mismatches_and_exits_non_zero(project, stripe_server):
    expired = ev.pending_gift(project, amount="100")
    donation_mark_unpaid(donation=expired, status=DonationStatus.EXPIRED)
    stripe_server.add_events(ev.session_completed(expired, pi="pi_cmd_2"))
    forged = ev.pending_gift(project, amount="66")
    event_process(ev.session_completed(forged, pi="pi_cmd_3"))
    forged.refresh_from_db()

    status, out, err = _reconcile()

    assert status == 3
    session = expired.stripe_checkout_session_id
    expected = f"{session} Stripe 收款 ¥100.00 CNY;本地捐赠 {expired.public_id} 状态「已过期」"
    assert expected in out
    assert "本地已到账、Stripe 无付款记录(1):" in out and forged.receipt_serial in out
    assert "仍有 2 项不一致,请财务核查" in err


@pytest.mark.django_db
def test_command_refuses_without_stripe(settings, project):
    settings.STRIPE_SECRET_KEY = ""

    status, _, err = _reconcile()

    assert status == 1 and "未配置 Stripe" in err


@pytest.mark.parametrize("since", ["2026-02-30", "20260301", "yesterday", "2026-3-1"])
def test_command_refuses_a_malformed_date(since):
    status, _, err = _reconcile(since)

    assert status == 1 and f"日期“{since}”无效,请按 YYYY-MM-DD 填写" in err


@pytest.mark.django_db
def test_a_future_date_is_refused(stripe_server):
    with pytest.raises(ReconcileError, match="晚于今天"):
        stripe_reconcile(since=timezone.localdate() + timedelta(days=1))


@pytest.mark.django_db
def test_stripe_unreachable_is_an_error_not_a_clean_report(stripe_server):
    stripe_server.fail_next(server_error(), times=3)

    status, _, err = _reconcile()

    assert status == 1 and "无法从 Stripe 读取事件" in err


@pytest.mark.django_db
def test_a_start_older_than_stripes_30_days_warns_and_checks_only_what_stripe_keeps(project, stripe_server):
    old = ev.pending_gift(project, amount="40")
    event_process({**ev.session_completed(old, pi="pi_old"), "created": _days_ago(35)})

    status, out, err = _reconcile(timezone.localdate() - timedelta(days=40))

    assert status == 0
    assert "注意:Stripe 只保留最近 30 天的事件" in err
    assert "无不一致" in out
