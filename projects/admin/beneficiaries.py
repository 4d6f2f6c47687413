"""Admin for beneficiaries (being built)."""
