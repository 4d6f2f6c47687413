"""Fixtures for the ledger tests: the chart of accounts and one restricted fund."""

from __future__ import annotations

import pytest

from ledger.chart import FundAccounts, chart_ensure, fund_accounts_ensure
from tests.ledger.ledger_data import FUND


@pytest.fixture
def books(db) -> FundAccounts:
    """The standard chart plus fund XT100's 捐赠收入 (4101.XT100) and 业务活动成本 (5101.XT100)."""
    chart_ensure()
    return fund_accounts_ensure(fund_code=FUND, fund_name="测试基金", restricted=True)
