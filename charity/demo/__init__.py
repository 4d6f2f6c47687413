"""Demo content built from the real reports in ``shared/seeds`` (clearly marked as demo data)."""
