"""Reads of the finance app."""

from .vouchers import VoucherTotals, voucher_list, voucher_totals

__all__ = ["VoucherTotals", "voucher_list", "voucher_totals"]
