"""Reads from the ledger: balances, fund figures, entries, proofs and tree heads."""

from .balances import FundFigures, account_balance, fund_figures, fund_figures_many, fund_has_entries
from .browse import PublicEntry, account_funds, public_entries, transactions_filtered
from .log import (
    InclusionCheck,
    consistency_proof,
    entries,
    inclusion_check,
    inclusion_proof,
    latest_tree_head,
    leaf_index_for_hash,
    published_tree_head_for_size,
    root_for_size,
)

__all__ = [
    "FundFigures",
    "InclusionCheck",
    "PublicEntry",
    "public_entries",
    "transactions_filtered",
    "account_balance",
    "account_funds",
    "consistency_proof",
    "entries",
    "fund_figures",
    "fund_figures_many",
    "fund_has_entries",
    "inclusion_check",
    "inclusion_proof",
    "latest_tree_head",
    "leaf_index_for_hash",
    "published_tree_head_for_size",
    "root_for_size",
]
