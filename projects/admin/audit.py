"""民生监察 in the Wagtail admin: /admin/audit-checks/, the findings of ``projects.audit.audit_run`` grouped by
check, with a year selector. Only for ``projects.view_audit_checks`` (审核人, 审计): others get 403 and no menu
item. A read-only page: it changes nothing and reveals nothing beyond masked values."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import path, reverse
from django.views.defaults import permission_denied
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from projects.audit import CHECKS, audit_run, audit_years

PERMISSION = "projects.view_audit_checks"


def parse_year(value: str | None, years: list[int]) -> int | None:
    """The selected year, or None (all years) for anything that is not one of the offered years."""
    return int(value) if value and value.isdigit() and int(value) in years else None


class AuditChecksView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "projects/admin/audit_checks.html"
    page_title = "民生监察"
    header_icon = "warning"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(PERMISSION):
            # A plain 403 rather than raising: Wagtail turns a raised PermissionDenied into a redirect home.
            return permission_denied(request, PermissionDenied("没有查看民生监察报告的权限。"))
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        years = audit_years()
        year = parse_year(self.request.GET.get("year"), years)
        findings = audit_run(year=year)
        groups = [
            {"check": check, "findings": [f for f in findings if f.check == code]} for code, check in CHECKS.items()
        ]
        return super().get_context_data(years=years, year=year, groups=groups, total=len(findings), **kwargs)


class AuditMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(PERMISSION)


@hooks.register("register_admin_urls")
def register_audit_urls():
    return [path("audit-checks/", AuditChecksView.as_view(), name="projects_audit_checks")]


@hooks.register("register_admin_menu_item")
def register_audit_menu_item():
    return AuditMenuItem("民生监察", reverse("projects_audit_checks"), icon_name="warning", order=900)
