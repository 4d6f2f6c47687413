"""Documents behind a voucher (发票、合同、工资表): Wagtail documents in a collection only finance, the approvers and
the auditors may download (``charity.groups`` sets its view restriction). Payroll sheets name people: they are kept
here, never in the voucher's public record."""

from __future__ import annotations

from django.db import transaction
from wagtail.documents import get_document_model
from wagtail.models import Collection

from finance.models import Voucher, VoucherStatus

from .drafts import VoucherError, require_permission

PRIVATE_COLLECTION = "财务凭证附件(不公开)"


def private_collection() -> Collection:
    root = Collection.get_first_root_node()
    existing = root.get_children().filter(name=PRIVATE_COLLECTION).first()
    return existing or root.add_child(name=PRIVATE_COLLECTION)


@transaction.atomic
def voucher_attach_document(*, voucher: Voucher, user, file, title: str = ""):
    """附件: upload ``file`` into the private collection and attach it to a draft or submitted voucher."""
    require_permission(user, "change_voucher", "上传凭证附件")
    if voucher.status not in (VoucherStatus.DRAFT, VoucherStatus.SUBMITTED):
        raise VoucherError("已过账或已作废的凭证不能再添加附件。")
    document = get_document_model()(
        title=(title or file.name)[:255], file=file, collection=private_collection(), uploaded_by_user=user
    )
    document.full_clean(exclude=["file_hash", "file_size"])
    document.save()
    voucher.documents.add(document)
    return document
