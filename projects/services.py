"""Writes for projects. A project's fund accounts live in the ledger, keyed by the project code."""

from __future__ import annotations

from ledger.chart import FundAccounts, chart_ensure, fund_accounts_ensure

from .models import Project


def project_fund_accounts(*, project: Project) -> FundAccounts:
    """The project's 捐赠收入 and 业务活动成本 accounts (restricted for a 定向 project), created on first use."""
    chart_ensure()
    return fund_accounts_ensure(fund_code=project.code, fund_name=project.name, restricted=project.is_restricted)
