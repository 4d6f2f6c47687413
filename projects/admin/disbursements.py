"""Admin for disbursements (being built)."""
