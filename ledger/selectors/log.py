"""Reads of the public log: entries, proofs from stored subtree hashes, and tree heads."""

from __future__ import annotations

from dataclasses import dataclass

from ledger import merkle
from ledger.models import MerkleNode, Transaction, TreeHead
from ledger.services.log_state import fetch_nodes


def latest_tree_head() -> TreeHead | None:
    return TreeHead.objects.order_by("-tree_size", "-timestamp_ms").first()


def published_tree_head_for_size(size: int) -> TreeHead | None:
    return TreeHead.objects.filter(tree_size=size).order_by("-timestamp_ms").first()


def _lookup_for(ranges: list[tuple[int, int]]):
    nodes = fetch_nodes(merkle.nodes_for_ranges(ranges))
    return lambda level, index: nodes[(level, index)]


def root_for_size(size: int) -> bytes:
    if size == 0:
        return merkle.EMPTY_ROOT
    ranges = [(0, size)]
    return merkle.range_hash(0, size, _lookup_for(ranges))


def inclusion_proof(leaf_index: int, tree_size: int) -> list[bytes]:
    """The audit path for a leaf in the tree of ``tree_size`` leaves: O(log n) nodes, one query."""
    ranges = merkle.inclusion_path_ranges(leaf_index, tree_size)
    lookup = _lookup_for(ranges)
    return [merkle.range_hash(start, end, lookup) for start, end in ranges]


def consistency_proof(first: int, second: int) -> list[bytes]:
    ranges = merkle.consistency_path_ranges(first, second)
    lookup = _lookup_for(ranges)
    return [merkle.range_hash(start, end, lookup) for start, end in ranges]


def leaf_index_for_hash(leaf_hash: bytes) -> int | None:
    return MerkleNode.objects.filter(level=0, hash=leaf_hash).values_list("index", flat=True).first()


def entries(start: int, end: int) -> list[tuple[int, str]]:
    """(leaf index, record text) for leaves start..end inclusive."""
    return list(
        Transaction.objects.filter(sequence__gte=start, sequence__lte=end)
        .order_by("sequence")
        .values_list("sequence", "record")
    )


@dataclass(frozen=True)
class InclusionCheck:
    """A leaf's inclusion proof in the latest signed tree head, checked here as any verifier would check it."""

    leaf_index: int
    leaf_hash: bytes
    tree_head: TreeHead | None  # None: no published tree head includes the leaf yet
    proof: list[bytes]
    verified: bool


def inclusion_check(leaf_index: int) -> InclusionCheck:
    leaf = MerkleNode.objects.get(level=0, index=leaf_index).hash
    head = latest_tree_head()
    if head is None or head.tree_size <= leaf_index:
        return InclusionCheck(leaf_index, bytes(leaf), None, [], False)
    proof = inclusion_proof(leaf_index, head.tree_size)
    try:
        merkle.verify_inclusion(bytes(leaf), leaf_index, head.tree_size, proof, bytes(head.root_hash))
        verified = True
    except merkle.ProofError:
        verified = False
    return InclusionCheck(leaf_index, bytes(leaf), head, proof, verified)
