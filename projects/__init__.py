"""Charity projects (funds), and later beneficiaries and disbursements. Posts to ``ledger``."""
