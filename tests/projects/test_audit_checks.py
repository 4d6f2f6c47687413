"""民生监察: each check fires on its case and stays quiet on the near miss; the command's exit codes and JSON; the
watch-list import stores hashes only, all or nothing; the admin report is for 审核人 and 审计 only; and no finding
shows a full ID number, phone or bank account."""

import json
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from ledger.privacy import PERSONAL_PATTERNS
from projects.audit import CHECKS, audit_run
from projects.models import (
    Approval,
    Disbursement,
    DisbursementBatch,
    DisbursementStatus,
    StandardUnit,
    WatchListEntry,
)
from projects.sensitive import keyed_hash
from projects.services import (
    DisbursementDraft,
    batch_approve,
    batch_create,
    batch_pay,
    batch_submit,
    beneficiary_register,
    disbursement_approve,
    disbursement_create,
    disbursement_return,
    disbursement_reverse,
    disbursement_submit,
    enrolment_create,
    enrolment_end,
)
from tests.factories import ProjectFactory, beneficiary_data, id_number, staff_user
from tests.projects.conftest import give
from tests.projects.disbursement_flows import pay_on_day

pytestmark = pytest.mark.django_db

JAN_1 = date(2026, 1, 1)


@pytest.fixture(autouse=True)
def _thresholds(settings):
    settings.AUDIT_MULTI_PROJECT_YEARLY_TOTAL = Decimal("20000.00")
    settings.DISBURSEMENT_DUAL_APPROVAL_AMOUNT = Decimal("50000.00")


@pytest.fixture
def staff(officer, approver, finance):
    return {"officer": officer, "approver": approver, "finance": finance}


@pytest.fixture
def projects(finance):
    made = [ProjectFactory(code=code, name=name) for code, name in (("XT100", "血透100"), ("AXFM", "爱心复明"))]
    for project in made:
        give(project, "200000.00", finance_user=finance)
    return made


def register(n, officer, **overrides):
    return beneficiary_register(data=beneficiary_data(n, **overrides), created_by=officer)


def enrol(beneficiary, project, officer, *, start=JAN_1, end=None):
    return enrolment_create(
        beneficiary=beneficiary,
        project=project,
        standard_amount=Decimal("1000.00"),
        standard_unit=StandardUnit.PER_MONTH,
        start_date=start,
        end_date=end,
        created_by=officer,
    )


def drafted(project, beneficiary, amount, on, staff, enrolment=None):
    draft = DisbursementDraft(
        project=project,
        beneficiary=beneficiary,
        amount=Decimal(amount),
        purpose="救助金",
        disbursed_on=on,
        enrolment=enrolment,
    )
    return disbursement_create(draft=draft, user=staff["officer"])


def paid(project, beneficiary, amount, on, staff, enrolment=None):
    """A disbursement taken through the whole flow: drafted, submitted, approved by another person, paid."""
    disbursement = drafted(project, beneficiary, amount, on, staff, enrolment)
    disbursement_submit(disbursement=disbursement, user=staff["officer"])
    disbursement_approve(disbursement=disbursement, user=staff["approver"])
    return pay_on_day(disbursement, on, user=staff["finance"])


def found(code, **kwargs):
    return [f for f in audit_run(**kwargs) if f.check == code]


@contextmanager
def check_constraints_off(table, *names):
    """Write rows the database would refuse, as an import or a dropped constraint would leave them. SQLite can
    switch CHECK constraints off; on PostgreSQL they are dropped inside the test's transaction, whose rollback
    puts them back."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA ignore_check_constraints = ON")
            try:
                yield
            finally:
                cursor.execute("PRAGMA ignore_check_constraints = OFF")
            return
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses a table with deferred checks pending
        for name in names:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        yield


# (a) the same person from several projects in one year


def test_multi_project_above_the_yearly_total(staff, projects):
    xt, fm = projects
    over = register(1, staff["officer"])
    paid(xt, over, "12000.00", date(2026, 3, 1), staff)
    paid(fm, over, "8000.01", date(2026, 9, 1), staff)
    at_limit = register(2, staff["officer"])  # exactly the threshold: not above it
    paid(xt, at_limit, "12000.00", date(2026, 3, 1), staff)
    paid(fm, at_limit, "8000.00", date(2026, 9, 1), staff)
    two_years = register(3, staff["officer"])  # two projects, but in different years
    paid(xt, two_years, "15000.00", date(2025, 12, 31), staff)
    paid(fm, two_years, "15000.00", date(2026, 1, 1), staff)
    one_project = register(4, staff["officer"])
    paid(xt, one_project, "15000.00", date(2026, 3, 1), staff)
    paid(xt, one_project, "15000.00", date(2026, 4, 1), staff)
    reversed_one = register(5, staff["officer"])  # the second payment came back: not counted
    paid(xt, reversed_one, "15000.00", date(2026, 3, 1), staff)
    returned = paid(fm, reversed_one, "15000.00", date(2026, 4, 1), staff)
    disbursement_reverse(disbursement=returned, user=staff["finance"], reason="银行退回")

    [finding] = found("multi_project")
    assert finding.beneficiaries == (over.pk,)
    assert len(finding.disbursements) == 2
    assert "2026 年从 2 个项目(血透100、爱心复明)" in finding.detail
    assert "¥20,000.01" in finding.detail and over.masked_name in finding.detail
    assert found("multi_project", year=2026) == [finding]
    assert found("multi_project", year=2025) == []


# (b) one bank account, several beneficiaries


def test_shared_bank_account(staff):
    first = register(1, staff["officer"], bank_account="6228480012345678")
    second = register(2, staff["officer"], bank_account="6228 4800 1234 5678")  # the same account, spaced
    register(3, staff["officer"])  # an account of their own
    register(4, staff["officer"], bank_account="")  # no account: empty hashes are not "the same account"
    register(5, staff["officer"], bank_account="")

    [finding] = found("shared_bank_account")
    assert finding.beneficiaries == (first.pk, second.pk)
    assert "****5678" in finding.detail and "2 名受助人" in finding.detail


# (c) the watch list


def test_watch_listed_beneficiary_is_reported_with_the_label(staff, projects):
    listed = register(1, staff["officer"])
    register(2, staff["officer"])
    WatchListEntry.objects.create(
        id_number_hash=keyed_hash("id_number", id_number(1, "19600101")), label="工作人员亲属"
    )
    WatchListEntry.objects.create(
        id_number_hash=keyed_hash("id_number", id_number(9)), label="工作人员"
    )  # not registered
    enrol(listed, projects[0], staff["officer"])
    paid(projects[0], listed, "500.00", date(2026, 2, 1), staff)

    [finding] = found("watch_list", year=2026, today=date(2026, 6, 1))
    assert finding.beneficiaries == (listed.pk,)
    assert "「工作人员亲属」" in finding.detail
    assert "2026 年已支付拨付 1 笔,合计 ¥500.00" in finding.detail and "1 个有效项目登记" in finding.detail
    [other_year] = found("watch_list", year=2025, today=date(2026, 6, 1))  # on the list whatever the year
    assert "2025 年已支付拨付 0 笔" in other_year.detail


# (d) paid outside the enrolment


def test_paid_after_the_enrolment_ended_or_before_it_started(staff, projects):
    xt = projects[0]
    late = register(1, staff["officer"])
    late_enrolment = enrol(late, xt, staff["officer"])
    late_payment = paid(xt, late, "800.00", date(2026, 6, 1), staff, late_enrolment)
    enrolment_end(enrolment=late_enrolment, end_date=date(2026, 5, 31))  # ended the day before the payment
    last_day = register(2, staff["officer"])
    last_day_enrolment = enrol(last_day, xt, staff["officer"])
    paid(xt, last_day, "800.00", date(2026, 6, 1), staff, last_day_enrolment)
    enrolment_end(enrolment=last_day_enrolment, end_date=date(2026, 6, 1))  # paid on its last day: fine
    early = register(3, staff["officer"])
    early_enrolment = enrol(early, xt, staff["officer"])
    early_payment = paid(xt, early, "800.00", date(2026, 6, 1), staff, early_enrolment)
    type(early_enrolment).objects.filter(pk=early_enrolment.pk).update(start_date=date(2026, 6, 2))
    unpaid = register(4, staff["officer"])
    unpaid_enrolment = enrol(unpaid, xt, staff["officer"])
    drafted(xt, unpaid, "800.00", date(2026, 6, 1), staff, unpaid_enrolment)  # not paid: not a payment
    enrolment_end(enrolment=unpaid_enrolment, end_date=date(2026, 5, 1))

    findings = found("outside_enrolment")
    assert [f.disbursements for f in findings] == [(late_payment.pk,), (early_payment.pk,)]
    assert "晚于项目登记结束日期 2026-05-31" in findings[0].detail
    assert "早于项目登记开始日期 2026-06-02" in findings[1].detail
    assert found("outside_enrolment", year=2025) == []


# (e) maker-checker


def test_approval_by_the_maker_is_found(staff, projects):
    """The database refuses this approval: it is written with the check constraints off (SQLite) or dropped for
    the test's transaction (PostgreSQL), as an import from an older system could leave it."""
    xt = projects[0]
    clean = paid(xt, register(1, staff["officer"]), "500.00", date(2026, 2, 1), staff)
    self_approved = drafted(xt, register(2, staff["officer"]), "500.00", date(2026, 2, 1), staff)
    disbursement_submit(disbursement=self_approved, user=staff["officer"])
    officer = staff["officer"]
    with check_constraints_off("projects_approval", "approval_not_by_maker", "approval_not_by_submitter"):
        Approval.objects.create(disbursement=self_approved, approver=officer, maker=officer, submitter=officer, round=1)
    Disbursement.objects.filter(pk=self_approved.pk).update(
        status=DisbursementStatus.APPROVED, approved_at=timezone.now()
    )

    [finding] = found("maker_checker")
    assert finding.disbursements == (self_approved.pk,)
    assert "审批人包含经办人或提交人" in finding.detail
    assert clean.pk not in finding.disbursements


def test_fewer_approvers_than_required(staff, projects):
    xt = projects[0]
    imported = drafted(xt, register(1, staff["officer"]), "500.00", date(2026, 2, 1), staff)
    disbursement_submit(disbursement=imported, user=staff["officer"])
    Disbursement.objects.filter(pk=imported.pk).update(status=DisbursementStatus.APPROVED)  # no approval at all
    stale = drafted(xt, register(2, staff["officer"]), "500.00", date(2026, 2, 1), staff)
    disbursement_submit(disbursement=stale, user=staff["officer"])
    disbursement_approve(disbursement=stale, user=staff["approver"])
    Disbursement.objects.filter(pk=stale.pk).update(status=DisbursementStatus.SUBMITTED)
    disbursement_return(disbursement=stale, user=staff["approver"], reason="补充材料")
    disbursement_submit(disbursement=stale, user=staff["officer"])
    Disbursement.objects.filter(pk=stale.pk).update(status=DisbursementStatus.APPROVED)  # round 1's sign-off only
    waiting = drafted(xt, register(3, staff["officer"]), "500.00", date(2026, 2, 1), staff)
    disbursement_submit(disbursement=waiting, user=staff["officer"])  # not approved yet: nothing to check

    findings = found("maker_checker")
    assert [f.disbursements for f in findings] == [(imported.pk,), (stale.pk,)]
    assert "第 1 轮审批审批人 0 人,少于所需 1 人" in findings[0].detail
    assert "第 2 轮审批审批人 0 人" in findings[1].detail


def test_batch_with_fewer_approvers_than_required(staff, projects, approver2):
    xt = projects[0]
    for n in (1, 2):
        enrol(register(n, staff["officer"]), xt, staff["officer"])
    batch = batch_create(
        project=xt, title="2026年春季助学金", disbursed_on=date(2026, 3, 1), purpose="助学金", user=staff["officer"]
    )
    batch_submit(batch=batch, user=staff["officer"])
    batch_approve(batch=batch, user=staff["approver"])
    batch_pay(batch=batch, user=staff["finance"])
    assert found("maker_checker") == []  # items of a batch are approved through the batch

    DisbursementBatch.objects.filter(pk=batch.pk).update(required_approvals=2)
    [finding] = found("maker_checker")
    assert finding.batches == (batch.pk,) and finding.disbursements == ()
    assert "批次「2026年春季助学金」" in finding.detail and "审批人 1 人,少于所需 2 人" in finding.detail


# (f) the ledger


def test_paid_amount_differs_from_the_ledger(staff, projects):
    xt = projects[0]
    clean = paid(xt, register(1, staff["officer"]), "500.00", date(2026, 2, 1), staff)
    edited = paid(xt, register(2, staff["officer"]), "500.00", date(2026, 2, 1), staff)
    Disbursement.objects.filter(pk=edited.pk).update(amount=Decimal("5000.00"))  # changed after payment

    [finding] = found("ledger_mismatch")
    assert finding.disbursements == (edited.pk,)
    assert "支出分录为 ¥500.00,与拨付金额不符" in finding.detail
    assert clean.pk not in finding.disbursements


def test_paid_without_a_ledger_transaction(staff, projects):
    xt = projects[0]
    approved = drafted(xt, register(1, staff["officer"]), "500.00", date(2026, 2, 1), staff)
    disbursement_submit(disbursement=approved, user=staff["officer"])
    disbursement_approve(disbursement=approved, user=staff["approver"])
    assert found("ledger_mismatch") == []  # approved, not paid: nothing to match yet
    with check_constraints_off("projects_disbursement", "disbursement_paid_has_transaction"):
        Disbursement.objects.filter(pk=approved.pk).update(
            status=DisbursementStatus.PAID, paid_at=timezone.now(), paid_on=timezone.localdate()
        )

    [finding] = found("ledger_mismatch")
    assert finding.disbursements == (approved.pk,) and "已支付但没有账本交易" in finding.detail


# the command


def test_a_restricted_fund_overdrawn_by_a_reversed_gift_is_found(staff, finance):
    """Approval reserved ¥900 of ¥1,000; the gift is then reversed (a bank return): available is −¥900."""
    from donations.services import donation_reverse

    project = ProjectFactory(code="OD", name="透支测试", is_restricted=True)
    gift = give(project, "1000.00", finance_user=finance)
    person_ = register(501, staff["officer"])
    approved_one = drafted(project, person_, "900.00", JAN_1, staff)
    disbursement_submit(disbursement=approved_one, user=staff["officer"])
    disbursement_approve(disbursement=approved_one, user=staff["approver"])
    assert found("fund_overdrawn") == []
    donation_reverse(donation=gift, reason="银行退回", user=finance)
    [finding] = found("fund_overdrawn")
    assert "透支测试" in finding.detail and "¥-900.00" in finding.detail
    # An unrestricted project may draw on general funds: approved beyond its own gifts, it is not reported.
    unrestricted = ProjectFactory(code="UN", name="非定向测试", is_restricted=False)
    spend = drafted(unrestricted, register(502, staff["officer"]), "100.00", JAN_1, staff)
    disbursement_submit(disbursement=spend, user=staff["officer"])
    disbursement_approve(disbursement=spend, user=staff["approver"])
    assert [f.detail for f in found("fund_overdrawn")] == [finding.detail]


def run_command(*args):
    out = StringIO()
    try:
        call_command("audit_checks", *args, stdout=out)
    except SystemExit as exit:
        return exit.code, out.getvalue()
    return 0, out.getvalue()


def test_command_exits_0_when_clean_and_1_with_findings(staff):
    assert run_command() == (0, "民生监察(全部年份):未发现问题。\n")
    register(1, staff["officer"], bank_account="6228480012345678")
    register(2, staff["officer"], bank_account="6228480012345678")

    code, out = run_command("--year", "2026")
    assert code == 1
    assert "民生监察(2026 年):发现 1 个问题。" in out and "【多人共用银行账号】中风险,1 项" in out


def test_command_json(staff):
    first = register(1, staff["officer"], bank_account="6228480012345678")
    second = register(2, staff["officer"], bank_account="6228480012345678")

    code, out = run_command("--format", "json", "--year", "2026")
    report = json.loads(out)
    assert code == 1
    assert report["year"] == 2026 and report["count"] == 1
    [finding] = report["findings"]
    assert finding["check"] == "shared_bank_account" and finding["title"] == CHECKS["shared_bank_account"].title
    assert finding["severity"] == "medium" and finding["severity_label"] == "中"
    assert finding["beneficiaries"] == [first.pk, second.pk]
    assert run_command("--format", "json")[0] == 1


def test_command_refuses_a_bad_year():
    with pytest.raises(CommandError, match="年份 1 无效") as error:
        call_command("audit_checks", "--year", "1")
    assert error.value.returncode == 2


# no full personal data in any finding


def test_findings_show_masked_values_only(staff, projects):
    people = [register(n, staff["officer"], bank_account="6228480012345678") for n in (1, 2)]
    WatchListEntry.objects.create(id_number_hash=people[0].id_number_hash, label="工作人员")
    paid(projects[0], people[0], "15000.00", date(2026, 2, 1), staff)
    paid(projects[1], people[0], "15000.00", date(2026, 3, 1), staff)
    edited = paid(projects[1], people[1], "500.00", date(2026, 3, 1), staff)
    Disbursement.objects.filter(pk=edited.pk).update(amount=Decimal("600.00"))

    findings = audit_run()
    assert {f.check for f in findings} == {"multi_project", "shared_bank_account", "watch_list", "ledger_mismatch"}
    text = run_command("--format", "json")[1] + run_command()[1]
    for n, person in enumerate(people, start=1):
        data = beneficiary_data(n)
        for secret in (data.id_number, data.id_number[:17], data.phone, "6228480012345678", data.name):
            assert secret not in text
        assert person.masked_name in text and person.id_number_masked in text
    for label, pattern in PERSONAL_PATTERNS:
        assert not pattern.search(text), label


# watchlist_import


def test_watchlist_import_stores_hashes_only_and_is_idempotent(tmp_path):
    numbers = [id_number(1), id_number(2, "19800202")]
    file = tmp_path / "list.txt"
    file.write_text(f"{numbers[0]}\n\n {numbers[1].lower()} \n", encoding="utf-8")

    call_command("watchlist_import", str(file), "--label", "工作人员亲属", stdout=(out := StringIO()))
    assert "新增 2 人,已在名单中 0 人" in out.getvalue()
    assert set(WatchListEntry.objects.values_list("id_number_hash", "label")) == {
        (keyed_hash("id_number", n), "工作人员亲属") for n in numbers
    }
    stored = json.dumps(list(WatchListEntry.objects.values()), default=str)
    for number in numbers:
        assert number not in stored and number[:17] not in stored and number[6:14] not in stored

    call_command("watchlist_import", str(file), "--label", "工作人员亲属", stdout=(out := StringIO()))
    assert "新增 0 人,已在名单中 2 人" in out.getvalue()
    assert WatchListEntry.objects.count() == 2


def test_watchlist_import_reads_the_id_column_of_a_csv(tmp_path):
    file = tmp_path / "staff.csv"
    file.write_text(
        f"姓名,身份证号,部门\n张三,{id_number(1)},财务部\n\n李四,{id_number(2)},项目部\n", encoding="utf-8-sig"
    )

    call_command("watchlist_import", str(file), "--label", "工作人员", stdout=StringIO())
    assert WatchListEntry.objects.filter(label="工作人员").count() == 2
    assert "张三" not in json.dumps(list(WatchListEntry.objects.values()), default=str, ensure_ascii=False)


def test_watchlist_import_with_a_bad_line_imports_nothing(tmp_path):
    good = id_number(1)
    bad = good[:17] + ("0" if good[17] != "0" else "1")  # wrong check digit
    file = tmp_path / "staff.csv"
    file.write_text(f"姓名,身份证号\n张三,{good}\n李四,{bad}\n王五,12345\n", encoding="utf-8")

    with pytest.raises(CommandError) as error:
        call_command("watchlist_import", str(file), "--label", "工作人员")
    message = str(error.value)
    assert "未导入任何记录" in message
    assert "第 3 行:身份证号校验位不正确" in message and "第 4 行:身份证号应为 18 位" in message
    assert "第 2 行" not in message and bad not in message
    assert not WatchListEntry.objects.exists()


# the admin report


def test_admin_report_is_for_approvers_and_auditors(client, staff, auditor, editor):
    register(1, staff["officer"], bank_account="6228480012345678")
    register(2, staff["officer"], bank_account="6228480012345678")
    for user in (staff["approver"], auditor):
        client.force_login(user)
        response = client.get("/admin/audit-checks/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "多人共用银行账号" in html and "****5678" in html and "发现 1 个问题" in html
        assert json.dumps("民生监察") in client.get("/admin/").content.decode()  # the menu item
    for user in (staff["officer"], staff["finance"], editor):
        client.force_login(user)
        assert client.get("/admin/audit-checks/").status_code == 403
        assert json.dumps("民生监察") not in client.get("/admin/").content.decode()
    client.force_login(staff_user("nobody"))  # no admin access at all: Wagtail's own gate sends them away
    response = client.get("/admin/audit-checks/")
    assert response.status_code == 302 and "多人共用" not in response.content.decode()


def test_admin_report_year_selector(client, staff, projects, auditor):
    paid(projects[0], register(1, staff["officer"]), "500.00", date(2025, 12, 1), staff)
    paid(projects[0], register(2, staff["officer"]), "500.00", date(2026, 2, 1), staff)
    edited = paid(projects[0], register(3, staff["officer"]), "500.00", date(2026, 2, 1), staff)
    Disbursement.objects.filter(pk=edited.pk).update(amount=Decimal("501.00"))
    client.force_login(auditor)

    html = client.get("/admin/audit-checks/").content.decode()
    assert '<option value="2026"' in html and '<option value="2025"' in html and "发现 1 个问题" in html
    html = client.get("/admin/audit-checks/", {"year": "2025"}).content.decode()
    assert '<option value="2025" selected' in html and "未发现问题" in html
    html = client.get("/admin/audit-checks/", {"year": "abc"}).content.decode()  # anything else: all years
    assert "发现 1 个问题" in html
