"""受助人选择: a Wagtail chooser (modal with search) in place of one dropdown of every person.

- Search by name, masked name (张*三) or full ID number (matched by its keyed hash, ``beneficiaries_matching``);
  results are paged, so no page ever lists the whole registry.
- On the disbursement form the chooser is linked to the 项目 field: it lists people enrolled in that project
  unless the officer ticks 包括未登记在本项目的人员.
- Only staff who may view beneficiaries open it (编辑 get 403), and it shows what the registry's list shows:
  masked name, masked ID number, category, district. A typed ID number is never echoed back in clear.
"""

from __future__ import annotations

from django import forms
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from wagtail import hooks
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import chooser as chooser_views
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.admin.widgets.chooser import BaseChooser

from projects.models import Beneficiary
from projects.selectors.beneficiary_search import beneficiaries_matching, looks_like_id_number
from projects.sensitive import mask

VIEW_PERMISSION = "projects.view_beneficiary"


def beneficiary_label(beneficiary: Beneficiary) -> str:
    """How staff tell two people apart without seeing who they are."""
    parts = (beneficiary.masked_name, beneficiary.id_number_masked, beneficiary.get_category_display())
    return " · ".join((*parts, beneficiary.district))


class BeneficiarySearchForm(BaseFilterForm):
    q = forms.CharField(
        label="姓名或身份证号",
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "姓名、张*三 或完整身份证号", "autocomplete": "off"}),
    )
    project = forms.IntegerField(required=False, widget=forms.HiddenInput)
    everyone = forms.BooleanField(
        label="包括未登记在本项目的人员",
        required=False,
        widget=forms.CheckboxInput(attrs={"data-chooser-modal-search-filter": True}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not (self.data.get("project") or "").strip():
            del self.fields["everyone"]  # no project chosen yet: nothing to limit to

    def filter(self, objects):
        data = self.cleaned_data
        query = (data.get("q") or "").strip()
        if query:
            self.is_searching = True
            self.search_query = mask("id_number", query) if looks_like_id_number(query) else query
        return beneficiaries_matching(
            query, project_id=data.get("project"), enrolled_only=not data.get("everyone")
        ).filter(pk__in=objects.values("pk"))


class ViewBeneficiaryRequired:
    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied("没有查看受助人的权限。")
        return super().dispatch(request, *args, **kwargs)


class BeneficiaryChooseMixin(ViewBeneficiaryRequired):
    filter_form_class = BeneficiarySearchForm
    per_page = 10

    def get_filter_form(self):
        return BeneficiarySearchForm(self.request.GET)

    def filter_object_list(self, objects):
        if not self.filter_form.is_valid():
            return objects.none()  # a malformed request lists nobody rather than everybody
        return super().filter_object_list(objects)

    @property
    def columns(self):
        chosen = self.chosen_url_name
        title = TitleColumn(
            "title",
            label="受助人",
            accessor=beneficiary_label,
            get_url=lambda b: self.append_preserved_url_parameters(reverse(chosen, args=(quote(b.pk),))),
            link_attrs={"data-chooser-modal-choice": True},
        )
        columns = [title, Column("category", label="救助类别", accessor="get_category_display")]
        if self.filter_form.is_valid() and self.filter_form.cleaned_data.get("project"):
            columns.append(Column("enrolled", label="本项目登记", accessor=lambda b: "是" if b.enrolled else "否"))
        return columns


class BeneficiaryChooseView(BeneficiaryChooseMixin, chooser_views.ChooseView):
    page_title = "选择受助人"

    def can_create(self):
        return False  # people are registered on the registry's own form, with its checks


class BeneficiaryChooseResultsView(BeneficiaryChooseMixin, chooser_views.ChooseResultsView):
    def can_create(self):
        return False


class BeneficiaryChosenView(ViewBeneficiaryRequired, chooser_views.ChosenView):
    def get_display_title(self, instance):
        return beneficiary_label(instance)

    def get_edit_item_url(self, instance):
        return None


class BeneficiaryChooserWidgetBase(BaseChooser):
    show_edit_link = False

    def get_display_title(self, instance):
        return beneficiary_label(instance)

    def get_value_data_from_instance(self, instance):
        return {"id": instance.pk, "edit_url": "", "title": self.get_display_title(instance)}


class BeneficiaryChooserViewSet(ChooserViewSet):
    model = Beneficiary
    icon = "user"
    choose_one_text = "选择受助人"
    choose_another_text = "改选受助人"
    page_title = "选择受助人"
    search_tab_label = "搜索"
    register_widget = False
    base_widget_class = BeneficiaryChooserWidgetBase
    choose_view_class = BeneficiaryChooseView
    choose_results_view_class = BeneficiaryChooseResultsView
    chosen_view_class = BeneficiaryChosenView
    preserve_url_parameters = ["multiple", "project"]

    def get_urlpatterns(self):  # no creation tab, no multiple choice
        return [p for p in super().get_urlpatterns() if p.name in ("choose", "choose_results", "chosen")]


beneficiary_chooser_viewset = BeneficiaryChooserViewSet("beneficiary_chooser", url_prefix="beneficiary-chooser")
BeneficiaryChooserWidget = beneficiary_chooser_viewset.widget_class


def project_linked_chooser() -> BaseChooser:
    """The picker of the disbursement form: its 项目 field narrows the list to the people enrolled there."""
    return BeneficiaryChooserWidget(linked_fields={"project": "#id_project"})


@hooks.register("register_admin_viewset")
def register_beneficiary_chooser():
    return beneficiary_chooser_viewset
