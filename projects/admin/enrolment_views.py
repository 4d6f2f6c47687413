"""Admin views for enrolments (救助对象登记): a beneficiary in a project with its funding standard.

Created through ``enrolment_create`` (closed project, bad standard and overlapping dates are refused there) and
ended through ``enrolment_end``; never edited or deleted, because disbursements and yearly caps are counted against
the standard that was in force.
"""

from __future__ import annotations

import django_filters
from django.contrib.admin.utils import quote
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.views.generic import CreateView, IndexView, InspectView
from wagtail.admin.views.generic.base import BaseObjectMixin, WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets import BooleanRadioSelect
from wagtail.admin.widgets.button import Button
from wagtail.log_actions import log

from projects.admin.beneficiary_forms import EnrolmentEndForm
from projects.admin.common import ServiceCreateMixin, add_service_errors, readable_value
from projects.models import Enrolment
from projects.services import enrolment_create, enrolment_end

ENROLMENT_END_ACTION = "projects.enrolment_end"


def masked_beneficiary(enrolment: Enrolment) -> str:
    beneficiary = enrolment.beneficiary
    return f"{beneficiary.masked_name} {beneficiary.id_number_masked}"


def is_open(enrolment: Enrolment) -> bool:
    """Whether to offer 结束登记; only for showing the button, ``enrolment_end`` decides."""
    return enrolment.end_date is None or enrolment.end_date > timezone.localdate()


class EnrolmentFilterSet(WagtailFilterSet):
    active = django_filters.BooleanFilter(label="当前有效", method="filter_active", widget=BooleanRadioSelect)

    class Meta:
        model = Enrolment
        fields = ["project", "standard_unit"]

    def filter_active(self, queryset, name, value):
        today = timezone.localdate()
        current = Q(start_date__lte=today) & (Q(end_date__isnull=True) | Q(end_date__gte=today))
        return queryset.filter(current) if value else queryset.exclude(current)


class EnrolmentIndexView(IndexView):
    add_item_label = "登记救助对象"
    end_url_name = None

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("project", "beneficiary")

    def get_edit_url(self, instance):
        return self.get_inspect_url(instance)  # enrolments are not edited: the title opens the record

    def get_list_more_buttons(self, instance):
        buttons = [Button("查看", url=self.get_inspect_url(instance), icon_name="info-circle", priority=10)]
        if self.user_has_permission("change") and is_open(instance):
            url = reverse(self.end_url_name, args=(quote(instance.pk),))
            buttons.append(Button("结束登记", url=url, icon_name="calendar-check", priority=20))
        return buttons


class EnrolmentCreateView(ServiceCreateMixin, CreateView):
    page_subtitle = "登记救助对象"
    submit_button_label = "登记"
    submit_button_active_label = "正在登记…"
    success_message = "已登记救助对象 %(object)s。"
    error_message = "未能登记:请按提示修改后重新提交。"

    def get_initial(self):
        return {"beneficiary": self.request.GET.get("beneficiary"), "start_date": timezone.localdate()}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("instance", None)  # a plain form: the service creates the enrolment
        return kwargs

    def save_instance(self):
        enrolment = enrolment_create(**self.form.cleaned_data, created_by=self.request.user)
        log(enrolment, "wagtail.create", user=self.request.user)
        return enrolment


class EnrolmentInspectView(InspectView):
    end_url_name = None
    labels = {"beneficiary": "受助人", "created_by": "登记人"}  # created_by has no verbose_name ("Created by")

    def get_field_label(self, field_name, field):
        return self.labels.get(field_name) or super().get_field_label(field_name, field)

    def get_object(self, queryset=None):
        related = Enrolment.objects.select_related("project", "beneficiary", "created_by")
        return get_object_or_404(related, pk=self.pk)

    def get_field_display_value(self, field_name, field):
        return readable_value(super().get_field_display_value(field_name, field))

    def get_beneficiary_display_value(self):
        return masked_beneficiary(self.object)

    @cached_property
    def header_more_buttons(self):
        if not (self.permission_policy.user_has_permission(self.request.user, "change") and is_open(self.object)):
            return []
        url = reverse(self.end_url_name, args=(quote(self.object.pk),))
        return [Button("结束登记", url=url, icon_name="calendar-check", priority=10)]


class EnrolmentEndView(PermissionCheckedMixin, WagtailAdminTemplateMixin, BaseObjectMixin, FormView):
    """结束登记 (毕业、康复、迁出…): later payments to this enrolment are then refused by the disbursement rules."""

    model = Enrolment
    permission_required = "change"
    form_class = EnrolmentEndForm
    template_name = "projects/admin/enrolment_end.html"
    page_title = "结束登记"
    header_icon = "calendar-check"
    index_url_name = None
    inspect_url_name = None

    def get_page_subtitle(self):
        return str(self.object)

    @cached_property
    def inspect_url(self):
        return reverse(self.inspect_url_name, args=(quote(self.object.pk),))

    def get_breadcrumbs_items(self):
        index = {"url": reverse(self.index_url_name), "label": Enrolment._meta.verbose_name_plural}
        return [
            *self.breadcrumbs_items,
            index,
            {"url": self.inspect_url, "label": str(self.object)},
            {"url": "", "label": self.page_title},
        ]

    def form_valid(self, form):
        try:
            enrolment = enrolment_end(enrolment=self.object, end_date=form.cleaned_data["end_date"])
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        log(enrolment, ENROLMENT_END_ACTION, user=self.request.user, data={"end_date": str(enrolment.end_date)})
        messages.success(self.request, f"已结束登记 {enrolment},结束日期 {enrolment.end_date}。")
        return redirect(self.inspect_url)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            enrolment=self.object,
            beneficiary_label=masked_beneficiary(self.object),
            action_url=self.request.path,
            media=context["form"].media,
            submit_button_label="确认结束",
            submit_button_active_label="正在保存…",
        )
        return context
