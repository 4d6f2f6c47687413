from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from wagtail.images.models import Image
from wagtail.models import Collection, Locale, Page, Revision, Site

from charity.demo import content
from charity.demo.beneficiaries import DEMO_STAFF, DEV_ONLY_PASSWORD
from charity.demo.loader import load_demo
from cms.models import ProjectPage
from ledger.models import Transaction
from ledger.selectors import fund_figures
from projects.models import (
    Beneficiary,
    Disbursement,
    DisbursementBatch,
    DisbursementStatus,
    Enrolment,
    Payee,
    Project,
    StandardUnit,
)
from projects.selectors import project_funding
from projects.selectors.work import work_for
from projects.sensitive import decrypt, id_number_errors

pytestmark = pytest.mark.django_db


def _snapshot():
    counts = {model._meta.label: model.objects.count() for model in apps.get_models()}
    pages = list(Page.objects.order_by("path").values_list("path", "title", "live", "latest_revision_id"))
    return counts, pages


def test_load_demo_creates_the_seed_programmes(demo_site):
    projects = {p.code: p for p in Project.objects.all()}
    assert {"XT100", "GEZX", "AXFM", "LSJZ"} <= set(projects)
    assert projects["XT100"].name == "血透100"
    assert projects["GEZX"].name == "福彩圆梦·孤儿助学"
    # 94.5万元 for 126 students, as the 广安 report says.
    assert projects["GEZX"].target_amount == Decimal("945000.00")
    assert "126" in projects["GEZX"].funding_standard or "7500" in projects["GEZX"].funding_standard
    for project in projects.values():
        project.full_clean()
        assert "演示" in project.filing_number


def test_load_demo_twice_changes_nothing(capsys):
    call_command("load_demo")
    first = _snapshot()
    capsys.readouterr()
    call_command("load_demo")
    assert _snapshot() == first
    assert "nothing changed" in capsys.readouterr().out


def test_load_demo_does_not_overwrite_staff_edits():
    call_command("load_demo")
    project = Project.objects.get(code="XT100")
    project.name = "血透100(已由工作人员修改)"
    project.save()
    revisions = Revision.objects.count()
    call_command("load_demo")
    assert Project.objects.get(code="XT100").name == "血透100(已由工作人员修改)"
    assert Revision.objects.count() == revisions


def test_demo_quotes_the_seed_figures(demo_site, client):
    html = client.get("/projects/emergency-relief/").content.decode()
    assert "3869" in html and "1208.2" in html  # 合川: 全年共计救助3869人次,发放资金1208.2万元
    html = client.get("/projects/orphan-education/").content.decode()
    assert "126" in html and "94.5" in html


def test_load_demo_builds_the_tree_even_on_a_flushed_database():
    Site.objects.all().delete()
    Page.objects.all().delete()
    Locale.objects.all().delete()
    Image.objects.all().delete()
    Collection.objects.all().delete()
    call_command("load_demo")
    site = Site.objects.get(is_default_site=True)
    assert site.root_page.specific_class.__name__ == "HomePage"
    assert ProjectPage.objects.live().count() == len(content.PROJECTS)


# -- staff, beneficiaries and disbursements (local use only) --------------------------------------------------


def test_demo_staff_one_per_group_with_the_password_from_the_environment(monkeypatch, capsys):
    monkeypatch.setenv("DEMO_STAFF_PASSWORD", "local-only-pw-42")
    call_command("load_demo")
    output = capsys.readouterr().out
    users = {u.username: u for u in get_user_model().objects.filter(username__in=[s[0] for s in DEMO_STAFF])}
    assert set(users) == {"guanyuan", "shenhe", "shenhe2", "caiwu", "shenji", "bianji"}
    for username, group, _name in DEMO_STAFF:
        user = users[username]
        assert list(user.groups.values_list("name", flat=True)) == [group]
        assert user.is_staff and not user.is_superuser
        assert user.check_password("local-only-pw-42")
    assert "guanyuan" in output and "local-only-pw-42" not in output  # a password the operator chose stays unsaid


def test_demo_staff_default_password_is_printed(monkeypatch, capsys):
    monkeypatch.delenv("DEMO_STAFF_PASSWORD", raising=False)
    call_command("load_demo")
    assert DEV_ONLY_PASSWORD in capsys.readouterr().out
    assert get_user_model().objects.get(username="caiwu").check_password(DEV_ONLY_PASSWORD)


def test_no_demo_staff_or_beneficiaries_under_production_settings(settings):
    settings.SETTINGS_MODULE = "charity.settings.production"
    load_demo()
    assert not get_user_model().objects.filter(username__in=[s[0] for s in DEMO_STAFF]).exists()
    assert not Beneficiary.objects.exists() and not Disbursement.objects.exists()
    assert fund_figures("GEZX").spent == Decimal("0.00")  # and no summary grant stands in for the batch


def test_demo_orphan_batch_is_the_worked_example(demo_site):
    project = Project.objects.get(code="GEZX")
    batch = DisbursementBatch.objects.get(project=project, title="2025年秋季学期孤儿助学金")
    assert batch.status == DisbursementStatus.PAID
    items = batch.items.all()
    assert items.count() == 126 and {i.amount for i in items} == {Decimal("7500.00")}
    assert {i.status for i in items} == {DisbursementStatus.PAID}
    assert Enrolment.objects.filter(project=project, standard_amount=Decimal("7500.00")).count() == 126
    # Maker-checker: made and submitted by the officer, approved by two others, paid by finance.
    approvers = set(batch.approvals.values_list("approver__username", flat=True))
    assert batch.created_by.username == batch.submitted_by.username == "guanyuan"
    assert approvers == {"shenhe", "shenhe2"} and batch.paid_by.username == "caiwu"
    funding = project_funding(project)
    assert (funding.beneficiaries, funding.disbursements, funding.spent) == (126, 126, Decimal("945000.00"))
    assert funding.raised >= funding.spent and funding.available == funding.raised - funding.spent


@pytest.mark.parametrize("code", ["GEZX", "XT100"])
def test_demo_spending_is_counted_once(demo_site, code):
    """Programmes paid through Disbursement rows have no summary grants in the books as well."""
    assert not Transaction.objects.filter(source__startswith=f"demo:{code}:grant").exists()
    paid = Disbursement.objects.filter(project__code=code, status=DisbursementStatus.PAID)
    assert fund_figures(code).spent == sum((d.amount for d in paid), Decimal("0.00")) > 0


def test_demo_dialysis_aid_has_each_stage_for_the_dashboard(demo_site):
    project = Project.objects.get(code="XT100")
    enrolments = Enrolment.objects.filter(project=project)
    assert enrolments.count() >= 3
    assert {(e.standard_unit, e.standard_amount, e.yearly_cap) for e in enrolments} == {
        (StandardUnit.PER_SESSION, Decimal("100.00"), Decimal("12000.00"))
    }
    disbursements = Disbursement.objects.filter(project=project)
    assert {d.payee for d in disbursements} == {Payee.HOSPITAL} and all(d.payee_name for d in disbursements)
    by_status = {s: disbursements.filter(status=s).count() for s in DisbursementStatus.values}
    assert by_status[DisbursementStatus.PAID] >= 2
    assert by_status[DisbursementStatus.SUBMITTED] == by_status[DisbursementStatus.APPROVED] == 1
    shenhe, caiwu = (get_user_model().objects.get(username=u) for u in ("shenhe", "caiwu"))
    assert [d.project.code for d in work_for(shenhe).to_approve.rows] == ["XT100"]
    assert [d.project.code for d in work_for(caiwu).to_pay.rows] == ["XT100"]


def test_demo_beneficiaries_are_valid_and_some_gave_consent(demo_site):
    people = list(Beneficiary.objects.all())
    assert len(people) >= 126 + 3
    for person in people:
        assert id_number_errors(decrypt(person.id_number_encrypted)) == ""
    with_consent = {p.pk for p in people if p.consents.exists()}
    assert 0 < len(with_consent) < len(people)  # both 张*三 and 张* on the public pages
    minors = [p for p in people if p.is_minor_on(date(2025, 1, 2))]
    assert minors and all(p.guardian_name for p in minors)
    assert all(c.given_by == "guardian" for p in minors for c in p.consents.all())
