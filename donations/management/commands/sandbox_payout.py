"""The sandbox's daily payout (测试支付): pay Stripe 待结算 out to the bank, as Stripe's daily payouts do.

    python manage.py sandbox_payout                     # pay out the whole balance (nothing when it is zero)
    python manage.py sandbox_payout --fail po_sandbox_…  # the bank returned that payout

The payout.paid (or payout.failed) event is signed with the sandbox webhook secret and goes through the real
webhook handler, which posts 银行存款 against Stripe 待结算 (or reverses it).
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError

from donations.gateways import sandbox, sandbox_enabled, webhook_secret
from donations.selectors import stripe_clearing_balances
from donations.services import webhook_receive
from donations.services.ledger_postings import payout_source
from ledger.models import Transaction


class Command(BaseCommand):
    help = "测试支付:把 Stripe 待结算余额结算到银行存款(模拟 Stripe 每日结算),或模拟一笔结算失败。"

    def add_arguments(self, parser):
        parser.add_argument("--fail", metavar="PAYOUT_ID", help="模拟这笔已到账的结算被银行退回(payout.failed)")

    def handle(self, *args, fail: str | None, **options):
        if not sandbox_enabled():
            raise CommandError("只有在测试支付(未配置 Stripe 密钥)时才能模拟结算。")
        event = self._failed(fail) if fail else self._paid()
        if event is None:
            self.stdout.write("Stripe 待结算余额为 0,无需结算。")
            return
        payload = sandbox.encode(event)
        outcome = webhook_receive(payload=payload, signature=sandbox.sign(payload, webhook_secret()))
        self.stdout.write(f"{event['type']} {event['data']['object']['id']}({event['id']}): {outcome}")

    def _paid(self) -> dict | None:
        balance = stripe_clearing_balances().get("CNY", Decimal("0"))
        if balance <= 0:
            return None
        payout_id = "po_sandbox_" + secrets.token_hex(8)
        return sandbox.payout_event("payout.paid", payout_id=payout_id, amount=balance)

    def _failed(self, payout_id: str) -> dict:
        paid = Transaction.objects.filter(source=payout_source(payout_id)).prefetch_related("legs").first()
        if paid is None:
            raise CommandError(f"找不到已到账的结算 {payout_id}。")
        amount = max(leg.amount for leg in paid.legs.all())
        return sandbox.payout_event("payout.failed", payout_id=payout_id, amount=amount)
