"""Templates for the usual entries (常用凭证模板): prefilled lines the maker edits (amounts are left to fill in).

Codes are the first-level accounts of ``ledger.chart`` (《民间非营利组织会计制度》): 1002 银行存款, 1501 固定资产,
1502 累计折旧, 2204 应付工资, 4201 会费收入, 4401 政府补助收入, 4901 其他收入, 5201 管理费用. A database whose chart
predates them gets them on first use (``finance.services.accounts_on_use_ensure`` runs ``chart_ensure``).
"""

from __future__ import annotations

from dataclasses import dataclass

BANK = "1002"
MANAGEMENT_COST = "5201"
WAGES_PAYABLE = "2204"


@dataclass(frozen=True)
class EntryTemplate:
    label: str
    summary: str
    lines: tuple[tuple[str, str, str], ...]  # (account code, "D"/"C", line summary)
    # Where staff have split an account into sub-accounts (5201.01 工资福利, …), a line goes to the sub-account
    # whose name contains this word: posting to an account that has sub-accounts is refused.
    subaccount_word: str = ""


ENTRY_TEMPLATES: dict[str, EntryTemplate] = {
    "salary": EntryTemplate(
        "工资",
        "计提本月工资(合计)",
        ((MANAGEMENT_COST, "D", "本月工资合计"), (WAGES_PAYABLE, "C", "应付本月工资合计")),
        subaccount_word="工资",
    ),
    "rent": EntryTemplate(
        "房租",
        "支付办公场所房租",
        ((MANAGEMENT_COST, "D", "办公场所房租"), (BANK, "C", "银行支付房租")),
        subaccount_word="房租",
    ),
    "interest": EntryTemplate("银行利息", "银行存款利息收入", ((BANK, "D", "银行存款利息"), ("4901", "C", "利息收入"))),
    "subsidy": EntryTemplate("政府补助", "收到政府补助", ((BANK, "D", "政府补助到账"), ("4401", "C", "政府补助收入"))),
    "dues": EntryTemplate("会费", "收到会员会费", ((BANK, "D", "会费到账"), ("4201", "C", "会费收入"))),
    "asset": EntryTemplate(
        "固定资产购置", "购置固定资产", (("1501", "D", "购置固定资产"), (BANK, "C", "银行支付购置款"))
    ),
    "depreciation": EntryTemplate(
        "折旧",
        "计提本月固定资产折旧",
        ((MANAGEMENT_COST, "D", "本月折旧"), ("1502", "C", "累计折旧")),
        subaccount_word="折旧",
    ),
}
