"""RFC 9162 §2.1 Merkle tree hashing, proofs and their verification, for the public ledger log.

Pure Python on top of :mod:`hashlib`, with no Django import, so that the standalone verifier
(``python -m ledger.verifier``) can use exactly the code the server uses.

Terms (RFC 9162 §2.1.1): ``MTH(D[n])`` is the Merkle Tree Hash of the list ``D[n]``; a leaf hash is
``SHA-256(0x00 ‖ d)`` and an interior node ``SHA-256(0x01 ‖ left ‖ right)``, the two prefixes keeping a
leaf from ever being mistaken for a node (second-preimage resistance).

Storage model: the database keeps the hash of every *complete aligned subtree*. Node ``(level, index)``
covers leaves ``[index·2^level, (index+1)·2^level)``; level 0 nodes are the leaf hashes. Every range that
the RFC's recursive definitions ask for is a few such nodes, so any proof takes O(log n) stored hashes
and never a rebuild of the tree.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable, Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT: bytes = hashlib.sha256(b"").digest()
"""MTH({}) = SHA-256() — the root of the empty tree (RFC 9162 §2.1.1)."""

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"

Node = tuple[int, int]
"""A stored subtree as ``(level, index)``."""

Lookup = Callable[[int, int], bytes]
"""Returns the stored hash of node ``(level, index)``."""


class ProofError(ValueError):
    """A proof is malformed (wrong length, bad hash size, index out of range) or does not verify."""


# -- hashing (RFC 9162 §2.1.1) ------------------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 ‖ d)."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n]))."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (``n`` ≥ 2): the RFC's ``k``."""
    return 1 << ((n - 1).bit_length() - 1)


def _largest_power_of_two_in(n: int) -> int:
    """The largest power of two not above ``n`` (``n`` ≥ 1)."""
    return 1 << (n.bit_length() - 1)


def _fold(hashes: Sequence[bytes]) -> bytes:
    """Right-to-left fold of complete subtree roots, largest first, into their MTH."""
    root = hashes[-1]
    for left in reversed(hashes[:-1]):
        root = node_hash(left, root)
    return root


class TreeBuilder:
    """Streams leaf hashes into a compact range: a stack of complete subtree roots, largest first.

    Holds at most log2(n)+1 hashes however many leaves are appended, so a verifier can recompute
    the root of a million-entry log without keeping the entries.
    """

    def __init__(self) -> None:
        self._stack: list[bytes] = []
        self._size = 0

    @property
    def size(self) -> int:
        return self._size

    def append(self, leaf: bytes) -> None:
        """Add the next leaf hash, merging every subtree it completes."""
        if len(leaf) != HASH_SIZE:
            raise ValueError(f"leaf hash must be {HASH_SIZE} bytes, got {len(leaf)}")
        merged, n = leaf, self._size
        while n & 1:
            merged = node_hash(self._stack.pop(), merged)
            n >>= 1
        self._stack.append(merged)
        self._size += 1

    def root(self) -> bytes:
        """MTH of every leaf appended so far."""
        return _fold(self._stack) if self._stack else EMPTY_ROOT


def root_from_leaf_hashes(hashes: Iterable[bytes]) -> bytes:
    """MTH(D[n]) over already-hashed leaves, in O(n) time and O(log n) memory."""
    builder = TreeBuilder()
    for leaf in hashes:
        builder.append(leaf)
    return builder.root()


# -- storage helpers: which complete aligned subtrees answer a range ------------------------------


def completed_nodes(leaf_index: int) -> list[Node]:
    """Nodes of level ≥ 1 that become complete when leaf ``leaf_index`` is appended, lowest first."""
    if leaf_index < 0:
        raise ValueError("leaf_index must be ≥ 0")
    size, level, nodes = leaf_index + 1, 1, []
    while size % (1 << level) == 0:
        nodes.append((level, leaf_index >> level))
        level += 1
    return nodes


def aligned_nodes(start: int, end: int) -> list[Node]:
    """Split ``[start, end)`` the way RFC 9162 §2.1.1 splits it, into complete aligned subtrees.

    Left to right, largest first. The range must start at a multiple of the largest power of two not
    above its length — true of every range the RFC's MTH, PATH and PROOF recursions reach from
    ``[0, n)`` — otherwise its MTH is not a fold of stored subtrees and ValueError is raised.
    """
    if start < 0 or end <= start:
        raise ValueError(f"empty or negative range [{start}, {end})")
    if start % _largest_power_of_two_in(end - start):
        raise ValueError(f"[{start}, {end}) is not a range of the RFC 9162 tree")
    nodes: list[Node] = []
    while start < end:
        size = _largest_power_of_two_in(end - start)
        nodes.append((size.bit_length() - 1, start // size))
        start += size
    return nodes


def range_hash(start: int, end: int, lookup: Lookup) -> bytes:
    """MTH(D[start:end]) from stored subtree hashes."""
    return _fold([lookup(level, index) for level, index in aligned_nodes(start, end)])


def inclusion_path_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Leaf ranges whose MTHs form PATH(index, D[0:size]) (RFC 9162 §2.1.3.1), bottom-up."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is not in a tree of size {size}")
    ranges, start, end = [], 0, size
    while end - start > 1:
        mid = start + _split(end - start)
        if index < mid:
            ranges.append((mid, end))
            end = mid
        else:
            ranges.append((start, mid))
            start = mid
    ranges.reverse()
    return ranges


def consistency_path_ranges(first: int, second: int) -> list[tuple[int, int]]:
    """Leaf ranges whose MTHs form PROOF(first, D[0:second]) (RFC 9162 §2.1.4.1), in proof order.

    ``[]`` when ``first`` is 0 or equals ``second``: there is nothing to prove.
    """
    if first < 0 or first > second:
        raise ValueError(f"no consistency proof from size {first} to size {second}")
    if first in (0, second):
        return []
    ranges, start, end, whole = [], 0, second, True  # ``whole`` is the RFC's flag b
    while end != first:
        mid = start + _split(end - start)
        if first <= mid:
            ranges.append((mid, end))
            end = mid
        else:
            ranges.append((start, mid))
            start, whole = mid, False
    if not whole:
        ranges.append((start, end))
    ranges.reverse()
    return ranges


def nodes_for_ranges(ranges: Iterable[tuple[int, int]]) -> set[Node]:
    """Every stored node needed to hash ``ranges``: fetch them in one query, then use a dict lookup."""
    return {node for start, end in ranges for node in aligned_nodes(start, end)}


def inclusion_proof(index: int, size: int, lookup: Lookup) -> list[bytes]:
    """The audit path for leaf ``index`` in the tree of ``size`` leaves."""
    return [range_hash(start, end, lookup) for start, end in inclusion_path_ranges(index, size)]


def consistency_proof(first: int, second: int, lookup: Lookup) -> list[bytes]:
    """The consistency proof from the tree of ``first`` leaves to the tree of ``second`` leaves."""
    return [range_hash(start, end, lookup) for start, end in consistency_path_ranges(first, second)]


# -- verification (RFC 9162 §2.1.3.2 and §2.1.4.2) ------------------------------------------------


def _check_hashes(what: str, hashes: Iterable[bytes]) -> None:
    for value in hashes:
        if len(value) != HASH_SIZE:
            raise ProofError(f"{what}: hash of {len(value)} bytes, expected {HASH_SIZE}")


def _shift_until_odd_or_zero(fn: int, sn: int) -> tuple[int, int]:
    while not fn & 1 and fn != 0:
        fn, sn = fn >> 1, sn >> 1
    return fn, sn


def root_from_inclusion_proof(leaf: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` leads to from ``leaf`` at ``index`` (RFC 9162 §2.1.3.2, steps 1–4)."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is not in a tree of size {size}")
    _check_hashes("inclusion proof", [leaf, *proof])
    expected = len(inclusion_path_ranges(index, size))
    if len(proof) != expected:
        raise ProofError(f"inclusion proof has {len(proof)} hashes, expected {expected}")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is longer than the tree is high")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            fn, sn = _shift_until_odd_or_zero(fn, sn)
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("inclusion proof is shorter than the tree is high")
    return r


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Raise ProofError unless ``proof`` shows ``leaf`` at ``index`` in the tree with ``root``."""
    _check_hashes("root", [root])
    if root_from_inclusion_proof(leaf, index, size, proof) != root:
        raise ProofError(f"inclusion proof for leaf {index} does not lead to the root of size {size}")


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]) -> None:
    """Raise ProofError unless ``proof`` shows tree ``first`` is a prefix of tree ``second`` (§2.1.4.2)."""
    _check_hashes("consistency proof", [first_root, second_root, *proof])
    if first < 0 or first > second:
        raise ProofError(f"no consistency proof from size {first} to size {second}")
    expected = len(consistency_path_ranges(first, second))
    if len(proof) != expected:
        raise ProofError(f"consistency proof has {len(proof)} hashes, expected {expected}")
    if first == second:
        if first_root != second_root:
            raise ProofError(f"two different roots for the same tree size {first}")
        return
    if first == 0:
        if first_root != EMPTY_ROOT:
            raise ProofError("the root of the empty tree must be SHA-256 of nothing")
        return
    _verify_consistency_path(first, second, first_root, second_root, list(proof))


def _verify_consistency_path(first: int, second: int, first_root: bytes, second_root: bytes, path: list[bytes]) -> None:
    """RFC 9162 §2.1.4.2 steps 2–7, for 0 < first < second and a path of the right length."""
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is longer than the tree is high")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            fn, sn = _shift_until_odd_or_zero(fn, sn)
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("consistency proof is shorter than the tree is high")
    if fr != first_root:
        raise ProofError(f"consistency proof does not lead to the root of size {first}")
    if sr != second_root:
        raise ProofError(f"consistency proof does not lead to the root of size {second}")


# -- signed tree heads (RFC 6962 §3.5) ------------------------------------------------------------

_TREE_HEAD = struct.Struct(">BBQQ")
_V1, _TREE_HASH = 0, 1


def tree_head_signature_input(timestamp_ms: int, tree_size: int, root: bytes) -> bytes:
    """The 50 bytes a tree head signature covers: the RFC 6962 §3.5 ``TreeHeadSignature`` struct.

    ``version`` v1 (0) and ``signature_type`` tree_hash (1), one byte each; ``timestamp`` (ms since the
    epoch) and ``tree_size`` as big-endian uint64; then the 32-byte root hash.
    """
    if len(root) != HASH_SIZE:
        raise ValueError(f"root hash must be {HASH_SIZE} bytes, got {len(root)}")
    try:
        return _TREE_HEAD.pack(_V1, _TREE_HASH, timestamp_ms, tree_size) + root
    except struct.error as exc:
        raise ValueError(f"timestamp and tree size must fit in uint64: {exc}") from exc


# -- commitments inside records ------------------------------------------------------------------------------

DONOR_COMMITMENT_PREFIX = b"charity-ledger/donor-name/v1\x00"
"""Domain separation: a donor-name commitment can never equal a leaf, a node or another kind of hash."""
SALT_SIZE = 16


def donor_commitment(name: str, salt: bytes) -> str:
    """``details.donor_commitment`` of a gift's record: SHA-256(prefix ‖ salt ‖ UTF-8 name), in hex, in groups of
    eight separated by "-" (as pseudonyms are grouped: an unbroken hex string can hold a run of 11+ digits, which
    the ledger's privacy guard would take for a phone or card number).

    It binds the record to the donor's public name without publishing it. Whoever holds the name and the salt
    (the donor, from their receipt) can show the record commits to that name; once the salt is erased, the name
    cannot be recovered or tested by guessing, and the leaf still verifies. Here, beside the Merkle code, so
    the two-file standalone verifier checks names with exactly the server's function."""
    if len(salt) < SALT_SIZE:
        raise ValueError(f"the salt must be at least {SALT_SIZE} bytes")
    digest = hashlib.sha256(DONOR_COMMITMENT_PREFIX + salt + name.encode("utf-8")).hexdigest()
    return "-".join([digest[i : i + 8] for i in range(0, 64, 8)])
