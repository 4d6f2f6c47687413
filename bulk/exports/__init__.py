"""Staff exports (导出数据): donations, disbursements, beneficiaries and the ledger as CSV or XLSX.

Each export is a django-import-export resource with Chinese column headers (``bulk.exports.donations`` …),
written by ``bulk.exports.writers`` (streamed CSV, write-only XLSX) with every text cell neutralised against
formula injection (``bulk.safety``). ``EXPORTS`` says who may download which:

| kind | file | permission | fields that can be revealed (each by its own permission, logged) |
|---|---|---|---|
| donations | 捐赠 | ``donations.view_donation`` | — |
| disbursements | 拨付 | ``projects.view_disbursement`` | ID number |
| beneficiaries | 受助人 | ``projects.view_beneficiary`` | ID number, phones (own, guardian's), bank account, village |
| ledger | 账本 | ``ledger.view_transaction`` | — |

A download by GET is always masked: a link or an image on another site can make a browser send a GET. Revealing
takes a POST with the CSRF token and a stated reason (``bulk.export_views``), and reveals only the fields the user
may reveal (``projects.services.beneficiary_revealable``).
"""

from __future__ import annotations

from dataclasses import dataclass

from projects.services import beneficiary_revealable

from .base import ExportFilters, ExportResource
from .beneficiaries import BeneficiaryExportResource
from .disbursements import DisbursementExportResource
from .donations import DonationExportResource
from .ledger import LedgerExportResource

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

    @property
    def revealable(self) -> frozenset[str]:
        """The beneficiary fields this export can show in full (empty: it shows no one's personal data)."""
        return self.resource_class.revealable_fields()

    def resource(self, *, user=None, reveal: frozenset[str] = frozenset()) -> ExportResource:
        """The resource, masked unless ``reveal`` names fields — and then only those ``user`` may reveal (no user,
        as the management command has, reveals nothing)."""
        return self.resource_class(reveal=frozenset(reveal) & self.reveals_for(user))

    def reveals_for(self, user) -> frozenset[str]:
        """The fields of this export ``user`` may reveal (财务: the bank account, so nothing of 拨付)."""
        if user is None or not self.revealable:
            return frozenset()
        return self.revealable & beneficiary_revealable(user)

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
        ),
        ExportKind(
            "beneficiaries",
            "受助人",
            "受助人登记信息。身份证号、电话、银行账号默认脱敏,不含村(社区)和备注;导出完整信息须说明原因,"
            "只含本人有权查看的项目,并记入操作日志。",
            "projects.view_beneficiary",
            BeneficiaryExportResource,
            "登记日期",
            by_project=False,
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

__all__ = ["EXPORTS", "FORMATS", "ExportFilters", "ExportKind", "ExportResource"]
