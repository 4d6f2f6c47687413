"""结项 in the admin: the list of decisions (待审批 first), the 结项 form of a project (the leftover read from the
ledger, the decision, the target among active funds, the public reason and plan clause), and the record page with
审批通过 / 驳回. Who may do what is the services' decision (``projects.services.closure``); these screens mirror it.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.views.defaults import permission_denied
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.log_actions import LogFormatter

from projects.models import ClosureDecision, ClosureStatus, Project, ProjectClosure, Status
from projects.selectors.closure import closure_preview
from projects.services.closure import ClosureError, closure_approve, closure_propose, closure_reject

VIEW = "projects.view_projectclosure"
PROPOSE = "projects.propose_closure"
APPROVE = "projects.approve_closure"


class ClosureView(WagtailAdminTemplateMixin, TemplateView):
    permissions: tuple[str, ...] = (VIEW, PROPOSE, APPROVE)
    header_icon = "folder-inverse"

    def dispatch(self, request, *args, **kwargs):
        if not any(request.user.has_perm(p) for p in self.permissions):
            return permission_denied(request, PermissionDenied("没有此操作的权限。"))
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": reverse("projects_closures"), "label": "结项"}]


class ClosureListView(ClosureView):
    template_name = "projects/admin/closure_list.html"
    page_title = "结项"

    def get_context_data(self, **kwargs):
        closures = ProjectClosure.objects.select_related("project", "target", "proposed_by").order_by(
            "status", "-proposed_at"
        )
        open_projects = Project.objects.exclude(status=Status.CLOSED).order_by("code")
        return super().get_context_data(
            closures=closures[:500],
            open_projects=open_projects if self.request.user.has_perm(PROPOSE) else [],
            **kwargs,
        )


class ClosureForm(forms.Form):
    decision = forms.ChoiceField(
        label="结余处理方式",
        choices=[(ClosureDecision.TRANSFER, "转入其他项目"), (ClosureDecision.RELEASE, "转为非限定性资金")],
        widget=forms.RadioSelect,
    )
    target = forms.ModelChoiceField(
        label="接收结余的项目",
        queryset=Project.objects.none(),
        required=False,
        help_text="只能选择筹款中或执行中的项目。",
    )
    reason = forms.CharField(label="处理理由(公开)", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    basis = forms.CharField(label="所依据的募捐方案条款(公开)", max_length=200, help_text="例如:依据募捐方案第 5 条")

    def __init__(self, *args, project: Project, leftover, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = (
            Project.objects.filter(status__in=[Status.FUNDRAISING, Status.IMPLEMENTING])
            .exclude(pk=project.pk)
            .order_by("code")
        )
        if leftover == 0:  # nothing to decide: the project just closes
            for name in ("decision", "reason", "basis"):
                self.fields[name].required = False
            self.fields["decision"].choices = [(ClosureDecision.NONE, "无结余,直接结项")]
            self.fields["decision"].initial = ClosureDecision.NONE


class ClosureProposeView(ClosureView):
    template_name = "projects/admin/closure_form.html"
    permissions = (PROPOSE,)

    def get_page_title(self):
        return f"结项:{self.project}"

    def dispatch(self, request, *args, **kwargs):
        self.project = get_object_or_404(Project, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def form(self, data=None):
        return ClosureForm(data, project=self.project, leftover=closure_preview(self.project).leftover)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", self.form())
        return super().get_context_data(project=self.project, preview=closure_preview(self.project), **kwargs)

    def post(self, request, pk):
        form = self.form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                closure = closure_propose(
                    project=self.project,
                    user=request.user,
                    decision=data["decision"],
                    target=data["target"] if data["decision"] == ClosureDecision.TRANSFER else None,
                    reason=data["reason"],
                    basis=data["basis"],
                )
            except (ClosureError, PermissionDenied) as error:
                form.add_error(None, str(error))
            else:
                if closure.status == ClosureStatus.POSTED:
                    messages.success(request, f"项目「{self.project.name}」已结项(无结余)。")
                else:
                    messages.success(request, "结项决定已提交,等待另一位审核人审批。")
                return redirect("projects_closure", pk=closure.pk)
        return self.render_to_response(self.get_context_data(form=form))


class ClosureRecordView(ClosureView):
    template_name = "projects/admin/closure_record.html"

    def get_page_title(self):
        return f"结项决定:{self.closure.project}"

    def dispatch(self, request, *args, **kwargs):
        self.closure = get_object_or_404(
            ProjectClosure.objects.select_related("project", "target", "proposed_by", "decided_by", "transaction"),
            pk=kwargs["pk"],
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        closure, user = self.closure, self.request.user
        pending = closure.status == ClosureStatus.PROPOSED
        return super().get_context_data(
            closure=closure,
            preview=closure_preview(closure.project) if pending else None,
            can_decide=pending and user.has_perm(APPROVE) and user.pk != closure.proposed_by_id,
            **kwargs,
        )

    def post(self, request, pk):
        action = request.POST.get("action")
        try:
            if action == "approve":
                closure_approve(closure=self.closure, user=request.user)
                messages.success(request, "已审批:结余已记账,项目已结项。")
            elif action == "reject":
                closure_reject(closure=self.closure, user=request.user, reason=request.POST.get("reason", ""))
                messages.success(request, "已驳回,项目保持未结项。")
            else:
                messages.error(request, "未知的操作。")
        except (ClosureError, PermissionDenied) as error:
            messages.error(request, str(error))
        return redirect("projects_closure", pk=pk)


@hooks.register("register_admin_urls")
def register_closure_urls():
    return [
        path("projects/closures/", ClosureListView.as_view(), name="projects_closures"),
        path("projects/closures/<int:pk>/", ClosureRecordView.as_view(), name="projects_closure"),
        path("projects/<int:pk>/close/", ClosureProposeView.as_view(), name="projects_closure_propose"),
    ]


class ClosureMenuItem(MenuItem):
    def is_shown(self, request):
        return any(request.user.has_perm(p) for p in (VIEW, PROPOSE, APPROVE))


@hooks.register("register_admin_menu_item")
def register_closure_menu_item():
    return ClosureMenuItem("结项", reverse("projects_closures"), icon_name="folder-inverse", order=210)


class PendingClosuresPanel(Component):
    """待审批结项 on the dashboard of who may approve: decisions proposed by someone else, oldest first."""

    name = "pending_closures"
    template_name = "projects/admin/closure_panel.html"
    order = 85

    def __init__(self, closures):
        self.closures = closures

    def get_context_data(self, parent_context):
        return {"closures": self.closures}


@hooks.register("construct_homepage_panels")
def add_pending_closures_panel(request, panels):
    if not request.user.has_perm(APPROVE):
        return
    pending = list(
        ProjectClosure.objects.filter(status=ClosureStatus.PROPOSED)
        .exclude(proposed_by=request.user)
        .select_related("project", "target")
        .order_by("proposed_at")[:20]
    )
    if pending:
        panels.append(PendingClosuresPanel(pending))


LOG_LABELS = {
    "projects.closure.propose": "提议结项",
    "projects.closure.approve": "审批结项(结余已记账)",
    "projects.closure.reject": "驳回结项",
    "projects.closure.close": "结项(无结余)",
}


@hooks.register("register_log_actions")
def register_closure_log_actions(actions):
    for action, label in LOG_LABELS.items():

        class Formatter(LogFormatter):
            def format_message(self, log_entry, label=label):
                detail = log_entry.data.get("reason") or log_entry.data.get("basis")
                return f"{label}:{detail}" if detail else label

        Formatter.label = label
        actions.register_action(action)(Formatter)
