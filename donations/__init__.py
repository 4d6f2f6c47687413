"""Donors and donations (online, offline, in-kind, monthly), gateways, receipts. Posts to ``ledger``."""
