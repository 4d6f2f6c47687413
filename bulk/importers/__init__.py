"""The kinds of record a spreadsheet can bring in, by the name the admin URL and ``import_records`` use."""

from __future__ import annotations

from ..engine import Importer
from .bank_statements import BankStatementImporter
from .beneficiaries import BeneficiaryImporter
from .donors import DonorImporter
from .enrolments import EnrolmentImporter
from .gifts import GiftImporter
from .receipts import ReceiptImporter

IMPORTERS: dict[str, type[Importer]] = {
    cls.kind: cls
    for cls in (
        GiftImporter,
        DonorImporter,
        BeneficiaryImporter,
        EnrolmentImporter,
        ReceiptImporter,
        BankStatementImporter,
    )
}


def importer_for(kind: str) -> type[Importer]:
    try:
        return IMPORTERS[kind]
    except KeyError:
        raise LookupError(f"未知的导入类型「{kind}」,可选:{'、'.join(IMPORTERS)}。") from None
