"""Disbursements' supporting documents (invoices, bills, sign-off sheets) name beneficiaries: they live in a private
collection that only 项目官员, 审核人, 财务 and 审计 may download, and officers can upload nowhere else."""

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from wagtail.documents import get_document_model
from wagtail.models import Collection
from wagtail.permissions import policy_registry

from charity.groups import PRIVATE_DOCUMENTS, PUBLIC_DOCUMENTS, groups_ensure

pytestmark = pytest.mark.django_db

SECRET = "%PDF-1.4 发票 张卫三 血液透析 2026-11-01".encode()


@pytest.fixture
def invoice(db):
    collection = Collection.objects.get(name=PRIVATE_DOCUMENTS)
    document = get_document_model()(title="透析发票", collection=collection)
    document.file.save("invoice.pdf", ContentFile(SECRET))
    return document


def _download(user, document):
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.get(document.url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, body


def test_the_public_cannot_download_an_invoice(invoice):
    status, body = _download(None, invoice)
    assert status in (302, 403) and SECRET not in body


def test_an_editor_cannot_download_an_invoice(invoice, editor):
    status, body = _download(editor, invoice)
    assert status in (302, 403) and SECRET not in body


@pytest.mark.parametrize("fixture", ["officer", "approver", "finance", "auditor"])
def test_the_disbursement_groups_can(invoice, fixture, request):
    status, body = _download(request.getfixturevalue(fixture), invoice)
    assert status == 200 and body == SECRET


def test_officers_upload_only_into_the_private_collection_and_editors_never_into_it(officer, editor):
    private = Collection.objects.get(name=PRIVATE_DOCUMENTS)
    public = Collection.objects.get(name=PUBLIC_DOCUMENTS)
    permission_policy = policy_registry.get_by_type(get_document_model())
    officer_may_add = set(permission_policy.collections_user_has_permission_for(officer, "add"))
    editor_may_add = set(permission_policy.collections_user_has_permission_for(editor, "add"))
    assert officer_may_add == {private}
    assert private not in editor_may_add and public in editor_may_add


def test_ensuring_the_groups_again_keeps_one_private_collection_and_one_restriction():
    groups_ensure()
    groups_ensure()
    private = Collection.objects.filter(name=PRIVATE_DOCUMENTS)
    assert private.count() == 1
    assert private.get().view_restrictions.count() == 1
