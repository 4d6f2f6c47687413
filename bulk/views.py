"""批量导入 in the Wagtail admin: upload → dry-run preview → confirm → import, for every kind in ``IMPORTERS``.

- /admin/import/ lists the kinds this user may import (``Importer.permission``) with their templates.
- /admin/import/<kind>/ takes a file: refused by size and extension before it is read, saved as a pending upload
  (``bulk.uploads``), then previewed with ``import_run(dry_run=True)``: counts, every error, each row's action.
- /admin/import/<kind>/<token>/confirm/ (POST) imports the very file previewed (same session, same user, same
  sha256) with ``import_run(dry_run=False)``: all rows or none. The file is deleted afterwards either way.
- /admin/import/<kind>/template.xlsx|csv downloads the blank template.

Every endpoint of a kind answers 403 to a user without its permission (a plain 403: Wagtail's admin wrapper turns
a raised ``PermissionDenied`` into a redirect home). An import that writes leaves an audit-log entry.
"""

from __future__ import annotations

import logging

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.views.defaults import permission_denied
from django.views.generic import FormView, TemplateView, View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.log_actions import get_active_log_context
from wagtail.models import ModelLogEntry

from .engine import Action, Importer, ImportResult, import_run
from .files import FileRefused, table_read
from .forms import ImportUploadForm
from .importers import IMPORTERS, importer_for
from .template_files import EXAMPLE_NOTE, example_lines, template_csv, template_xlsx
from .uploads import (
    PendingUpload,
    file_sha256,
    upload_claim,
    upload_finish,
    upload_forget,
    upload_get,
    upload_store,
)

logger = logging.getLogger("bulk.imports")

IMPORT_ACTION = "bulk.import"
IMPORT_LABEL = "批量导入"
MAX_ERRORS_SHOWN = 500
MAX_ROWS_SHOWN = 200
TEMPLATE_TYPES = {
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", template_xlsx),
    "csv": ("text/csv; charset=utf-8", template_csv),
}
NOTHING_IMPORTED = "本次没有导入任何数据。"


def allowed_importers(user) -> list[type[Importer]]:
    return [cls for cls in IMPORTERS.values() if user.has_perm(cls.permission)]


def refuse(request, message: str):
    return permission_denied(request, PermissionDenied(message))


def template_links(kind: str) -> list[tuple[str, str]]:
    return [(fmt.upper(), reverse("bulk_import_template", args=(kind, fmt))) for fmt in TEMPLATE_TYPES]


class ImportIndexView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "bulk/import_index.html"
    page_title = IMPORT_LABEL
    header_icon = "upload"

    def dispatch(self, request, *args, **kwargs):
        if not allowed_importers(request.user):
            return refuse(request, "没有批量导入的权限。")
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        importers = [
            {
                "kind": cls.kind,
                "title": cls.title,
                "description": cls.description,
                "upload_url": reverse("bulk_import_upload", args=(cls.kind,)),
                "templates": template_links(cls.kind),
            }
            for cls in allowed_importers(self.request.user)
        ]
        return super().get_context_data(importers=importers, **kwargs)


class ImporterMixin(WagtailAdminTemplateMixin):
    """The importer named by ``<kind>``; 404 for an unknown kind, 403 without its permission."""

    header_icon = "upload"
    importer_cls: type[Importer]

    def dispatch(self, request, *args, kind: str, **kwargs):
        try:
            self.importer_cls = importer_for(kind)
        except LookupError:
            raise Http404(f"没有「{kind}」这种导入。") from None
        if not request.user.has_perm(self.importer_cls.permission):
            return refuse(request, f"没有导入{self.importer_cls.title}的权限。")
        return super().dispatch(request, *args, **kwargs)

    @property
    def kind(self) -> str:
        return self.importer_cls.kind

    def get_page_title(self):
        return f"导入{self.importer_cls.title}"

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("bulk_import"), "label": IMPORT_LABEL},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            importer=self.importer_cls,
            templates=template_links(self.kind),
            upload_url=reverse("bulk_import_upload", args=(self.kind,)),
            example_note=EXAMPLE_NOTE,
            **kwargs,
        )

    def render_page(self, template: str, *, status: int = 200, **context) -> TemplateResponse:
        return TemplateResponse(self.request, template, self.get_context_data(**context), status=status)


class TemplateDownloadView(ImporterMixin, View):
    def get(self, request, *args, fmt: str, **kwargs):
        content_type, build = TEMPLATE_TYPES[fmt]
        response = HttpResponse(build(self.importer_cls), content_type=content_type)
        filename = f"{self.importer_cls.title}导入模板.{fmt}"
        response["Content-Disposition"] = content_disposition_header(True, filename)
        patch_cache_control(response, private=True)
        return response


class ImportUploadView(ImporterMixin, FormView):
    """GET: the form. POST: save the file, preview it; a preview that cannot be confirmed keeps nothing."""

    template_name = "bulk/import_upload.html"
    form_class = ImportUploadForm

    def form_valid(self, form):
        pending = upload_store(self.request, form.cleaned_data["file"], kind=self.kind)
        result = file_import(self.importer_cls(user=self.request.user), pending, dry_run=True)
        confirmable = not result.has_errors and result.changes > 0
        if not confirmable:
            upload_forget(self.request, pending)
        return self.render_page(
            "bulk/import_preview.html",
            form=ImportUploadForm(),
            confirm_url=reverse("bulk_import_confirm", args=(self.kind, pending.token)) if confirmable else "",
            **report(result),
        )


class ImportConfirmView(ImporterMixin, TemplateView):
    """POST only: import the previewed file for real, once."""

    http_method_names = ["post"]

    def post(self, request, *args, token: str, **kwargs):
        pending = upload_get(request, token)
        if pending is None or pending.kind != self.kind:
            return self.gone(404, "找不到这次上传:它不是在您当前的登录会话中上传的,或已超过 24 小时。请重新上传文件。")
        if pending.user_id != request.user.pk:
            return refuse(request, "只能确认您自己上传的文件。")
        if pending.done:
            return self.gone(409, f"这个文件已经确认过({pending.done}),没有再次导入。")
        path = upload_claim(pending)
        if path is None:
            return self.gone(
                409,
                "这个文件正在导入或已失效,没有再次导入。如不确定是否已导入,请重新上传同一文件预览:"
                "已导入的记录会显示为「跳过」。",
            )
        result = None
        try:
            if file_sha256(path) != pending.sha256:
                result = _refused(self.importer_cls, pending, "服务器上保存的文件与预览时不一致,已作废。请重新上传。")
            else:
                result = file_import(self.importer_cls(user=request.user), pending, path=path, dry_run=False)
        finally:
            upload_finish(request, pending, outcome=_outcome(result))
        import_log(request.user, self.importer_cls, pending, result)
        return self.render_page("bulk/import_result.html", **report(result))

    def gone(self, status: int, message: str) -> TemplateResponse:
        return self.render_page("bulk/import_gone.html", status=status, message=message)


def file_import(importer: Importer, pending: PendingUpload, *, path=None, dry_run: bool) -> ImportResult:
    """Read the stored file and run the import; a file that cannot be read becomes a file-level error."""
    try:
        table = table_read(path or pending.path, name=pending.name)
    except FileRefused as refusal:
        return _refused(type(importer), pending, str(refusal))
    result = import_run(importer, table, dry_run=dry_run)
    if dry_run:  # the confirm reads the same bytes (sha256), so a clean preview means no example row
        examples = set(example_lines(importer, result))
        for row in result.rows:
            if row.line in examples:
                row.fail("", "与模板的示例行完全相同:请改成实际数据,或删除这一行。")
    return result


def _refused(importer_cls: type[Importer], pending: PendingUpload, message: str) -> ImportResult:
    return ImportResult(
        kind=importer_cls.kind, title=importer_cls.title, file_name=pending.name, dry_run=True, file_errors=[message]
    )


def _outcome(result: ImportResult | None) -> str:
    if result is None:
        return "导入中途出错,已全部撤销"
    return f"已导入:{result.summary()}" if result.imported else "发现错误,没有导入任何数据"


def report(result: ImportResult) -> dict:
    """What the preview and result pages show: counts, errors (at most ``MAX_ERRORS_SHOWN``), rows (at most
    ``MAX_ROWS_SHOWN``), each capped with the number left out."""
    counts = result.counts
    row_errors: list[str] = []
    error_total = 0
    for row in result.rows:
        error_total += len(row.errors)
        if row.errors and len(row_errors) < MAX_ERRORS_SHOWN:
            row_errors.extend(row.messages()[: MAX_ERRORS_SHOWN - len(row_errors)])
    rows = [
        {
            "line": row.line,
            "action": row.action.value,
            "label": row.action.label,
            "note": "; ".join(f"「{c}」{m}" if c else m for c, m in row.errors) if row.errors else row.note,
        }
        for row in result.rows[:MAX_ROWS_SHOWN]
    ]
    return {
        "result": result,
        "counts": [(action.value, action.label, counts[action.value]) for action in Action],
        "row_total": len(result.rows),
        "file_errors": result.file_errors,
        "row_errors": row_errors,
        "more_errors": error_total - len(row_errors),
        "rows": rows,
        "more_rows": max(len(result.rows) - MAX_ROWS_SHOWN, 0),
    }


def import_log(user, importer_cls: type[Importer], pending: PendingUpload, result: ImportResult) -> None:
    """Who imported which file with what outcome: always to the ``bulk.imports`` logger, and, when rows were
    written, to Wagtail's audit log under the content type of the importer's permission (so whoever may read
    those records, 审计 included, finds it in 操作日志)."""
    counts = result.counts
    logger.info(
        "import kind=%s user=%s file=%r sha256=%s imported=%s counts=%s errors=%d",
        importer_cls.kind,
        user.pk,
        pending.name,
        pending.sha256,
        result.imported,
        counts,
        len(result.file_errors) + counts["error"],
    )
    if not result.imported:
        return
    app_label, codename = importer_cls.permission.split(".")
    permission = Permission.objects.select_related("content_type").get(
        content_type__app_label=app_label, codename=codename
    )
    ModelLogEntry.objects.create(
        content_type=permission.content_type,
        object_id="0",  # a whole file, not one record
        label=f"{importer_cls.title}导入:{pending.name}",
        action=IMPORT_ACTION,
        timestamp=timezone.now(),
        user=user,
        uuid=get_active_log_context().uuid,
        data={"kind": importer_cls.kind, "file": pending.name, "sha256": pending.sha256, "counts": counts},
    )


def format_import_log(log_entry) -> str:
    data = log_entry.data
    counts = data.get("counts", {})
    return (
        f"{IMPORT_LABEL}「{data.get('file', '')}」:新增 {counts.get('new', 0)} 行,更新 {counts.get('update', 0)} 行,"
        f"跳过 {counts.get('skip', 0)} 行"
    )
