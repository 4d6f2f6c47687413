"""Admin screens for projects (慈善项目): a Wagtail ModelViewSet with Chinese labels, search and filters."""

from wagtail.admin.viewsets.model import ModelViewSet

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
    list_display = ["code", "name", "category", "status", "is_restricted", "target_amount", "start_date"]
    list_filter = ["category", "status", "is_restricted"]
    search_fields = ["code", "name", "filing_number"]
    search_backend_name = None
    inspect_view_enabled = True
    copy_view_enabled = False


project_viewset = ProjectViewSet("projects")
