"""Admin for audit (being built)."""
