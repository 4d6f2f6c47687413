"""记账凭证 in the admin, as each group: 财务 drafts (from a template) and submits, 审核人 posts, 审计 reads, the others
see nothing; refusals show in Chinese."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from finance.models import Voucher
from finance.services import voucher_submit
from ledger.models import Account
from ledger.services.accounts import subaccount_create

pytestmark = pytest.mark.django_db


def lines_post(*rows, summary="支付12月房租", day="2026-12-01"):
    data = {
        "voucher_date": day,
        "summary": summary,
        "notes": "",
        "lines-TOTAL_FORMS": str(len(rows) + 1),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for i, (account, side, amount) in enumerate(rows):
        data |= {f"lines-{i}-account": account, f"lines-{i}-side": side, f"lines-{i}-amount": amount}
        data |= {f"lines-{i}-summary": "房租", f"lines-{i}-fund_code": ""}
    blank = len(rows)
    data |= {f"lines-{blank}-account": "", f"lines-{blank}-side": "", f"lines-{blank}-amount": ""}
    data |= {f"lines-{blank}-summary": "", f"lines-{blank}-fund_code": ""}
    return data


def test_the_whole_cycle_in_the_admin(client, chart, finance, approver, auditor):
    client.force_login(finance)
    form = client.get(reverse("finance_voucher_new") + "?template=rent")
    assert (
        form.status_code == 200 and "支付办公场所房租" in form.content.decode() and "借方合计" in form.content.decode()
    )

    data = lines_post(("5201", "D", "3000.00"), ("1002", "C", "3000.00"))
    data["attachment"] = SimpleUploadedFile("租赁合同.pdf", b"%PDF-1.4", content_type="application/pdf")
    response = client.post(reverse("finance_voucher_new") + "?template=rent", data)
    voucher = Voucher.objects.get()
    assert response.status_code == 302 and voucher.documents.get().collection.name == "财务凭证附件(不公开)"
    record = client.get(reverse("finance_voucher", args=[voucher.pk])).content.decode()
    assert "提交审核" in record and "审核通过并过账" not in record

    client.post(reverse("finance_voucher_action", args=[voucher.pk, "submit"]))
    refused = client.post(reverse("finance_voucher_action", args=[voucher.pk, "approve"]))
    assert refused.status_code == 403

    client.force_login(approver)
    client.post(reverse("finance_voucher_action", args=[voucher.pk, "approve"]))
    voucher.refresh_from_db()
    assert voucher.status == "posted" and voucher.number == "记-2026-12-0001"
    record = client.get(reverse("finance_voucher", args=[voucher.pk])).content.decode()
    assert f"来源 voucher:{voucher.public_id}" in record and "冲正" in record

    client.post(reverse("finance_voucher_action", args=[voucher.pk, "reverse"]), {"reason": "重复入账"})
    voucher.refresh_from_db()
    assert voucher.status == "reversed"

    client.force_login(auditor)
    listing = client.get(reverse("finance_vouchers")).content.decode()
    assert "记-2026-12-0001" in listing and "记-2026-12-0002" in listing and "新建凭证" not in listing
    assert (
        client.post(reverse("finance_voucher_action", args=[voucher.pk, "reverse"]), {"reason": "x"}).status_code == 403
    )
    assert client.get(reverse("finance_voucher_new")).status_code == 403


def test_an_unbalanced_or_personal_draft_is_shown_as_a_chinese_form_error(client, chart, finance):
    client.force_login(finance)

    unbalanced = client.post(reverse("finance_voucher_new"), lines_post(("5201", "D", "10.00"), ("1002", "C", "9.00")))
    personal = client.post(
        reverse("finance_voucher_new"),
        lines_post(("5201", "D", "10.00"), ("1002", "C", "10.00"), summary="工资 卡号6222021234567890123"),
    )

    assert "借贷不平衡:借方合计 ¥10.00,贷方合计 ¥9.00" in unbalanced.content.decode()
    assert "疑似包含银行卡号" in personal.content.decode()
    assert not Voucher.objects.exists()


def test_a_refused_step_is_a_chinese_message(client, make_voucher, finance):
    voucher = voucher_submit(voucher=make_voucher(), user=finance)
    finance.user_permissions.add(Permission.objects.get(codename="approve_voucher"))
    client.force_login(finance)

    response = client.post(reverse("finance_voucher_action", args=[voucher.pk, "approve"]), follow=True)

    assert "审核通过并过账未完成:制单人和提交人不能审核自己的凭证" in response.content.decode()


@pytest.mark.parametrize("group", ["officer", "editor"])
def test_groups_outside_finance_see_no_vouchers(client, chart, group, request):
    client.force_login(request.getfixturevalue(group))

    assert client.get(reverse("finance_vouchers")).status_code == 403
    assert "记账凭证" not in client.get(reverse("wagtailadmin_home")).content.decode()


def test_voucher_attachments_are_readable_by_finance_approvers_and_auditors_only(db):
    from wagtail.models import CollectionViewRestriction

    restriction = CollectionViewRestriction.objects.get(collection__name="财务凭证附件(不公开)")

    assert restriction.restriction_type == "groups"
    assert sorted(g.name for g in restriction.groups.all()) == sorted(["审核人", "财务", "审计"])


def test_each_step_is_audit_logged_with_its_reason_a_refused_one_not(client, make_voucher, finance, approver):
    voucher = make_voucher()
    client.force_login(finance)
    client.post(reverse("finance_voucher_action", args=[voucher.pk, "submit"]))
    client.post(reverse("finance_voucher_action", args=[voucher.pk, "approve"]))  # the maker: refused, not logged
    client.force_login(approver)
    client.post(reverse("finance_voucher_action", args=[voucher.pk, "return"]), {"reason": "附件不全"})

    entries = ModelLogEntry.objects.for_instance(voucher).order_by("timestamp", "pk")
    steps = [(e.action, e.user_id, e.data.get("status"), e.data.get("reason")) for e in entries]
    assert steps == [
        ("finance.voucher.submit", finance.pk, "submitted", None),
        ("finance.voucher.return", approver.pk, "draft", "附件不全"),
    ]
    history = client.get(reverse("wagtailadmin_reports:site_history")).content.decode()
    assert "凭证退回修改:附件不全" in history


def test_the_draft_form_shows_todays_date_in_the_form_a_date_input_reads(client, chart, finance):
    """<input type="date"> takes only YYYY-MM-DD: a localized 2026/12/06 left it empty and saving said 必需字段."""
    client.force_login(finance)
    html = client.get(reverse("finance_voucher_new")).content.decode()
    assert f'value="{timezone.localdate():%Y-%m-%d}"' in html


def test_a_template_line_goes_to_the_named_sub_account_once_staff_split_the_account(client, chart, finance):
    client.force_login(finance)
    management = Account.objects.get(code="5201")
    subaccount_create(parent=management, suffix="01", name="工资福利")
    subaccount_create(parent=management, suffix="03", name="房租")

    def prefilled(template: str) -> str:
        html = client.get(reverse("finance_voucher_new") + f"?template={template}").content.decode()
        select = html.split('name="lines-0-account"', 1)[1].split("</select>", 1)[0]
        chosen = [part.split('"', 1)[0] for part in select.split('value="')[1:] if '" selected' in part]
        return chosen[0] if chosen else ""

    assert prefilled("rent") == "5201.03"
    assert prefilled("salary") == "5201.01"
    assert prefilled("depreciation") == ""  # no 折旧 sub-account yet: the maker chooses, not a refused 5201
    assert prefilled("dues") == "1002"  # an account without sub-accounts stays as the template names it
