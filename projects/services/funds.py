"""Writes for projects' funds. A project's fund accounts live in the ledger, keyed by the project code."""

from __future__ import annotations

from ledger.chart import FundAccounts, chart_ensure, fund_accounts_ensure
from projects.models import Project


def project_fund_accounts(*, project: Project) -> FundAccounts:
    """The project's 捐赠收入 and 业务活动成本 accounts (restricted for a 定向 project), created on first use."""
    chart_ensure()
    return fund_accounts_ensure(fund_code=project.code, fund_name=project.name, restricted=project.is_restricted)


def project_lock(project: Project) -> Project:
    """Lock the project's row until commit: every approval and payment from one fund takes this lock first, so
    two of them never both spend the same available balance (on SQLite, BEGIN IMMEDIATE serialises writers)."""
    return Project.objects.select_for_update().get(pk=project.pk)
