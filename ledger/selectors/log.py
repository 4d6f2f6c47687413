"""Reads of the public log: entries, proofs from stored subtree hashes, and tree heads."""

from __future__ import annotations

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
