"""Staff groups with least privilege (最小权限), created or brought up to date after every ``migrate``.

| group | does | reveals in full (logged) | never |
|---|---|---|---|
| 项目官员 | registers beneficiaries, enrolments; drafts, submits disbursements, batches | all four | approves, pays |
| 审核人 | approves or returns what others submitted (and posts vouchers); reads 民生监察 | nothing | drafts, pays |
| 财务 | pays approved ones, reverses paid ones, records gifts; drafts vouchers | the bank account only | approves |
| 审计 | reads everything | all four | changes anything |
| 编辑 | edits and publishes pages, images and documents | nothing | sees beneficiaries, disbursements or donors |

"Reveals" is one permission per field (``projects.sensitive.REVEAL_SCOPES``: ID number, phones, bank account,
address): the officer who registered the person and the auditor who checks the registry need all four; finance
needs only where the money goes. 审核人 records no gifts either.

A group's permissions are reset to exactly this list each time, so a permission granted by hand to a group is
taken back at the next deploy: give it to a person or change this table.

Vouchers are checked by 审核人, not by a new 财务主管 group: 审核人 is already the group that holds no drafting,
paying or gift-recording permission, so a voucher's maker (财务) and its checker are different groups by
construction; an organisation with a 财务主管 gives that person ``finance.approve_voucher`` directly. Closing a month
(期间结账) follows the same split: 财务 requests (``ledger.close_period``), 审核人 approves and so performs it
(``ledger.approve_period``); the service refuses an approval by the requester whatever permissions they hold.
Large offline gifts (待复核, ``OFFLINE_GIFT_CONFIRMATION_AMOUNT``) are confirmed the same way: 审核人 holds
``donations.confirm_offline_gift``, a 财务主管 may be given it directly, and nobody confirms a gift they recorded.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

from finance.services.documents import PRIVATE_COLLECTION as FINANCE_DOCUMENTS

ADMIN = ["wagtailadmin.access_admin"]
READ_PROJECTS = [
    "projects.view_project",
    "projects.view_beneficiary",
    "projects.view_enrolment",
    "projects.view_publicationconsent",
    "projects.view_disbursement",
    "projects.view_disbursementbatch",
    "projects.view_approval",
    "projects.view_projectclosure",
]
READ_VOUCHERS = ["finance.view_voucher", "finance.view_voucherline", "finance.view_voucherapproval"]
REVEAL_ALL = [
    "projects.reveal_beneficiary_id_number",
    "projects.reveal_beneficiary_phone",  # the person's and the guardian's
    "projects.reveal_beneficiary_bank_account",
    "projects.reveal_beneficiary_address",  # the village (村/社区)
]

GROUP_PERMISSIONS: dict[str, list[str]] = {
    "项目官员": [
        *ADMIN,
        *READ_PROJECTS,
        "projects.add_beneficiary",
        "projects.change_beneficiary",
        *REVEAL_ALL,
        "projects.add_publicationconsent",
        "projects.change_publicationconsent",
        "projects.add_enrolment",
        "projects.change_enrolment",
        "projects.add_disbursement",
        "projects.change_disbursement",
        "projects.submit_disbursement",
        "projects.propose_closure",  # 结项: proposes what happens to the leftover; 审核人 approves
        "projects.add_disbursementbatch",
        "projects.change_disbursementbatch",
        "wagtaildocs.add_document",
        "wagtaildocs.change_document",
        "wagtaildocs.choose_document",
    ],
    "审核人": [
        *ADMIN,
        *READ_PROJECTS,
        "projects.approve_disbursement",
        "projects.approve_closure",  # 审批结项: posts the leftover's transfer or release and closes the project
        "projects.view_audit_checks",
        *READ_VOUCHERS,
        "finance.approve_voucher",  # 审核记账凭证: approves, posts, returns, cancels and reverses vouchers
        "donations.view_donation",  # to see the gift it confirms
        "donations.confirm_offline_gift",  # 复核大额线下捐赠: confirms (posts) or rejects a 待复核 gift
        "ledger.view_period",  # 期间结账: the months and what closing one would post
        "ledger.approve_period",  # approves (performs) or rejects a close or a reopen that 财务 requested
    ],
    "财务": [
        *ADMIN,
        *READ_PROJECTS,
        "projects.pay_disbursement",
        "projects.reverse_disbursement",
        "projects.propose_closure",  # 结项 with its leftover decision (another person approves)
        "projects.reveal_beneficiary_bank_account",  # the account to pay into, nothing else; every reveal is logged
        "donations.add_donation",
        "donations.change_donation",
        "donations.view_donation",
        "donations.add_donor",
        "donations.change_donor",
        "donations.view_donor",
        "donations.view_monthlyplan",
        "donations.view_webhookevent",
        "donations.moderate_donor_name",  # 署名审核: approve or hide a donor's public name on the wall
        "donations.erase_donor_name",  # and erase it when the donor asks (个人信息保护法); logged
        "donations.add_heldword",
        "donations.change_heldword",
        "donations.delete_heldword",
        "donations.view_heldword",
        "ledger.view_transaction",  # the books they keep: the ledger export (导出数据 · 账本)
        "ledger.view_account",  # 账簿: 科目余额表, 明细账, 会计科目 (审计 reads them through every view_*)
        "ledger.add_account",  # 添加明细科目 (5201.01 工资福利 …)
        "ledger.change_account",  # an account's name, only while nothing is posted to it
        "ledger.view_period",  # 期间结账
        "ledger.close_period",  # requests a month's close (结账) or the latest closed month's reopening (反结账)
        *READ_VOUCHERS,
        "finance.add_voucher",  # 制单
        "finance.change_voucher",
        "finance.submit_voucher",
        "finance.view_bankstatement",  # 银行对账: statements, their lines, the 调节表
        "finance.view_bankline",
        "finance.import_bankstatement",  # 导入银行对账单
        "finance.match_bankline",  # 自动匹配, 手工匹配, 取消匹配, 登记为线下捐赠 (with donations.add_donation)
    ],
    "审计": [*ADMIN, *REVEAL_ALL, "projects.view_audit_checks"],  # + every view_* (below)
    "编辑": [
        *ADMIN,
        "wagtailimages.add_image",
        "wagtailimages.change_image",
        "wagtailimages.choose_image",
        "wagtaildocs.add_document",
        "wagtaildocs.change_document",
        "wagtaildocs.choose_document",
    ],
}
AUDITOR_READS = ["projects", "donations", "ledger", "finance"]  # every view_* permission of these apps
PAGE_EDITOR_PERMISSIONS = ["add_page", "change_page", "publish_page"]
DOCUMENT_PERMISSIONS = ["add_document", "change_document", "choose_document"]
IMAGE_PERMISSIONS = ["add_image", "change_image", "choose_image"]
# Supporting documents of disbursements (invoices, bills, sign-off sheets) name beneficiaries: they live in a
# collection only these groups may download (Wagtail's document view enforces it), and the officers who upload
# them may add documents nowhere else. Editors' documents go to a public collection beside it.
PRIVATE_DOCUMENTS = "受助人材料(不公开)"
PUBLIC_DOCUMENTS = "公开文件"
PRIVATE_DOCUMENT_READERS = ["项目官员", "审核人", "财务", "审计"]
# A voucher's documents (invoices, contracts, payroll sheets naming staff) go through the voucher screens into their
# own collection, which officers and editors may not open.
FINANCE_DOCUMENT_READERS = ["审核人", "财务", "审计"]


def _permissions(names: list[str]) -> list[Permission]:
    query = Q(pk__in=[])
    for name in names:
        app_label, codename = name.split(".")
        query |= Q(content_type__app_label=app_label, codename=codename)
    found = list(Permission.objects.filter(query))
    if len(found) != len(set(names)):
        missing = set(names) - {f"{p.content_type.app_label}.{p.codename}" for p in found}
        raise LookupError(f"unknown permissions: {sorted(missing)}")
    return found


def groups_ensure() -> dict[str, Group]:
    """Create the five groups and set their permissions to exactly the table above (idempotent)."""
    groups = {}
    for name, names in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = _permissions(names)
        if name == "审计":
            permissions += list(
                Permission.objects.filter(content_type__app_label__in=AUDITOR_READS, codename__startswith="view_")
            )
        group.permissions.set(permissions)
        groups[name] = group
    _wagtail_object_permissions(groups)
    return groups


def _wagtail_object_permissions(groups: dict[str, Group]) -> None:
    """Pages and collections grant per object: 编辑 edits the whole site tree; documents and images by collection."""
    from wagtail.models import (
        Collection,
        CollectionViewRestriction,
        GroupCollectionPermission,
        GroupPagePermission,
        Page,
    )

    root_page = Page.get_first_root_node()
    if root_page is not None:
        for codename in PAGE_EDITOR_PERMISSIONS:
            GroupPagePermission.objects.get_or_create(
                group=groups["编辑"], page=root_page, permission=Permission.objects.get(codename=codename)
            )
    root_collection = Collection.get_first_root_node()
    if root_collection is None:
        return
    private = _child_collection(root_collection, PRIVATE_DOCUMENTS)
    restriction, _ = CollectionViewRestriction.objects.get_or_create(
        collection=private, defaults={"restriction_type": CollectionViewRestriction.GROUPS}
    )
    restriction.restriction_type = CollectionViewRestriction.GROUPS
    restriction.save()
    restriction.groups.set([groups[name] for name in PRIVATE_DOCUMENT_READERS])
    _restrict(_child_collection(root_collection, FINANCE_DOCUMENTS), [groups[n] for n in FINANCE_DOCUMENT_READERS])
    grants = [
        ("项目官员", private, DOCUMENT_PERMISSIONS),
        ("编辑", _child_collection(root_collection, PUBLIC_DOCUMENTS), DOCUMENT_PERMISSIONS),
        ("编辑", root_collection, IMAGE_PERMISSIONS),
    ]
    for group_name, collection, codenames in grants:
        for codename in codenames:
            GroupCollectionPermission.objects.get_or_create(
                group=groups[group_name], collection=collection, permission=Permission.objects.get(codename=codename)
            )


def _restrict(collection, groups: list[Group]) -> None:
    from wagtail.models import CollectionViewRestriction

    restriction, _ = CollectionViewRestriction.objects.get_or_create(
        collection=collection, defaults={"restriction_type": CollectionViewRestriction.GROUPS}
    )
    restriction.restriction_type = CollectionViewRestriction.GROUPS
    restriction.save()
    restriction.groups.set(groups)


def _child_collection(root, name: str):
    existing = root.get_children().filter(name=name).first()
    return existing or root.add_child(name=name)


def groups_ensure_after_migrate(sender, **kwargs) -> None:
    """post_migrate receiver, run after each app: until every app's permissions exist there is nothing to do."""
    try:
        with transaction.atomic():
            groups_ensure()
    except LookupError:
        return
