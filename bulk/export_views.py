"""导出数据 in the Wagtail admin: /admin/exports/ lists the exports this user may download, each with a date range
(and a project where it applies); /admin/exports/<kind>.<csv|xlsx> downloads one.

Two ways to download, on purpose:

- **GET: always masked.** A link, an image or a redirect on another site can make a logged-in browser send a GET,
  so a GET never decrypts anything and leaves no audit entry, whoever asks.
- **POST: 导出完整信息.** With the CSRF token, the fields to reveal (only those the user's per-field permissions
  allow: ``ExportKind.reveals_for``) and a stated reason (导出原因). The audit entry names the fields and the reason.

The views stay thin: check the permission, parse the form, hand the resource's queryset to a writer, log a reveal.
Who may download what is ``bulk.exports.EXPORTS``; a user without the permission gets a plain 403 (a raised
``PermissionDenied`` would be turned into a redirect home by Wagtail's admin wrapper).
"""

from __future__ import annotations

from django import forms
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from bulk.exports import EXPORTS, FORMATS, ExportFilters, ExportKind
from bulk.exports.audit import export_reveal_log
from bulk.exports.base import local_zone
from bulk.exports.writers import csv_stream, xlsx_tempfile
from bulk.views import refuse
from projects.models import Project
from projects.services import REVEALABLE

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class ExportFilterForm(forms.Form):
    date_from = forms.DateField(label="开始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="结束日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    project = forms.ModelChoiceField(
        Project.objects.order_by("code"),
        to_field_name="code",
        required=False,
        label="项目",
        empty_label="全部项目",
        error_messages={"invalid_choice": "没有这个项目代码,请从列表中选择。"},
    )

    def __init__(self, *args, kind: ExportKind, **kwargs):
        super().__init__(*args, auto_id=f"id_{kind.key}_%s", **kwargs)
        self.kind = kind
        self.fields["date_from"].label = f"{kind.date_label}从"
        self.fields["date_to"].label = "至"
        if not kind.by_project:
            del self.fields["project"]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("开始日期不能晚于结束日期。")
        return data

    def filters(self) -> ExportFilters:
        project = self.cleaned_data.get("project")
        return ExportFilters(
            date_from=self.cleaned_data.get("date_from"),
            date_to=self.cleaned_data.get("date_to"),
            project_code=project.code if project else "",
        )


class ExportRevealForm(ExportFilterForm):
    """导出完整信息: the filters, which fields to show in full (only those the user may reveal) and why."""

    fields_to_reveal = forms.MultipleChoiceField(
        label="完整显示",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "请至少选择一项要完整显示的信息。",
            "invalid_choice": "您没有完整导出 %(value)s 的权限。",
        },
    )
    reason = forms.CharField(
        label="导出原因",
        min_length=4,
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="必填,记入操作日志。例如:2026年秋季学期助学金银行代发。",
        error_messages={
            "required": "请填写导出原因。",
            "min_length": "导出原因至少 %(limit_value)d 个字。",
            "max_length": "导出原因最多 %(limit_value)d 个字。",
        },
    )

    def __init__(self, *args, kind: ExportKind, user, **kwargs):
        super().__init__(*args, kind=kind, **kwargs)
        self.auto_id = f"id_{kind.key}_reveal_%s"
        allowed = kind.reveals_for(user)
        choices = [(field, label) for field, label in REVEALABLE.items() if field in allowed]
        self.fields["fields_to_reveal"].choices = choices
        self.fields["fields_to_reveal"].initial = [field for field, _ in choices]

    def revealed(self) -> frozenset[str]:
        return frozenset(self.cleaned_data["fields_to_reveal"])


def allowed_exports(user) -> list[ExportKind]:
    return [kind for kind in EXPORTS.values() if kind.allowed(user)]


class ExportIndexView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "bulk/exports/index.html"
    page_title = "导出数据"
    header_icon = "download"
    invalid_form = None  # a submitted form with errors, shown in place of its kind's empty form

    def post(self, request, *args, **kwargs):
        """Only to show a refused 导出完整信息 form again (``export_download``); nothing is exported here."""
        return self.get(request, *args, **kwargs)

    def dispatch(self, request, *args, **kwargs):
        if not allowed_exports(request.user):
            return refuse(request, "没有导出数据的权限。")
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        user = self.request.user
        exports = [
            {
                "kind": kind,
                "form": self._form_for(kind, ExportFilterForm),
                "reveal_form": self._form_for(kind, ExportRevealForm, user=user) if kind.reveals_for(user) else None,
                "urls": [(fmt.upper(), reverse("bulk_export_download", args=(kind.key, fmt))) for fmt in FORMATS],
            }
            for kind in allowed_exports(user)
        ]
        return super().get_context_data(exports=exports, **kwargs)

    def _form_for(self, kind: ExportKind, form_class, **kwargs) -> ExportFilterForm:
        invalid = self.invalid_form
        if invalid is not None and invalid.kind.key == kind.key and type(invalid) is form_class:
            return invalid
        return form_class(kind=kind, **kwargs)


@require_http_methods(["GET", "HEAD", "POST"])
def export_download(request, kind: str, fmt: str):
    """Download one export: masked by GET, with the chosen fields in full by POST (see the module docstring). Bad
    filters, no field chosen or no reason show the export page again with the errors (400); nothing is written."""
    export = EXPORTS.get(kind)
    if export is None or fmt not in FORMATS:
        raise Http404
    if not export.allowed(request.user):
        return refuse(request, f"没有导出{export.label}的权限。")
    if request.method == "POST":
        if not export.reveals_for(request.user):
            return refuse(request, f"没有导出{export.label}完整信息的权限。")
        form = ExportRevealForm(request.POST, kind=export, user=request.user)
    else:
        form = ExportFilterForm(request.GET, kind=export)
    if not form.is_valid():
        response = ExportIndexView.as_view(invalid_form=form)(request)
        response.status_code = 400
        return response
    reveal = form.revealed() if isinstance(form, ExportRevealForm) else frozenset()
    resource = export.resource(user=request.user, reveal=reveal)
    queryset = resource.get_export_queryset(form.filters())
    filename = f"{export.label}-{timezone.localdate(timezone=local_zone()):%Y%m%d}.{fmt}"
    if fmt == "csv":
        response = _csv_response(request, export, resource, queryset, form, filename)
    else:
        response = _xlsx_response(request, export, resource, queryset, form, filename)
    patch_cache_control(response, private=True, no_store=True)
    return response


def _csv_response(request, export, resource, queryset, form, filename):
    if resource.reveal:  # logged before the first byte leaves, with the rows the export holds now
        _log_reveal(request, export, "csv", queryset.count(), form)
    response = StreamingHttpResponse(csv_stream(resource, queryset), content_type=CONTENT_TYPES["csv"])
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _xlsx_response(request, export, resource, queryset, form, filename):
    spool, rows = xlsx_tempfile(resource, queryset)
    if resource.reveal:
        _log_reveal(request, export, "xlsx", rows, form)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=CONTENT_TYPES["xlsx"])


def _log_reveal(request, export: ExportKind, fmt: str, rows: int, form: ExportRevealForm) -> None:
    export_reveal_log(
        user=request.user,
        kind=export.key,
        label=export.label,
        fmt=fmt,
        rows=rows,
        filters=form.filters(),
        fields=form.revealed(),
        reason=form.cleaned_data["reason"],
    )
