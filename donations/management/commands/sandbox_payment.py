"""Simulate what Stripe would send later, in the sandbox: a refund, next month's payment, a cancelled plan.

    python manage.py sandbox_payment refund JZ2026-000001 --amount 20
    python manage.py sandbox_payment renew JZ2026-000002
    python manage.py sandbox_payment cancel JZ2026-000002

A renewal is followed, as a payment is, by its charge with the simulated fee (``SANDBOX_FEE_RATES``).
The events are signed with the sandbox webhook secret and go through the real webhook handler.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Sum

from donations.gateways import sandbox, sandbox_enabled, webhook_secret
from donations.models import Donation
from donations.services import webhook_receive


class Command(BaseCommand):
    help = "Sandbox only: deliver a refund, a monthly renewal or a plan cancellation for a gift (by receipt serial)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["refund", "renew", "cancel"])
        parser.add_argument("serial", help="the gift's receipt serial, e.g. JZ2026-000001")
        parser.add_argument("--amount", help="refund: the amount to refund (default: all that is left)")

    def handle(self, *args, action, serial, amount, **options):
        if not sandbox_enabled():
            raise CommandError("只有在测试支付(未配置 Stripe 密钥)时才能模拟支付事件。")
        donation = Donation.objects.select_related("plan").filter(receipt_serial=serial.strip().upper()).first()
        if donation is None:
            raise CommandError(f"找不到回执编号为 {serial} 的捐赠。")
        made = getattr(self, f"_{action}")(donation, amount)
        for event in made if isinstance(made, list) else [made]:
            payload = sandbox.encode(event)
            outcome = webhook_receive(payload=payload, signature=sandbox.sign(payload, webhook_secret()))
            self.stdout.write(f"{event['type']} {event['id']}: {outcome}")

    def _refund(self, donation: Donation, amount: str | None) -> dict:
        if not donation.stripe_payment_intent_id:
            raise CommandError("这笔捐赠没有在线支付记录,不能模拟退款。")
        already = donation.refunds.aggregate(total=Sum("amount"))["total"] or Decimal("0")
        try:
            refund = Decimal(amount) if amount else donation.amount - already
        except InvalidOperation:
            raise CommandError(f"金额 {amount} 不是有效数字。") from None
        if refund <= 0 or already + refund > donation.amount:
            raise CommandError(f"退款金额须大于 0 且不超过未退金额 {donation.amount - already} 元。")
        return sandbox.refund_event(
            payment_intent_id=donation.stripe_payment_intent_id, refunded_total=already + refund, amount=donation.amount
        )

    def _renew(self, donation: Donation, amount: str | None) -> list[dict]:
        """The month's invoice, then its charge with Stripe's (simulated) fee."""
        plan = self._plan(donation)
        invoice = sandbox.invoice_paid_event(
            plan.stripe_subscription_id, str(donation.public_id), donation.fund_code, plan.amount, first=False
        )
        charge = sandbox.charge_settled_event(
            payment_intent_id=sandbox.payment_intent_of(invoice), amount=plan.amount, method="card"
        )
        return [invoice, charge]

    def _cancel(self, donation: Donation, amount: str | None) -> dict:
        plan = self._plan(donation)
        subscription = {"id": plan.stripe_subscription_id, "object": "subscription", "status": "canceled"}
        return sandbox.event("customer.subscription.deleted", subscription)

    def _plan(self, donation: Donation):
        if donation.plan is None or not donation.plan.stripe_subscription_id:
            raise CommandError("这笔捐赠不属于已开通的月捐计划。")
        return donation.plan
