"""The writer's view of the Merkle log: the next sequence number and the compact range (frontier)."""

from __future__ import annotations

from django.db import connection
from django.db.models import Max

from ledger import merkle
from ledger.models import MerkleNode, Transaction


def next_sequence() -> int:
    """The next leaf index. Only correct under the writer lock (see posting.acquire_writer_lock)."""
    last = Transaction.objects.aggregate(last=Max("sequence"))["last"]
    return 0 if last is None else last + 1


class Frontier:
    """The roots of the complete subtrees covering leaves [0, size): at most log2(size)+1 nodes.

    Appending a leaf merges equal-sized neighbours; each merge is a newly complete subtree to store.
    """

    def __init__(self, size: int, stack: list[tuple[int, int, bytes]]):
        self.size = size
        self.stack = stack  # (level, index, hash), levels strictly decreasing

    @classmethod
    def load(cls, size: int) -> Frontier:
        wanted = merkle.aligned_nodes(0, size) if size else []
        found = fetch_nodes(set(wanted))
        return cls(size, [(level, index, found[(level, index)]) for level, index in wanted])

    def append(self, leaf_hash: bytes) -> list[MerkleNode]:
        rows: list[tuple[int, int, bytes]] = []
        self.push(leaf_hash, rows)
        return [MerkleNode(level=level, index=index, hash=digest) for level, index, digest in rows]

    def push(self, leaf_hash: bytes, rows: list[tuple[int, int, bytes]]) -> None:
        """``append`` for bulk posting: adds the new nodes to ``rows`` as (level, index, hash) tuples."""
        stack, size = self.stack, self.size
        node = (0, size, leaf_hash)
        rows.append(node)
        while stack and stack[-1][0] == node[0]:  # merge equal-sized neighbours, as append always did
            left = stack.pop()
            node = (left[0] + 1, left[1] // 2, merkle.node_hash(left[2], node[2]))
            rows.append(node)
        stack.append(node)
        self.size = size + 1

    def root(self) -> bytes:
        if not self.stack:
            return merkle.EMPTY_ROOT
        digest = self.stack[-1][2]
        for _level, _index, left in reversed(self.stack[:-1]):
            digest = merkle.node_hash(left, digest)
        return digest


def fetch_nodes(wanted: set[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """The stored hashes of the given (level, index) nodes, in one query. Missing nodes are an error.

    Plain SQL rather than an OR of ORM ``Q`` objects: building and compiling that queryset cost more
    than running it (every proof and every posting calls this), see docs/BENCHMARKS.md."""
    if not wanted:
        return {}
    by_level: dict[int, list[int]] = {}
    for level, index in wanted:
        by_level.setdefault(level, []).append(index)
    qn = connection.ops.quote_name
    clauses, params = [], []
    for level, indexes in sorted(by_level.items()):
        clauses.append(f"({qn('level')} = %s AND {qn('index')} IN ({', '.join(['%s'] * len(indexes))}))")
        params += [level, *indexes]
    sql = (
        f"SELECT {qn('level')}, {qn('index')}, {qn('hash')} FROM {qn(MerkleNode._meta.db_table)} "  # noqa: S608
        f"WHERE {' OR '.join(clauses)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found = {(level, index): bytes(digest) for level, index, digest in rows}
    missing = wanted - found.keys()
    if missing:
        raise LookupError(f"Merkle nodes missing from storage: {sorted(missing)[:5]}")
    return found
