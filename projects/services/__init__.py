"""Writes for projects: fund accounts, the beneficiary registry, enrolments, disbursements and batches.

Entry points (admin views, commands, the demo) call these; each runs in one database transaction and raises a
domain error with a Chinese message (``DisbursementError``, ``ValidationError`` by field, ``PermissionDenied``).
"""

from .batches import (
    batch_approve,
    batch_cancel,
    batch_create,
    batch_pay,
    batch_remove_item,
    batch_return,
    batch_submit,
    batch_total,
)
from .beneficiaries import (
    REVEAL_ACTION,
    REVEALABLE,
    BeneficiaryData,
    beneficiary_errors,
    beneficiary_register,
    beneficiary_reveal,
    beneficiary_revealable,
    beneficiary_update,
    beneficiary_with_id_number,
    consent_record,
    consent_withdraw,
    enrolment_create,
    enrolment_end,
    enrolment_errors,
)
from .disbursements import (
    DisbursementDraft,
    disbursement_approve,
    disbursement_cancel,
    disbursement_create,
    disbursement_errors,
    disbursement_pay,
    disbursement_return,
    disbursement_reverse,
    disbursement_submit,
    disbursement_update_draft,
)
from .funds import project_fund_accounts, project_lock
from .rules import DisbursementError

__all__ = [
    "REVEALABLE",
    "REVEAL_ACTION",
    "BeneficiaryData",
    "DisbursementDraft",
    "DisbursementError",
    "batch_approve",
    "batch_cancel",
    "batch_create",
    "batch_pay",
    "batch_remove_item",
    "batch_return",
    "batch_submit",
    "batch_total",
    "beneficiary_errors",
    "beneficiary_register",
    "beneficiary_reveal",
    "beneficiary_revealable",
    "beneficiary_update",
    "beneficiary_with_id_number",
    "consent_record",
    "consent_withdraw",
    "disbursement_approve",
    "disbursement_cancel",
    "disbursement_create",
    "disbursement_errors",
    "disbursement_pay",
    "disbursement_return",
    "disbursement_reverse",
    "disbursement_submit",
    "disbursement_update_draft",
    "enrolment_create",
    "enrolment_end",
    "enrolment_errors",
    "project_fund_accounts",
    "project_lock",
]
