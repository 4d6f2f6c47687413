"""Admin URLs of 批量导入, registered by ``bulk/wagtail_hooks.py`` under /admin/ (behind Wagtail's login)."""

from __future__ import annotations

from django.urls import path, re_path

from . import views
from .uploads import UPLOAD_ID_PATTERN

KIND = r"(?P<kind>[\w-]+)"

urlpatterns = [
    path("import/", views.ImportIndexView.as_view(), name="bulk_import"),
    re_path(rf"^import/{KIND}/$", views.ImportUploadView.as_view(), name="bulk_import_upload"),
    re_path(
        rf"^import/{KIND}/template\.(?P<fmt>{'|'.join(views.TEMPLATE_TYPES)})$",
        views.TemplateDownloadView.as_view(),
        name="bulk_import_template",
    ),
    re_path(
        rf"^import/{KIND}/(?P<token>{UPLOAD_ID_PATTERN})/confirm/$",
        views.ImportConfirmView.as_view(),
        name="bulk_import_confirm",
    ),
]
