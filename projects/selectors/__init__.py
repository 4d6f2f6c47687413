"""Reads about projects, beneficiaries and disbursements. Pages, admin views and reports read through here."""

from .funding import FundingSummary, fund_available, project_funding, project_funding_many, projects_active

__all__ = ["FundingSummary", "fund_available", "project_funding", "project_funding_many", "projects_active"]
