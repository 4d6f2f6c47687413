"""Corrections: a reversal transaction names the original and swaps every leg's side."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from ledger.models import Side, Transaction, TransactionKind

from .posting import LegSpec, PostingError, PostingRequest, acquire_writer_lock, post_requests


def transaction_reverse(*, original: Transaction, occurred_at: datetime, source: str, memo: str = "") -> Transaction:
    """Reverse ``original`` in full. Refused for a reversal, and for a transaction already reversed
    (unless it is the same ``source`` again, which returns the first reversal)."""
    with transaction.atomic():
        acquire_writer_lock()
        existing = Transaction.objects.filter(source=source).first()
        if existing is not None:
            if existing.reverses_id != original.pk:
                raise PostingError(
                    f"来源 {source} 已用于交易 #{existing.sequence},它不是交易 #{original.sequence} 的冲正"
                )
            return existing
        if original.kind == TransactionKind.REVERSAL:
            raise PostingError(f"交易 #{original.sequence} 本身是冲正交易,不能再冲正")
        if Transaction.objects.filter(reverses=original).exists():
            raise PostingError(f"交易 #{original.sequence} 已经冲正过,不能重复冲正")
        legs = [
            LegSpec(
                account=leg.account.code,
                side=Side.CREDIT if leg.side == Side.DEBIT else Side.DEBIT,
                amount=leg.amount,
                currency=leg.currency,
            )
            for leg in original.legs.select_related("account").order_by("pk")
        ]
        request = PostingRequest(
            kind=TransactionKind.REVERSAL,
            occurred_at=occurred_at,
            legs=legs,
            source=source,
            memo=memo,
            public_record={"reason": "冲正"},
            reverses=original,
        )
        return post_requests([request])[0]
