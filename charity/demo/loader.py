"""Builds the demo site. Idempotent: everything is looked up by a natural key before it is created,
and nothing that exists is modified, so a second run changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from io import BytesIO

from django.conf import settings
from django.core.files.images import ImageFile
from django.db import transaction
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.images.models import Image
from wagtail.models import Collection, Locale, Page, Site
from wagtail.rich_text import RichText

from cms.models import HomePage, OrganisationSettings, ProjectIndexPage, ProjectPage, ProjectUpdate, StandardPage
from projects.models import Project

from . import content
from .beneficiaries import demo_staff_allowed, ensure_demo_staff, load_beneficiaries
from .books import post_demo_books, publish_if_grown
from .covers import draw_cover
from .organisation_books import load_organisation_books
from .processor import load_online_gifts


@dataclass
class DemoReport:
    created: list[str] = field(default_factory=list)

    def add(self, what: str) -> None:
        self.created.append(what)


@transaction.atomic
def load_demo(log: Callable[[str], None] = lambda _m: None) -> DemoReport:
    report = DemoReport()
    home = _ensure_home(report)
    _ensure_settings(home, report)
    index = _ensure_child(home, ProjectIndexPage, content.PROJECT_INDEX["slug"], report, **_index_fields())
    for spec in content.PROJECTS:
        project = _ensure_project(spec, report)
        _ensure_project_page(index, project, spec, report)
    for spec in content.STANDARD_PAGES:
        _ensure_child(home, StandardPage, spec["slug"], report, **_standard_fields(spec))
    posted = post_demo_books()
    if posted:
        report.add(f"{posted} ledger transactions")
    load_online_gifts(report.add)  # sandbox only: gifts with Stripe's fee, and a payout to the bank
    if demo_staff_allowed():
        load_beneficiaries(report.add)  # after the gifts: the funds must hold what the grants pay
        load_organisation_books(ensure_demo_staff(report.add), report.add)  # vouchers need the demo's 财务 and 审核人
    else:
        log("skipped demo staff accounts, beneficiaries and the organisation's own books (production settings)")
    publish_if_grown()
    for line in report.created:
        log(f"created {line}")
    return report


def _ensure_home(report: DemoReport) -> HomePage:
    home = HomePage.objects.first()
    if home is None:
        home = _ensure_root().add_child(
            instance=HomePage(
                slug="site-home",
                title=content.HOME["title"],
                hero_title=content.HOME["hero_title"],
                intro=content.HOME["intro"],
                show_in_menus=False,
            )
        )
        home.save_revision().publish()
        report.add("home page")
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True, site_name="慈善总会")
        report.add("site")
    elif site.root_page_id != home.pk:
        welcome = site.root_page
        site.root_page = home
        site.save()
        # Wagtail's installer leaves a plain "Welcome" page; remove it once our home page replaces it.
        if type(welcome.specific) is Page and not welcome.get_children().exists():
            welcome.delete()
        report.add("site root")
    return home


def _ensure_root() -> Page:
    """Wagtail's migrations create the tree root and default locale; a flushed database has neither."""
    root = Page.get_first_root_node()
    if root is None:
        Locale.objects.get_or_create(language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
        root = Page.add_root(title="Root", slug="root")
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    return root


def _ensure_settings(home: HomePage, report: DemoReport) -> None:
    site = Site.objects.get(root_page=home)
    _settings, created = OrganisationSettings.objects.get_or_create(site=site, defaults=content.ORGANISATION)
    if created:
        report.add("organisation settings")


def _ensure_child(parent: Page, page_class: type[Page], slug: str, report: DemoReport, **fields) -> Page:
    existing = page_class.objects.child_of(parent).filter(slug=slug).first()
    if existing is not None:
        return existing
    page = parent.add_child(instance=page_class(slug=slug, **fields))
    page.save_revision().publish()
    report.add(f"{page_class.__name__} /{slug}/")
    return page


def _ensure_project(spec: dict, report: DemoReport) -> Project:
    fields = {
        k: spec[k]
        for k in (
            "name",
            "category",
            "status",
            "is_restricted",
            "target_amount",
            "start_date",
            "end_date",
            "filing_number",
            "eligibility",
            "funding_standard",
        )
    }
    project, created = Project.objects.get_or_create(code=spec["code"], defaults=fields)
    if created:
        project.full_clean()
        report.add(f"project {project.code}")
    return project


def _ensure_project_page(index: ProjectIndexPage, project: Project, spec: dict, report: DemoReport) -> None:
    if ProjectPage.objects.child_of(index).filter(slug=spec["slug"]).exists():
        return
    cover = _ensure_cover(spec, report)
    page = ProjectPage(
        slug=spec["slug"],
        title=spec["name"],
        project=project,
        summary=spec["summary"],
        cover_image=cover,
        cover_alt=f"{spec['name']}项目的装饰性封面插图(演示)",
        story=[_story_block(block) for block in spec["story"]],
        search_description=spec["summary"],
    )
    page.updates = [ProjectUpdate(date=day, title=title, body=f"<p>{text}</p>") for day, title, text in spec["updates"]]
    index.add_child(instance=page)
    page.save_revision().publish()
    report.add(f"ProjectPage /{index.slug}/{spec['slug']}/")


def _ensure_cover(spec: dict, report: DemoReport) -> Image:
    title = f"演示封面:{spec['name']}"
    image = Image.objects.filter(title=title).first()
    if image is None:
        data = draw_cover(spec["colour"])
        name = f"demo-cover-{spec['code'].lower()}.png"
        image = Image(title=title, file=ImageFile(BytesIO(data), name=name))
        image.save()
        report.add(f"image {title}")
    return image


def _story_block(block: tuple):
    kind = block[0]
    if kind == "paragraph":
        return ("paragraph", RichText(f"<p>{block[1]}</p>"))
    if kind == "quote":
        return ("quote", {"text": block[1], "attribution": block[2]})
    if kind == "figures":
        _kind, heading, figures, source = block
        return (
            "figures",
            {
                "heading": heading,
                "figures": [{"value": v, "unit": u, "label": label} for v, u, label in figures],
                "source": source,
            },
        )
    raise ValueError(f"unknown demo block {kind!r}")


def _index_fields() -> dict:
    return {"title": content.PROJECT_INDEX["title"], "intro": content.PROJECT_INDEX["intro"], "show_in_menus": True}


def _standard_fields(spec: dict) -> dict:
    body = [("paragraph", RichText(f"<p>{p}</p>")) for p in spec["paragraphs"]]
    return {"title": spec["title"], "intro": spec["intro"], "body": body, "show_in_menus": True}
