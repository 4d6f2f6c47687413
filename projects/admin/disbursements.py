"""The 拨付管理 menu: 拨付 (single disbursements) and 批量发放 (batches), and the dashboard panels 待我处理 and
定向基金余额.

Who may do what is the services' decision (``projects.services``: 项目官员 drafts and submits, 审核人 approves or
returns, 财务 pays and reverses, 审计 reads); these screens only mirror it. Nobody, not even a superuser, deletes
a disbursement or a batch: a mistake is cancelled (作废) before payment or reversed (冲正) after.
"""

from __future__ import annotations

import django_filters
from django.contrib.admin.utils import quote
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.admin_url_finder import ModelAdminURLFinder
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.log_actions import LogFormatter
from wagtail.permissions import register_permission_policy

from projects.admin.common import NoDeletePermissionPolicy, NoDeleteViewSet, ReadableHistoryView
from projects.models import Disbursement, DisbursementBatch

from . import disbursement_views as views
from .dashboard import FundsPanel, MyWorkPanel, my_work_visible_to, panel_visible_to
from .disbursement_actions import (
    BATCH_ACTIONS,
    DISBURSEMENT_ACTIONS,
    REMOVE_ITEM_ACTION,
    BatchRemoveItemView,
    SubjectActionView,
)
from .disbursement_forms import BatchForm, DisbursementForm

register_permission_policy(Disbursement, NoDeletePermissionPolicy(Disbursement))
register_permission_policy(DisbursementBatch, NoDeletePermissionPolicy(DisbursementBatch))


class DateRangeFilterSet(WagtailFilterSet):
    disbursed_on = django_filters.DateFromToRangeFilter(label="计划支付日期", widget=DateRangePickerWidget)
    paid_on = django_filters.DateFromToRangeFilter(label="实际支付日期", widget=DateRangePickerWidget)


class DisbursementFilterSet(DateRangeFilterSet):
    class Meta:
        model = Disbursement
        fields = ["project", "status", "method"]


class BatchFilterSet(DateRangeFilterSet):
    class Meta:
        model = DisbursementBatch
        fields = ["project", "status", "method"]


def _yuan(amount) -> str:
    return f"{amount:,.2f}" if amount is not None else "—"


class SubjectViewSet(NoDeleteViewSet):
    """Shared by both: no delete route or permission, action routes, links to the record rather than the form."""

    actions: dict = {}
    history_view_class = ReadableHistoryView
    copy_view_enabled = False
    inspect_view_enabled = True
    search_backend_name = None

    unrouted = frozenset({"delete", "usage"})

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(usage_url_name=None, **kwargs)

    def get_inspect_view_kwargs(self, **kwargs):
        return super().get_inspect_view_kwargs(action_url_name=self.get_url_name("%s"), **kwargs)

    def action_view(self, action):
        return self.construct_view(SubjectActionView, action=action)

    def get_urlpatterns(self):
        routes = super().get_urlpatterns()
        actions = [path(f"{name}/<int:pk>/", self.action_view(a), name=name) for name, a in self.actions.items()]
        return [*routes, *actions]

    @property
    def url_finder_class(self):
        """Audit-log and usage links open the record (the edit form exists only for drafts)."""
        inspect = self.get_url_name("inspect")

        class InspectURLFinder(ModelAdminURLFinder):
            def get_edit_url(self, instance):
                policy = NoDeletePermissionPolicy(type(instance))
                if self.user and not policy.user_has_permission(self.user, "view"):
                    return None
                return reverse(inspect, args=(quote(instance.pk),))

        return InspectURLFinder


class DisbursementViewSet(SubjectViewSet):
    model = Disbursement
    icon = "doc-full"
    menu_label = "拨付"
    actions = DISBURSEMENT_ACTIONS
    index_view_class = views.DisbursementIndexView
    add_view_class = views.DisbursementCreateView
    edit_view_class = views.DisbursementEditView
    inspect_view_class = views.DisbursementInspectView
    filterset_class = DisbursementFilterSet
    search_fields = ["purpose", "project__code"]
    list_display = [
        "project",
        Column("beneficiary", label="受助人", accessor=lambda d: d.beneficiary.masked_name),
        Column("amount", label="金额(元)", accessor=lambda d: _yuan(d.amount)),
        "purpose",
        Column("status", label="状态", accessor="get_status_display"),
        Column("disbursed_on", label="计划支付日期"),
        Column("paid_on", label="实际支付日期", accessor=lambda d: d.paid_on or "—"),
        Column("created_by", label="经办人", accessor=lambda d: views.person(d.created_by)),
        Column("batch", label="批次", accessor=lambda d: d.batch or "—"),
    ]

    def get_form_class(self, for_update=False):
        return DisbursementForm


class BatchViewSet(SubjectViewSet):
    model = DisbursementBatch
    icon = "list-ul"
    menu_label = "批量发放"
    actions = BATCH_ACTIONS
    index_view_class = views.BatchIndexView
    add_view_class = views.BatchCreateView
    inspect_view_class = views.BatchInspectView
    filterset_class = BatchFilterSet
    search_fields = ["title", "purpose", "project__code"]
    list_display = [
        "title",
        "project",
        Column("item_count", label="人数"),
        Column("item_total", label="合计(元)", accessor=lambda b: _yuan(b.item_total)),
        Column("status", label="状态", accessor="get_status_display"),
        Column("disbursed_on", label="计划支付日期"),
        Column("paid_on", label="实际支付日期", accessor=lambda d: d.paid_on or "—"),
        Column("created_by", label="经办人", accessor=lambda b: views.person(b.created_by)),
    ]

    def __init__(self, name, *, item_inspect_url_name: str, **kwargs):
        self.item_inspect_url_name = item_inspect_url_name
        super().__init__(name, **kwargs)

    def get_form_class(self, for_update=False):
        return BatchForm

    def get_inspect_view_kwargs(self, **kwargs):
        return super().get_inspect_view_kwargs(
            remove_item_url_name=self.get_url_name("remove_item"),
            item_inspect_url_name=self.item_inspect_url_name,
            **kwargs,
        )

    def get_urlpatterns(self):
        routes = [p for p in super().get_urlpatterns() if p.name != "edit"]  # batches are generated, not edited
        remove = self.construct_view(BatchRemoveItemView)
        return [*routes, path("remove-item/<int:pk>/<int:item_pk>/", remove, name="remove_item")]


class DisbursementAdminGroup(ModelViewSetGroup):
    menu_label = "拨付管理"
    menu_icon = "doc-full-inverse"
    menu_order = 220

    def __init__(self):
        disbursements = DisbursementViewSet("disbursements")
        batches = BatchViewSet("disbursement-batches", item_inspect_url_name=disbursements.get_url_name("inspect"))
        self.items = (disbursements, batches)
        super().__init__()


@hooks.register("register_admin_viewset")
def register_disbursement_admin():
    return DisbursementAdminGroup()


@hooks.register("construct_homepage_panels")
def add_work_and_funds_panels(request, panels):
    if my_work_visible_to(request.user):
        panels.append(MyWorkPanel())
    if panel_visible_to(request.user):
        panels.append(FundsPanel())


def _formatter(label: str) -> type[LogFormatter]:
    """The history shows the reason or comment given with the step."""

    class Formatter(LogFormatter):
        def format_message(self, log_entry):
            detail = log_entry.data.get("reason") or log_entry.data.get("comment") or log_entry.data.get("beneficiary")
            return f"{label}:{detail}" if detail else label

    Formatter.label = label
    return Formatter


@hooks.register("register_log_actions")
def register_disbursement_log_actions(actions):
    for kind, table in (("拨付", DISBURSEMENT_ACTIONS), ("批次", BATCH_ACTIONS)):
        for action in table.values():
            actions.register_action(action.log_action)(_formatter(f"{kind}{action.label}"))
    actions.register_action(REMOVE_ITEM_ACTION)(_formatter("移出批次"))
