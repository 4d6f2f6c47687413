"""Exports reveal per field, by POST with a reason (issue 18, part 5).

A GET download is always masked — a link or an image on another site can make a logged-in browser send one. Full
values need 导出完整信息: a POST with the CSRF token, the fields to reveal (only those the user's permissions allow:
财务 the bank account alone) and a stated reason, which the audit entry keeps with the fields."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from bulk.exports.audit import EXPORT_REVEAL_ACTION
from projects.sensitive import decrypt
from tests.bulk.export_data import (
    ALL_FIELDS,
    REASON,
    as_dicts,
    csv_table,
    export,
    export_full,
    hostile_beneficiary,
    reveal_logs,
    table,
)
from tests.factories import ProjectFactory
from tests.projects.disbursement_flows import draft

pytestmark = pytest.mark.django_db

FORMATS = ["csv", "xlsx"]
GUARDIAN_PHONE = "13700001111"


@pytest.fixture
def person(db):
    return hostile_beneficiary(5, guardian_name="李四海", guardian_phone=GUARDIAN_PHONE)


def _secrets(person) -> dict[str, str]:
    return {
        "身份证号": decrypt(person.id_number_encrypted),
        "联系电话": decrypt(person.phone_encrypted),
        "银行账号": decrypt(person.bank_account_encrypted),
        "监护人电话": GUARDIAN_PHONE,
    }


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_get_never_reveals_not_even_to_the_auditor(client, auditor, person, fmt):
    """A cross-site link (<img src=".../beneficiaries.csv?reveal=1">) gets the masked file and leaves no entry."""
    response = export(client, auditor, "beneficiaries", fmt, reveal="1", fields_to_reveal="id_number", reason="x")
    row = as_dicts(table(response, fmt))[0]
    assert row["身份证号"] == person.id_number_masked and row["银行账号"] == person.bank_account_masked
    assert row["姓名"] == "欧**娜" and "村(社区)" not in row and "备注" not in row
    assert not reveal_logs().exists()


def test_a_get_of_the_disbursements_is_masked_for_every_group(client, officer, finance, auditor, person):
    draft(ProjectFactory(code="XT100"), person, "300.00", user=officer)
    for user in (officer, finance, auditor):
        row = as_dicts(csv_table(export(client, user, "disbursements", "csv")))[0]
        assert (row["受助人"], row["受助人身份证号"]) == ("欧**娜", person.id_number_masked)
    assert not reveal_logs().exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_finance_exports_the_bank_account_in_full_and_everything_else_masked(client, finance, person, fmt):
    response = export_full(client, finance, "beneficiaries", fmt, fields=["bank_account"], reason="秋季助学金银行代发")
    assert response.status_code == 200
    row = as_dicts(table(response, fmt))[0]
    secrets = _secrets(person)
    assert row["银行账号"] == secrets["银行账号"]
    assert row["身份证号"] == person.id_number_masked
    assert (row["联系电话"], row["监护人电话"]) == (person.phone_masked, "137****1111")
    assert "村(社区)" not in row
    (entry,) = reveal_logs()
    assert entry.user == finance and entry.data["fields"] == ["bank_account"]
    assert entry.data["reason"] == "秋季助学金银行代发" and "银行账号" in entry.label
    if fmt == "csv":
        raw = b"".join(
            export_full(client, finance, "beneficiaries", "csv", fields=["bank_account"]).streaming_content
        ).decode()
        for label in ("身份证号", "联系电话", "监护人电话"):
            assert secrets[label] not in raw


@pytest.mark.parametrize("field", ["id_number", "phone", "guardian_phone", "village"])
def test_finance_cannot_export_an_id_number_a_phone_or_an_address(client, finance, person, field):
    response = export_full(client, finance, "beneficiaries", "csv", fields=[field])
    assert response.status_code == 400
    assert f"您没有完整导出 {field} 的权限。" in response.content.decode()
    for secret in _secrets(person).values():
        assert secret not in response.content.decode()
    assert not reveal_logs().exists()


def test_finance_has_nothing_to_reveal_in_the_disbursements(client, finance, officer, person):
    draft(ProjectFactory(code="XT100"), person, "300.00", user=officer)
    response = export_full(client, finance, "disbursements", "csv")
    assert response.status_code == 403
    assert decrypt(person.id_number_encrypted) not in response.content.decode()
    assert not reveal_logs().exists()


def test_the_approver_may_not_reveal_at_all(client, approver, person):
    assert export_full(client, approver, "beneficiaries", "csv", fields=["bank_account"]).status_code == 403
    assert not reveal_logs().exists()


def test_the_auditor_may_reveal_a_subset(client, auditor, person):
    row = as_dicts(csv_table(export_full(client, auditor, "beneficiaries", "csv", fields=["phone"])))[0]
    assert row["联系电话"] == decrypt(person.phone_encrypted)
    assert row["身份证号"] == person.id_number_masked and row["银行账号"] == person.bank_account_masked
    assert row["监护人电话"] == "137****1111"  # the guardian's phone is a field of its own
    assert reveal_logs().get().data["fields"] == ["phone"]


@pytest.mark.parametrize(
    ("reason", "message"), [("", "请填写导出原因。"), ("   ", "请填写导出原因。"), ("审计", "导出原因至少 4 个字。")]
)
def test_a_revealing_export_needs_a_reason(client, auditor, person, reason, message):
    response = export_full(client, auditor, "beneficiaries", "csv", reason=reason)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert decrypt(person.id_number_encrypted) not in page
    assert not reveal_logs().exists()


def test_a_revealing_export_needs_at_least_one_field(client, auditor, person):
    response = export_full(client, auditor, "beneficiaries", "csv", fields=[])
    assert response.status_code == 400 and "请至少选择一项要完整显示的信息。" in response.content.decode()
    assert not reveal_logs().exists()


def test_the_reveal_form_posts_with_the_csrf_token_and_without_it_is_refused(auditor, person):
    client = Client(enforce_csrf_checks=True)
    client.force_login(auditor)
    page = client.get("/admin/exports/").content.decode()
    form = page[page.index('id="export-beneficiaries-reveal"') :]
    form = form[: form.index("</form>")]
    assert 'method="post"' in form and "导出原因" in form
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    data = {"reason": REASON, "fields_to_reveal": ALL_FIELDS}

    refused = client.post("/admin/exports/beneficiaries.csv", data)
    assert refused.status_code == 403 and not reveal_logs().exists()

    done = client.post("/admin/exports/beneficiaries.csv", {**data, "csrfmiddlewaretoken": token})
    assert as_dicts(csv_table(done))[0]["身份证号"] == decrypt(person.id_number_encrypted)
    entry = reveal_logs().get()
    assert entry.action == EXPORT_REVEAL_ACTION and entry.data["reason"] == REASON


def test_the_page_offers_each_user_only_the_fields_they_may_reveal(client, finance, approver, auditor):
    client.force_login(finance)
    page = client.get("/admin/exports/").content.decode()
    beneficiaries = page[page.index('id="export-beneficiaries"') :]
    assert 'id="export-beneficiaries-reveal"' in beneficiaries
    assert 'value="bank_account"' in beneficiaries
    assert 'value="id_number"' not in beneficiaries and 'value="phone"' not in beneficiaries
    assert 'id="export-disbursements-reveal"' not in page  # 拨付 shows no bank account

    client.force_login(approver)
    assert "-reveal" not in client.get("/admin/exports/").content.decode()

    client.force_login(auditor)
    page = client.get("/admin/exports/").content.decode()
    assert 'id="export-disbursements-reveal"' in page and 'id="export-beneficiaries-reveal"' in page
    assert all(f'value="{field}"' in page for field in ALL_FIELDS)


def test_the_reason_and_fields_read_in_the_history_report(client, auditor, django_user_model, person):
    export_full(client, auditor, "beneficiaries", "xlsx", fields=["id_number", "village"], reason="核对低保名单")
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.org", "pass-1234"))
    report = client.get("/admin/reports/site-history/").content.decode()
    assert "核对低保名单" in report and "身份证号、村(社区)" in report
