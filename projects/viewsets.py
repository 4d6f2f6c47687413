"""Admin screens for projects (慈善项目): a Wagtail ModelViewSet with Chinese labels, search and filters."""

from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.viewsets.model import ModelViewSet

from projects.admin.common import ReadableInspectView
from projects.formatting import yuan

from .models import Project


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
    inspect_view_enabled = True
    inspect_view_class = ReadableInspectView  # 是/否, local times and ¥ amounts
    copy_view_enabled = False


project_viewset = ProjectViewSet("projects")
