"""Wagtail admin for the beneficiary registry, disbursements and audit checks (registered by ``wagtail_hooks``)."""
