"""受助人 export (``projects.view_beneficiary``): masked, except the fields the user may reveal and chose to.

Masked, a row shows what the registry's list shows minus the full name: 张*三, 3701**********123X, 139****0001,
****0001, and no village or notes. A revealing export (a POST with a reason, ``bulk.export_views``) decrypts only
the fields the user's permissions allow (``projects.sensitive.may_reveal``: 财务 the bank account alone; the phone
permission covers the guardian's phone, the address permission the village) and keeps the rest masked; it shows the
names in full and adds the internal notes. The view writes one audit-log entry naming the export, the fields, the
reason and the row count, never a value (``bulk.exports.audit``).
"""

from __future__ import annotations

from django.db.models import QuerySet
from import_export.fields import Field

from projects.models import Beneficiary, BeneficiaryCategory

from .base import ChoiceLabelWidget, ExportFilters, ExportResource, IntegerWidget, LocalDateTimeWidget, filter_instants


class BeneficiaryExportResource(ExportResource):
    title = "受助人"
    reveal_only = frozenset({"notes"})
    sensitive_columns = {
        "id_number": "id_number",
        "phone": "phone",
        "bank_account": "bank_account",
        "guardian_phone": "guardian_phone",
        "village": "village",
    }
    hidden_columns = frozenset({"village"})

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
        return self.sensitive_value("id_number", beneficiary.id_number_masked, beneficiary.id_number_encrypted)

    def dehydrate_phone(self, beneficiary: Beneficiary) -> str:
        return self.sensitive_value("phone", beneficiary.phone_masked, beneficiary.phone_encrypted)

    def dehydrate_bank_account(self, beneficiary: Beneficiary) -> str:
        return self.sensitive_value("bank_account", beneficiary.bank_account_masked, beneficiary.bank_account_encrypted)

    def dehydrate_guardian_name(self, beneficiary: Beneficiary) -> str:
        return self.person_name(beneficiary.guardian_name)

    def dehydrate_guardian_phone(self, beneficiary: Beneficiary) -> str:
        person = beneficiary
        return self.sensitive_value("guardian_phone", person.guardian_phone_masked, person.guardian_phone_encrypted)
