"""Daily reconciliation with Stripe (与 Stripe 对账), for cron:

    python manage.py reconcile_stripe --since 2026-03-01

Exit status: 0 no mismatch; 1 could not reconcile (Stripe not configured, a bad date, Stripe unreachable);
2 a usage error; 3 mismatches remain (the report says which). See docs/payments.md.
"""

from __future__ import annotations

import contextlib
import re
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from donations.models import Donation, WebhookEventStatus
from donations.services.reconcile import (
    ERROR,
    ClearingCheck,
    PaymentMismatch,
    ReconcileError,
    ReconcileReport,
    stripe_reconcile,
)

MISMATCHES_REMAIN = 3
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
OUTCOMES = {**dict(WebhookEventStatus.choices), "duplicate": "已由 webhook 处理", ERROR: "处理出错"}


class Command(BaseCommand):
    help = "与 Stripe 对账:补处理遗漏的 Stripe 事件,并列出双方不一致之处(有未解决的不一致时退出码为 3)。"

    def add_arguments(self, parser):
        parser.add_argument("--since", required=True, metavar="YYYY-MM-DD", help="从这一天(站点时区 0 点)起对账")

    def handle(self, *args, since: str, **options):
        try:
            report = stripe_reconcile(since=_day(since))
        except ReconcileError as error:
            raise CommandError(str(error)) from error
        for warning in report.warnings:
            self.stderr.write(self.style.WARNING(f"注意:{warning}"))
        for line in _lines(report):
            self.stdout.write(line)
        summary = _summary(report)
        if report.remaining:
            raise CommandError(summary, returncode=MISMATCHES_REMAIN)
        self.stdout.write(self.style.SUCCESS(summary))


def _day(value: str) -> date:
    if DAY.fullmatch(value):
        with contextlib.suppress(ValueError):  # 2026-02-30 has the right shape but is no day
            return date.fromisoformat(value)
    raise CommandError(f"日期“{value}”无效,请按 YYYY-MM-DD 填写,例如 {timezone.localdate():%Y-%m-%d}。")


def _lines(report: ReconcileReport) -> list[str]:
    lines = [f"与 Stripe 对账:自 {report.since} 起,Stripe 共有 {report.events_listed} 个事件。"]
    sections = [
        ("此前未处理、现已补处理的事件", [_caught_up(e) for e in report.caught_up]),
        ("Stripe 已收款、本地未到账", [_payment(m) for m in report.not_received]),
        ("本地已到账、Stripe 无付款记录", [_gift(d) for d in report.unknown_to_stripe]),
        ("金额不一致", [_amounts(m) for m in report.amount_mismatches]),
    ]
    for title, entries in sections:
        if entries:
            lines += [f"{title}({len(entries)}):", *(f"  - {entry}" for entry in entries)]
    lines.append("Stripe 待结算余额核对(账面 1012.STRIPE 对 Stripe 余额 = 可用 + 待入账):")
    lines += [f"  - {_clearing(check)}" for check in report.clearing]
    return lines


def _clearing(check: ClearingCheck) -> str:
    verdict = f"差额 ¥{check.difference} {check.currency},请财务核查" if check.difference else "一致"
    return f"{check.currency}:账面 ¥{check.ledger},Stripe ¥{check.stripe},{verdict}"


def _summary(report: ReconcileReport) -> str:
    counts = (
        f"补处理事件 {len(report.caught_up)} 个(其中未完成 {len(report.unsettled)} 个),"
        f"Stripe 已收款本地未到账 {len(report.not_received)} 笔,"
        f"本地到账 Stripe 无记录 {len(report.unknown_to_stripe)} 笔,"
        f"金额不一致 {len(report.amount_mismatches)} 笔,"
        f"待结算余额差额 {len(report.clearing_differences)} 项(不计入退出码)"
    )
    verdict = f"仍有 {report.remaining} 项不一致,请财务核查" if report.remaining else "无不一致"
    return f"对账完成:{counts}。{verdict}。"


def _caught_up(event) -> str:
    note = f"({event.note})" if event.note else ""
    return f"{event.event_id} {event.type} → {OUTCOMES.get(event.outcome, event.outcome)}{note}"


def _payment(mismatch: PaymentMismatch) -> str:
    p, gift = mismatch.payment, mismatch.donation
    local = f"本地捐赠 {_name(gift)} 状态「{gift.get_status_display()}」" if gift else "本地无此捐赠"
    return f"{p.stripe_id} Stripe 收款 ¥{p.amount} {p.currency};{local}"


def _gift(gift: Donation) -> str:
    stripe_ids = " / ".join(filter(None, [gift.stripe_checkout_session_id, gift.stripe_invoice_id])) or "无 Stripe 编号"
    received = timezone.localtime(gift.received_at).strftime("%Y-%m-%d %H:%M")
    return f"捐赠 {_name(gift)} ¥{gift.amount} {gift.currency},{received} 到账,{stripe_ids}"


def _amounts(mismatch: PaymentMismatch) -> str:
    p, gift = mismatch.payment, mismatch.donation
    return f"捐赠 {_name(gift)}:本地到账 ¥{gift.amount} {gift.currency},Stripe {p.stripe_id} ¥{p.amount} {p.currency}"


def _name(gift: Donation) -> str:
    return f"{gift.receipt_serial}({gift.public_id})" if gift.receipt_serial else str(gift.public_id)
