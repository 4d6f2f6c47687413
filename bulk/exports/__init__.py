"""Staff exports (导出数据): donations, disbursements, beneficiaries and the ledger as CSV or XLSX.

Each export is a django-import-export resource with Chinese column headers (``bulk.exports.donations`` …),
written by ``bulk.exports.writers`` (streamed CSV, write-only XLSX) with every text cell neutralised against
formula injection (``bulk.safety``). ``EXPORTS`` says who may download which:

| kind | file | permission | beneficiaries revealed with |
|---|---|---|---|
| donations | 捐赠 | ``donations.view_donation`` | — |
| disbursements | 拨付 | ``projects.view_disbursement`` | ``projects.reveal_beneficiary`` (logged) |
| beneficiaries | 受助人 | ``projects.view_beneficiary`` | ``projects.reveal_beneficiary`` (logged) |
| ledger | 账本 | ``ledger.view_transaction`` | — |
"""

from __future__ import annotations

from dataclasses import dataclass

from .base import ExportFilters, ExportResource
from .beneficiaries import BeneficiaryExportResource
from .disbursements import DisbursementExportResource
from .donations import DonationExportResource
from .ledger import LedgerExportResource

REVEAL_PERMISSION = "projects.reveal_beneficiary"
FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class ExportKind:
    key: str
    label: str
    description: str
    permission: str
    resource_class: type[ExportResource]
    date_label: str
    by_project: bool  # offers the project (fund) filter
    revealable: bool = False  # shows beneficiaries: full values for users with REVEAL_PERMISSION

    def resource(self, user=None) -> ExportResource:
        """The resource for this user: revealing only when the export shows people and the user may reveal
        (``None``, as the management command passes, always masks)."""
        return self.resource_class(reveal=self.reveals_for(user))

    def reveals_for(self, user) -> bool:
        return self.revealable and user is not None and user.has_perm(REVEAL_PERMISSION)

    def allowed(self, user) -> bool:
        return user.has_perm(self.permission)


EXPORTS: dict[str, ExportKind] = {
    kind.key: kind
    for kind in (
        ExportKind(
            "donations",
            "捐赠",
            "每笔捐赠一行:回执编号、项目、方式、状态、账本到账金额与退款、捐赠人、票据信息。",
            "donations.view_donation",
            DonationExportResource,
            "到账日期",
            by_project=True,
        ),
        ExportKind(
            "disbursements",
            "拨付",
            "每笔拨付一行:项目、受助人、金额、状态、用途、收款方和各环节时间。",
            "projects.view_disbursement",
            DisbursementExportResource,
            "支付日期",
            by_project=True,
            revealable=True,
        ),
        ExportKind(
            "beneficiaries",
            "受助人",
            "受助人登记信息。身份证号、电话、银行账号默认脱敏;有查看完整信息权限者导出完整信息,并记入操作日志。",
            "projects.view_beneficiary",
            BeneficiaryExportResource,
            "登记日期",
            by_project=False,
            revealable=True,
        ),
        ExportKind(
            "ledger",
            "账本",
            "每条分录一行:交易序号、类型、发生时间、科目、借贷方向、金额、来源和备注。",
            "ledger.view_transaction",
            LedgerExportResource,
            "发生日期",
            by_project=True,
        ),
    )
}

__all__ = ["EXPORTS", "FORMATS", "REVEAL_PERMISSION", "ExportFilters", "ExportKind", "ExportResource"]
