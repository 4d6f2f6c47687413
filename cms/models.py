"""Page types. Pages present; domain models own. No money field lives on a page.

Amounts shown on a page come from ``projects.selectors`` (backed by the ledger).
"""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from donations.forms import DonationForm
from donations.selectors import donor_wall
from projects.models import Category, Project, Status
from projects.selectors import project_funding, project_funding_many
from projects.selectors.closure import leftover_given, leftovers_received
from projects.selectors.disbursements import project_disbursements_public

from .blocks import StoryBlock


class HomePage(Page):
    """首页: the organisation's welcome and its active projects."""

    hero_title = models.CharField("主标题", max_length=100, default="让每一份善款都看得见")
    intro = models.TextField("导语", blank=True)
    body = StreamField(StoryBlock(), verbose_name="正文", blank=True)

    content_panels = [*Page.content_panels, FieldPanel("hero_title"), FieldPanel("intro"), FieldPanel("body")]
    subpage_types = ["cms.ProjectIndexPage", "cms.StandardPage"]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = "首页"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        pages = list(
            ProjectPage.objects.live()
            .public()
            .filter(project__status__in=[Status.FUNDRAISING, Status.IMPLEMENTING])
            .select_related("project", "cover_image")
            .order_by("project__code")[:6]
        )
        context["featured"] = _with_funding(pages)
        context["project_index"] = ProjectIndexPage.objects.live().first()
        return context


class ProjectFilterForm(forms.Form):
    """The index's filters. Unknown values are reported, not silently ignored."""

    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("All categories")), *Category.choices], required=False
    )
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("All statuses")), *Status.choices], required=False)


class ProjectIndexPage(Page):
    """项目列表: every project page below it, filterable by category and status."""

    PAGE_SIZE = 24

    intro = models.TextField("导语", blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["cms.ProjectPage"]
    parent_page_types = ["cms.HomePage"]

    class Meta:
        verbose_name = "项目列表页"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        form = ProjectFilterForm(request.GET or None)
        pages = ProjectPage.objects.child_of(self).live().public().select_related("project", "cover_image")
        if form.is_valid():
            if category := form.cleaned_data["category"]:
                pages = pages.filter(project__category=category)
            if status := form.cleaned_data["status"]:
                pages = pages.filter(project__status=status)
        elif form.is_bound:
            pages = pages.none()
        paginator = Paginator(pages.order_by("project__code"), self.PAGE_SIZE)
        page_obj = paginator.get_page(request.GET.get("page"))
        context["filter_form"] = form
        context["page_obj"] = page_obj
        context["project_count"] = paginator.count
        context["project_pages"] = _with_funding(list(page_obj.object_list))
        context["filter_query"] = query_without_page(request)
        return context


class ProjectUpdate(Orderable):
    """项目进展: a dated note on what the project has done."""

    page = ParentalKey("cms.ProjectPage", on_delete=models.CASCADE, related_name="updates")
    date = models.DateField("日期")
    title = models.CharField("标题", max_length=120)
    body = RichTextField("内容", features=["bold", "italic", "link", "ol", "ul"])

    panels = [FieldPanel("date"), FieldPanel("title"), FieldPanel("body")]

    class Meta(Orderable.Meta):
        verbose_name = "项目进展"
        verbose_name_plural = "项目进展"
        ordering = ["-date", "sort_order"]


class ProjectPage(Page):
    """项目页: presents one ``projects.Project`` with its story, updates, figures and 公示 of paid disbursements."""

    DISCLOSED_ROWS = 50  # the latest paid disbursements listed; the totals above the list count them all

    project = models.ForeignKey(Project, verbose_name="慈善项目", on_delete=models.PROTECT, related_name="+")
    summary = models.TextField("简介", max_length=300, help_text="列表卡片和搜索结果里显示的一两句话。")
    cover_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name="封面图",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cover_alt = models.CharField("封面图替代文字", max_length=200, blank=True)
    story = StreamField(StoryBlock(), verbose_name="项目故事", blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("project"),
        FieldPanel("summary"),
        MultiFieldPanel([FieldPanel("cover_image"), FieldPanel("cover_alt")], heading="封面"),
        FieldPanel("story"),
        InlinePanel("updates", label="项目进展"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary"), index.SearchField("story")]
    subpage_types: list[str] = []
    parent_page_types = ["cms.ProjectIndexPage"]

    class Meta:
        verbose_name = "项目页"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["funding"] = project_funding(self.project)
        context["disbursements"] = project_disbursements_public(self.project, limit=self.DISCLOSED_ROWS)
        context["donor_wall"] = donor_wall(self.project)
        # 结项: where a closed fund's leftover went, and leftovers this fund received (amounts from the ledger)
        context["leftover_given"] = None if self.project.is_active else leftover_given(self.project)
        context["leftovers_received"] = leftovers_received(self.project)
        if self.project.is_active:
            context["donate_form"] = DonationForm(presets=self.project.preset_amounts)
        return context


class StandardPage(Page):
    """普通页面: 关于我们、联系我们、信息公开."""

    intro = models.TextField("导语", blank=True)
    body = StreamField(StoryBlock(), verbose_name="正文", blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    subpage_types = ["cms.StandardPage"]

    class Meta:
        verbose_name = "普通页面"


@register_setting(icon="site")
class OrganisationSettings(BaseSiteSetting):
    """机构信息: what every fundraising page must show (慈善法 / 公开募捐管理办法)."""

    name = models.CharField("机构名称", max_length=100, default="慈善总会")
    certificate_number = models.CharField("公开募捐资格证书编号", max_length=64, blank=True)
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    phone = models.CharField("联系电话", max_length=40, blank=True)
    email = models.EmailField("电子邮箱", blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    lookup_url = models.URLField(
        "募捐信息查询网址",
        default="https://cszg.mca.gov.cn",
        help_text="公众查询公开募捐信息的平台,默认为「慈善中国」。",
    )
    demo_notice = models.CharField(
        "演示提示", max_length=200, blank=True, help_text="非空时在每页顶部显示(演示站点用)。"
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("certificate_number"),
        FieldPanel("credit_code"),
        MultiFieldPanel([FieldPanel("phone"), FieldPanel("email"), FieldPanel("address")], heading="联系方式"),
        FieldPanel("lookup_url"),
        FieldPanel("demo_notice"),
    ]

    class Meta:
        verbose_name = "机构信息"


def _with_funding(pages: list[ProjectPage]) -> list[tuple[ProjectPage, object]]:
    """Pair each project page with its ledger figures, fetched in one selector call."""
    funding = project_funding_many(page.project for page in pages)
    return [(page, funding[page.project_id]) for page in pages]


def query_without_page(request) -> str:
    """The current filters as a query string, for pagination links that keep them."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
