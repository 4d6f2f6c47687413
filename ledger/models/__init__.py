"""The ledger's tables. Transactions, legs, Merkle nodes and tree heads are append-only."""

from .accounts import Account, AccountDay, AccountIdentityError, AccountType, Side, StatementLine
from .log import MerkleNode, TreeHead
from .periods import Period, PeriodAction, PeriodStatus
from .transactions import LedgerImmutableError, Leg, Transaction, TransactionKind

__all__ = [
    "Account",
    "AccountDay",
    "AccountIdentityError",
    "AccountType",
    "LedgerImmutableError",
    "Leg",
    "MerkleNode",
    "Period",
    "PeriodAction",
    "PeriodStatus",
    "Side",
    "StatementLine",
    "Transaction",
    "TransactionKind",
    "TreeHead",
]
