"""Least privilege (最小权限): the five staff groups hold exactly the permissions their work needs, and running
``groups_ensure`` again (every migrate) changes nothing — or takes back what was granted by hand."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission

from charity.groups import GROUP_PERMISSIONS, groups_ensure

pytestmark = pytest.mark.django_db

DISBURSEMENT_STEPS = {
    "projects.add_disbursement",
    "projects.submit_disbursement",
    "projects.approve_disbursement",
    "projects.pay_disbursement",
    "projects.reverse_disbursement",
}


def perms(name: str) -> set[str]:
    group = Group.objects.get(name=name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def test_groups_ensure_is_idempotent():
    before = {name: perms(name) for name in GROUP_PERMISSIONS}
    groups_ensure()
    groups_ensure()
    assert Group.objects.filter(name__in=GROUP_PERMISSIONS).count() == len(GROUP_PERMISSIONS)
    assert {name: perms(name) for name in GROUP_PERMISSIONS} == before


def test_a_permission_granted_by_hand_is_taken_back():
    group = Group.objects.get(name="项目官员")
    group.permissions.add(Permission.objects.get(codename="approve_disbursement"))
    groups_ensure()
    assert "projects.approve_disbursement" not in perms("项目官员")


@pytest.mark.parametrize(
    ("name", "steps"),
    [
        ("项目官员", {"projects.add_disbursement", "projects.submit_disbursement"}),
        ("审核人", {"projects.approve_disbursement"}),
        ("财务", {"projects.pay_disbursement", "projects.reverse_disbursement"}),
        ("审计", set()),
        ("编辑", set()),
    ],
)
def test_each_group_takes_only_its_own_steps(name, steps):
    assert perms(name) & DISBURSEMENT_STEPS == steps


REVEAL_ALL = {
    "projects.reveal_beneficiary_id_number",
    "projects.reveal_beneficiary_phone",
    "projects.reveal_beneficiary_bank_account",
    "projects.reveal_beneficiary_address",
}


@pytest.mark.parametrize(
    ("name", "reveals"),
    [
        ("项目官员", REVEAL_ALL),  # registers the person: needs every field
        ("审核人", set()),
        ("财务", {"projects.reveal_beneficiary_bank_account"}),  # the account to pay into, nothing else
        ("审计", REVEAL_ALL),
        ("编辑", set()),
    ],
)
def test_each_group_reveals_exactly_the_fields_the_docs_give_it(name, reveals):
    assert {p for p in perms(name) if ".reveal_" in p} == reveals


def test_the_single_reveal_permission_is_gone():
    assert not Permission.objects.filter(content_type__app_label="projects", codename="reveal_beneficiary").exists()


# Settings rather than records: a word wrongly put on the donor-name review list (署名敏感词) may be taken off.
DELETABLE_SETTINGS = {"donations.delete_heldword"}


def test_no_group_deletes_anything_of_beneficiaries_disbursements_donations_or_the_ledger():
    for name in GROUP_PERMISSIONS:
        deletes = {p for p in perms(name) if p.startswith(("projects.delete_", "donations.delete_", "ledger.delete_"))}
        assert not deletes - DELETABLE_SETTINGS, name


def test_the_editor_never_sees_beneficiaries_disbursements_or_donors():
    editor = perms("编辑")
    assert not {p for p in editor if p.startswith(("projects.", "donations.", "ledger."))}
    assert "wagtailadmin.access_admin" in editor
    assert {"wagtailimages.add_image", "wagtaildocs.add_document"} <= editor


def test_the_auditor_reads_everything_and_changes_nothing():
    auditor = perms("审计")
    extra = {"wagtailadmin.access_admin", *REVEAL_ALL, "projects.view_audit_checks"}
    assert {p for p in auditor if ".view_" not in p} == extra - {"projects.view_audit_checks"}
    assert "projects.view_audit_checks" in auditor
    assert not {p for p in auditor if any(f".{verb}_" in p for verb in ("add", "change", "delete"))}
    every_read = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.filter(
            content_type__app_label__in=["projects", "donations", "ledger"], codename__startswith="view_"
        ).select_related("content_type")
    }
    assert every_read <= auditor
    assert {"projects.view_beneficiary", "projects.view_disbursement", "donations.view_donation"} <= auditor


def test_the_approver_reads_the_audit_report_and_changes_nothing_else():
    approver = perms("审核人")
    assert "projects.view_audit_checks" in approver
    assert not {p for p in approver if any(f".{verb}_" in p for verb in ("add", "change", "delete"))}
    # it sees gifts only to confirm a large offline gift someone else recorded (复核)
    assert {p for p in approver if p.startswith("donations.")} == {
        "donations.view_donation", "donations.confirm_offline_gift"}


def test_finance_records_gifts_but_drafts_nothing():
    finance = perms("财务")
    assert {"donations.add_donation", "donations.change_donation"} <= finance
    assert not finance & {"projects.add_disbursement", "projects.change_disbursement", "projects.add_beneficiary"}
    assert "ledger.view_transaction" in finance  # the ledger export
    chart = {"ledger.add_account", "ledger.change_account"}  # 明细科目 and their names; never a posting by hand
    period = {"ledger.close_period"}  # 申请结账 / 申请反结账; 审核人 approves (ledger.approve_period)
    assert {p for p in finance if p.startswith("ledger.") and not p.startswith("ledger.view_")} == chart | period
    assert "ledger.approve_period" in perms("审核人") and "ledger.close_period" not in perms("审核人")
    assert "ledger.view_account" in finance  # 账簿: 科目余额表, 明细账


def test_the_officer_registers_and_drafts_but_touches_no_money():
    officer = perms("项目官员")
    assert {"projects.add_beneficiary", "projects.add_enrolment", "projects.change_disbursement"} <= officer
    assert not {p for p in officer if p.startswith(("donations.", "ledger."))}
