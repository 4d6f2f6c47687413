"""Writes of the finance app. Every posting goes through ``ledger.services``."""

from .documents import voucher_attach_document
from .drafts import (
    VoucherDraft,
    VoucherError,
    VoucherLineDraft,
    accounts_on_use_ensure,
    voucher_create,
    voucher_errors,
    voucher_update_draft,
)
from .numbering import voucher_number_allocate
from .vouchers import voucher_approve, voucher_cancel, voucher_return, voucher_reverse, voucher_submit

__all__ = [
    "VoucherDraft",
    "VoucherError",
    "VoucherLineDraft",
    "accounts_on_use_ensure",
    "voucher_approve",
    "voucher_attach_document",
    "voucher_cancel",
    "voucher_create",
    "voucher_errors",
    "voucher_number_allocate",
    "voucher_return",
    "voucher_reverse",
    "voucher_submit",
    "voucher_update_draft",
]
