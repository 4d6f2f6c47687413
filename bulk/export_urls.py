"""Wiring for the exports, registered by ``bulk/wagtail_hooks.py``:

    from bulk import export_urls  # importing it also registers the exports' audit-log action
    hooks.register("register_admin_urls", lambda: export_urls.urlpatterns)
    hooks.register("register_admin_menu_item", export_urls.export_menu_item)

Wagtail mounts admin URLs under /admin/ behind its login (``require_admin_access``).
"""

from __future__ import annotations

from django.urls import path, re_path, reverse
from wagtail.admin.menu import MenuItem

from bulk import export_views
from bulk.exports import EXPORTS, FORMATS

__all__ = ["export_menu_item", "urlpatterns"]

KINDS = "|".join(EXPORTS)
EXTENSIONS = "|".join(FORMATS)

urlpatterns = [
    path("exports/", export_views.ExportIndexView.as_view(), name="bulk_exports"),
    re_path(
        rf"^exports/(?P<kind>{KINDS})\.(?P<fmt>{EXTENSIONS})$",
        export_views.export_download,
        name="bulk_export_download",
    ),
]


class ExportMenuItem(MenuItem):
    def is_shown(self, request):
        return bool(export_views.allowed_exports(request.user))


def export_menu_item() -> MenuItem:
    """导出数据, shown to users who may download at least one export."""
    return ExportMenuItem("导出数据", reverse("bulk_exports"), icon_name="download", order=930)
