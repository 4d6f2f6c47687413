"""Admin screens for projects (慈善项目): a Wagtail ModelViewSet with Chinese labels, search and filters."""

from django.urls import reverse
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.model import ModelViewSet

from projects.admin.common import ReadableInspectView
from projects.formatting import yuan

from .models import Project


class ProjectIndexView(IndexView):
    def get_list_more_buttons(self, instance):
        """结项 (with the leftover decision) for an open project, for those who may propose it."""
        buttons = super().get_list_more_buttons(instance)
        if instance.is_active and self.request.user.has_perm("projects.propose_closure"):
            url = reverse("projects_closure_propose", args=[instance.pk])
            buttons.append(MenuItem("结项", url=url, icon_name="folder-inverse", priority=25))
        return buttons


class ProjectViewSet(ModelViewSet):
    model = Project
    icon = "folder-open-inverse"
    menu_label = "慈善项目"
    menu_order = 200
    add_to_admin_menu = True
    form_fields = [
        "code",
        "name",
        "category",
        "status",
        "is_restricted",
        "target_amount",
        "currency",
        "start_date",
        "end_date",
        "filing_number",
        "donation_presets",
        "eligibility",
        "funding_standard",
    ]
    list_display = [
        "code",
        "name",
        "category",
        "status",
        BooleanColumn("is_restricted", label="定向(限定性)"),
        Column("target_amount", label="筹款目标(元)", accessor=lambda project: yuan(project.target_amount)),
        "start_date",
    ]
    list_filter = ["category", "status", "is_restricted"]
    search_fields = ["code", "name", "filing_number"]
    search_backend_name = None
    index_view_class = ProjectIndexView
    inspect_view_enabled = True
    inspect_view_class = ReadableInspectView  # 是/否, local times and ¥ amounts
    copy_view_enabled = False


project_viewset = ProjectViewSet("projects")
