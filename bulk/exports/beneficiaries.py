"""受助人 export (``projects.view_beneficiary``): masked unless the user has ``projects.reveal_beneficiary``.

Masked, a row shows what the registry's list shows minus the full name: 张*三, 3701**********123X, 139****0001,
****0001. Revealed, the name, ID number, phone, bank account, guardian and the guardian's phone are decrypted
(``projects.sensitive.decrypt``) and the village and internal notes are added; the view then writes one audit-log
entry naming the export and the row count, never a value (``bulk.exports.audit``).
"""

from __future__ import annotations

from django.db.models import QuerySet
from import_export.fields import Field

from projects.models import Beneficiary, BeneficiaryCategory

from .base import ChoiceLabelWidget, ExportFilters, ExportResource, IntegerWidget, LocalDateTimeWidget, filter_instants


class BeneficiaryExportResource(ExportResource):
    title = "受助人"
    reveal_only = frozenset({"village", "notes"})

    number = Field(attribute="pk", column_name="编号", widget=IntegerWidget())
    name = Field(column_name="姓名")
    id_number = Field(column_name="身份证号")
    category = Field(
        attribute="category", column_name="救助类别", widget=ChoiceLabelWidget(BeneficiaryCategory.choices)
    )
    district = Field(attribute="district", column_name="区县")
    town = Field(attribute="town", column_name="镇街")
    village = Field(attribute="village", column_name="村(社区)")
    phone = Field(column_name="联系电话")
    bank_name = Field(attribute="bank_name", column_name="开户行")
    bank_account = Field(column_name="银行账号")
    guardian_name = Field(column_name="监护人姓名")
    guardian_relation = Field(attribute="guardian_relation", column_name="与受助人关系")
    guardian_phone = Field(column_name="监护人电话")
    notes = Field(attribute="notes", column_name="备注")
    created_at = Field(attribute="created_at", column_name="登记时间", widget=LocalDateTimeWidget())

    def get_export_queryset(self, filters: ExportFilters) -> QuerySet:
        """Registered in the date range, in registration order."""
        return filter_instants(Beneficiary.objects.order_by("pk"), "created_at", filters)

    def dehydrate_name(self, beneficiary: Beneficiary) -> str:
        return self.person_name(beneficiary.name)

    def dehydrate_id_number(self, beneficiary: Beneficiary) -> str:
        return self.sensitive_value(beneficiary.id_number_masked, beneficiary.id_number_encrypted)

    def dehydrate_phone(self, beneficiary: Beneficiary) -> str:
        return self.sensitive_value(beneficiary.phone_masked, beneficiary.phone_encrypted)

    def dehydrate_bank_account(self, beneficiary: Beneficiary) -> str:
        return self.sensitive_value(beneficiary.bank_account_masked, beneficiary.bank_account_encrypted)

    def dehydrate_guardian_name(self, beneficiary: Beneficiary) -> str:
        return self.person_name(beneficiary.guardian_name)

    def dehydrate_guardian_phone(self, beneficiary: Beneficiary) -> str:
        return self.sensitive_value(beneficiary.guardian_phone_masked, beneficiary.guardian_phone_encrypted)
