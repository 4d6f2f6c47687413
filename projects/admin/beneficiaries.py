"""The 受助人管理 menu: 受助人 (the private registry), 救助对象登记 (enrolments) and 监察名单 (watch list, read only).

Staff see masked numbers (and no village) everywhere; a full value is shown one field at a time to users with that
field's reveal permission (``projects.sensitive.REVEAL_SCOPES``), and each reveal is in the record's history.
Nothing here deletes: the permission policies refuse ``delete`` to everyone, superusers included, and no delete
view is routed.
"""

from __future__ import annotations

import django_filters
from django.contrib.auth import get_permission_codename
from django.urls import path
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.log_actions import LogFormatter
from wagtail.permissions import register_permission_policy

from projects.admin import beneficiary_views as views
from projects.admin import enrolment_views
from projects.admin.beneficiary_forms import BeneficiaryForm, EnrolmentForm
from projects.admin.common import (
    NoDeletePermissionPolicy,
    NoDeleteViewSet,
    ReadableHistoryView,
    ReadOnlyPermissionPolicy,
    ReadOnlyViewSet,
)
from projects.models import Beneficiary, Enrolment, WatchListEntry
from projects.services import REVEAL_ACTION, REVEALABLE

# At import, before any view asks: Wagtail refuses a custom policy once it has made a default one for the model.
register_permission_policy(Beneficiary, NoDeletePermissionPolicy(Beneficiary))
register_permission_policy(Enrolment, NoDeletePermissionPolicy(Enrolment))
register_permission_policy(WatchListEntry, ReadOnlyPermissionPolicy(WatchListEntry))


class RegistryViewSet(NoDeleteViewSet):
    copy_view_enabled = False
    inspect_view_enabled = True
    history_view_class = ReadableHistoryView


class BeneficiaryFilterSet(WagtailFilterSet):
    district = django_filters.AllValuesFilter(label="区县")

    class Meta:
        model = Beneficiary
        fields = ["category", "district"]


class BeneficiaryViewSet(RegistryViewSet):
    model = Beneficiary
    icon = "group"
    menu_label = "受助人"
    index_view_class = views.BeneficiaryIndexView
    add_view_class = views.BeneficiaryCreateView
    edit_view_class = views.BeneficiaryEditView
    inspect_view_class = views.BeneficiaryInspectView
    list_display = [
        "name",
        "id_number_masked",
        "category",
        "district",
        "town",
        "phone_masked",
        "bank_account_masked",
        "created_at",
    ]
    filterset_class = BeneficiaryFilterSet
    search_fields = ["name"]  # see beneficiaries_matching: full numbers are matched by keyed hash
    search_backend_name = None
    inspect_view_fields = [
        "name",
        "category",
        "age",
        "id_number_masked",
        "district",
        "town",
        "village",
        "phone_masked",
        "bank_name",
        "bank_account_masked",
        "guardian_name",
        "guardian_relation",
        "guardian_phone_masked",
        "notes",
        "created_by",
        "created_at",
        "updated_at",
    ]

    def get_form_class(self, for_update=False):
        return BeneficiaryForm

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(
            reveal_url_name=self.get_url_name("reveal"),
            consent_url_name=self.get_url_name("consent"),
            consent_withdraw_url_name=self.get_url_name("consent_withdraw"),
            enrolment_add_url_name=enrolment_viewset.get_url_name("add"),
            enrolment_inspect_url_name=enrolment_viewset.get_url_name("inspect"),
            **kwargs,
        )

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("reveal/<str:pk>/<str:field>/", self.construct_view(views.BeneficiaryRevealView), name="reveal"),
            path("consent/<int:pk>/", self.construct_view(views.ConsentRecordView), name="consent"),
            path(
                "consent/withdraw/<int:pk>/",
                self.construct_view(views.ConsentWithdrawView),
                name="consent_withdraw",
            ),
        ]


class EnrolmentViewSet(RegistryViewSet):
    model = Enrolment
    icon = "clipboard-list"
    menu_label = "救助对象登记"
    unrouted = NoDeleteViewSet.unrouted | {"edit"}  # ended through 结束登记, never edited
    index_view_class = enrolment_views.EnrolmentIndexView
    add_view_class = enrolment_views.EnrolmentCreateView
    inspect_view_class = enrolment_views.EnrolmentInspectView
    list_display = [
        "project",  # a plain name, so it becomes the title column (link to the record, row buttons)
        Column("beneficiary", label="受助人", accessor=enrolment_views.masked_beneficiary),
        "standard_amount",
        "standard_unit",
        "yearly_cap",
        "start_date",
        "end_date",
    ]
    filterset_class = enrolment_views.EnrolmentFilterSet
    inspect_view_fields = [
        "project",
        "beneficiary",
        "standard_amount",
        "standard_unit",
        "yearly_cap",
        "start_date",
        "end_date",
        "notes",
        "created_by",
        "created_at",
    ]

    def get_form_class(self, for_update=False):
        return EnrolmentForm

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(edit_url_name=None, end_url_name=self.get_url_name("end"), **kwargs)

    def get_urlpatterns(self):
        end = self.construct_view(enrolment_views.EnrolmentEndView)
        return [*super().get_urlpatterns(), path("end/<int:pk>/", end, name="end")]


class WatchListViewSet(ReadOnlyViewSet):
    """监察名单, listed only: rows come from the import command and hold hashes, never ID numbers."""

    model = WatchListEntry
    icon = "warning"
    menu_label = "监察名单"
    inspect_view_enabled = False
    read_only_views = frozenset({"index", "index_results"})
    list_display = [
        "label",
        Column("hash_prefix", label="身份证号哈希(前 8 位)", accessor=lambda entry: f"{entry.id_number_hash[:8]}…"),
        "imported_at",
    ]
    list_filter = ["label"]
    search_fields = ["label"]
    search_backend_name = None

    def get_permissions_to_register(self):
        view = get_permission_codename("view", self.model_opts)
        return super().get_permissions_to_register().filter(codename=view)


enrolment_viewset = EnrolmentViewSet("enrolments")


class BeneficiaryAdminGroup(ModelViewSetGroup):
    menu_label = "受助人管理"
    menu_icon = "group"
    menu_order = 215  # after 捐赠管理 (210), before 拨付管理 (220)
    items = (BeneficiaryViewSet("beneficiaries"), enrolment_viewset, WatchListViewSet("watch-list"))


@hooks.register("register_admin_viewset")
def register_beneficiary_admin():
    return BeneficiaryAdminGroup()


@hooks.register("register_log_actions")
def register_beneficiary_log_actions(actions):
    actions.register_action(views.CONSENT_RECORD_ACTION, "登记公示授权", "登记了公示授权")
    actions.register_action(views.CONSENT_WITHDRAW_ACTION, "撤回公示授权", "撤回了公示授权")
    actions.register_action(enrolment_views.ENROLMENT_END_ACTION, "结束登记", "结束了救助对象登记")

    @actions.register_action(REVEAL_ACTION)
    class RevealFormatter(LogFormatter):
        label = "查看完整信息"

        def format_message(self, log_entry):
            field = log_entry.data.get("field", "")
            return f"查看完整信息:{log_entry.data.get('label') or REVEALABLE.get(field, field)}"
