"""Writes to the ledger. Every other app posts through ``transaction_post`` / ``transactions_post_bulk``."""

from .posting import LegSpec, PostingError, PostingRequest, transaction_post, transactions_post_bulk
from .reversal import transaction_reverse
from .tree_heads import tree_head_publish

__all__ = [
    "LegSpec",
    "PostingError",
    "PostingRequest",
    "transaction_post",
    "transaction_reverse",
    "transactions_post_bulk",
    "tree_head_publish",
]
