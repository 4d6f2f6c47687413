"""How disbursements reach the ledger.

| event | debit | credit |
|---|---|---|
| paid by bank / in cash | 业务活动成本 of the project's fund (5101.<code>) | 1002 银行存款 / 1001 库存现金 |
| goods given out | 业务活动成本 of the project's fund | 1201 库存物资 |
| reversal | the opposite legs, through ``transaction_reverse`` | |

The source is ``disbursement:<public id>``, so paying twice posts once. The public record carries only what
``projects.disclosure`` allows, and ``check_public_details`` refuses anything that still looks personal.
"""

from __future__ import annotations

from datetime import datetime

from ledger.chart import BANK, CASH, INVENTORY, expense_code
from ledger.models import Account, Transaction, TransactionKind
from ledger.privacy import check_public_details
from ledger.services import LegSpec, PostingRequest, transaction_reverse
from projects.disclosure import is_medical_aid, public_name, public_region, public_tag
from projects.models import Disbursement, PaymentMethod, Project

from .funds import project_fund_accounts

CREDIT_ACCOUNT = {PaymentMethod.BANK: BANK, PaymentMethod.CASH: CASH, PaymentMethod.IN_KIND: INVENTORY}


def accounts_ensure(project: Project) -> None:
    """The accounts a payment posts to, created on first use: one counting query when they exist (the common case),
    instead of a get_or_create per account of the chart."""
    needed = {expense_code(project.code), *CREDIT_ACCOUNT.values()}
    if Account.objects.filter(code__in=needed).count() < len(needed):
        project_fund_accounts(project=project)


def public_record(disbursement: Disbursement) -> dict:
    """Medical aid (``projects.disclosure.is_medical_aid``) is published with its 区县 only and without its payee."""
    beneficiary = disbursement.beneficiary
    medical = is_medical_aid(disbursement)
    record = {
        "fund": disbursement.project.code,
        "beneficiary": public_name(beneficiary, disbursement.disbursed_on),
        "tag": public_tag(beneficiary),
        "category": beneficiary.category,
        "region": public_region(beneficiary, medical=medical),
        "purpose": disbursement.purpose,
        "method": disbursement.method,
    }
    if not medical:
        record["payee"] = disbursement.payee
    check_public_details(record)
    return record


def disbursement_posting(disbursement: Disbursement, *, at: datetime) -> PostingRequest:
    return PostingRequest(
        kind=TransactionKind.DISBURSEMENT,
        occurred_at=at,
        legs=[
            LegSpec(expense_code(disbursement.project.code), "D", disbursement.amount, disbursement.currency),
            LegSpec(CREDIT_ACCOUNT[disbursement.method], "C", disbursement.amount, disbursement.currency),
        ],
        source=f"disbursement:{disbursement.public_id}",
        memo=f"拨付 {disbursement.project.code} {disbursement.beneficiary.masked_name}",
        public_record=public_record(disbursement),
    )


def disbursement_reversal(disbursement: Disbursement, *, at: datetime, reason: str) -> Transaction:
    return transaction_reverse(
        original=disbursement.transaction,
        occurred_at=at,
        source=f"disbursement:{disbursement.public_id}:reversal",
        memo=reason,
    )
