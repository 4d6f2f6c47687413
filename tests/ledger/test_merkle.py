"""ledger.merkle against the RFC 6962 test vectors and a naive reference written from RFC 9162 §2.1."""

import hashlib
import math
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import merkle

# The leaves of CT's merkle_tree_test and transparency-dev/merkle proof/verify_test.go.
LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    bytes.fromhex("5051525354555657"),
    bytes.fromhex("606162636465666768696a6b6c6d6e6f"),
]
ROOTS = [  # ROOTS[n - 1] is the root of the first n leaves
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION_VECTORS = [  # (leaf index, tree size, audit path)
    (0, 1, []),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CONSISTENCY_VECTORS = [  # (first size, second size, proof)
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]
HYPOTHESIS = settings(max_examples=150, deadline=None)


# -- a naive reference, transcribed from the RFC 9162 §2.1 definitions -------------------------------


def ref_mth(data: list[bytes]) -> bytes:
    n = len(data)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + data[0]).digest()
    k = 1 << ((n - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + ref_mth(data[:k]) + ref_mth(data[k:])).digest()


def ref_path(m: int, data: list[bytes]) -> list[bytes]:
    n = len(data)
    if n == 1:
        return []
    k = 1 << ((n - 1).bit_length() - 1)
    if m < k:
        return ref_path(m, data[:k]) + [ref_mth(data[k:])]
    return ref_path(m - k, data[k:]) + [ref_mth(data[:k])]


def ref_subproof(m: int, data: list[bytes], b: bool) -> list[bytes]:
    n = len(data)
    if m == n:
        return [] if b else [ref_mth(data)]
    k = 1 << ((n - 1).bit_length() - 1)
    if m <= k:
        return ref_subproof(m, data[:k], b) + [ref_mth(data[k:])]
    return ref_subproof(m - k, data[k:], False) + [ref_mth(data[:k])]


def ref_proof(m: int, data: list[bytes]) -> list[bytes]:
    return ref_subproof(m, data, True)


# -- a store of complete subtrees, filled as the ledger fills it ------------------------------------------


def leaves_of(size: int) -> list[bytes]:
    return [f"record {i}".encode() for i in range(size)]


def build_store(data: list[bytes]) -> dict[tuple[int, int], bytes]:
    nodes: dict[tuple[int, int], bytes] = {}
    for index, record in enumerate(data):
        nodes[(0, index)] = merkle.leaf_hash(record)
        for level, i in merkle.completed_nodes(index):
            nodes[(level, i)] = merkle.node_hash(nodes[(level - 1, 2 * i)], nodes[(level - 1, 2 * i + 1)])
    return nodes


def lookup_in(nodes: dict[tuple[int, int], bytes]):
    return lambda level, index: nodes[(level, index)]


def hexes(hashes: list[bytes]) -> list[str]:
    return [h.hex() for h in hashes]


def flip(value: bytes) -> bytes:
    return bytes([value[0] ^ 0x10]) + value[1:]


# -- hashing and roots ------------------------------------------------------------------------------------


def test_empty_root_is_sha256_of_nothing():
    assert merkle.EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert merkle.root_from_leaf_hashes([]) == merkle.EMPTY_ROOT == ref_mth([])


def test_leaf_and_node_hashes_use_distinct_prefixes():
    assert merkle.leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert merkle.node_hash(b"a" * 32, b"b" * 32) == hashlib.sha256(b"\x01" + b"a" * 32 + b"b" * 32).digest()


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_match_the_rfc6962_vectors(size):
    hashes = [merkle.leaf_hash(leaf) for leaf in LEAVES[:size]]
    assert merkle.root_from_leaf_hashes(hashes).hex() == ROOTS[size - 1]
    assert ref_mth(LEAVES[:size]).hex() == ROOTS[size - 1]


def test_eight_leaf_root():
    root = merkle.root_from_leaf_hashes([merkle.leaf_hash(leaf) for leaf in LEAVES])
    assert root.hex() == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"


def test_tree_builder_streams_every_intermediate_root():
    builder = merkle.TreeBuilder()
    assert (builder.size, builder.root()) == (0, merkle.EMPTY_ROOT)
    for size, leaf in enumerate(LEAVES, start=1):
        builder.append(merkle.leaf_hash(leaf))
        assert (builder.size, builder.root().hex()) == (size, ROOTS[size - 1])


def test_tree_builder_refuses_a_short_hash():
    with pytest.raises(ValueError):
        merkle.TreeBuilder().append(b"short")


# -- proofs from the vectors -----------------------------------------------------------------------------------


def vector_store():
    return lookup_in(build_store(LEAVES))


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION_VECTORS)
def test_inclusion_vectors(index, size, path):
    assert hexes(merkle.inclusion_proof(index, size, vector_store())) == path
    assert hexes(ref_path(index, LEAVES[:size])) == path
    root = bytes.fromhex(ROOTS[size - 1])
    merkle.verify_inclusion(merkle.leaf_hash(LEAVES[index]), index, size, [bytes.fromhex(h) for h in path], root)


@pytest.mark.parametrize(("first", "second", "proof"), CONSISTENCY_VECTORS)
def test_consistency_vectors(first, second, proof):
    assert hexes(merkle.consistency_proof(first, second, vector_store())) == proof
    if first != second:
        assert hexes(ref_proof(first, LEAVES[:second])) == proof
    roots = bytes.fromhex(ROOTS[first - 1]), bytes.fromhex(ROOTS[second - 1])
    merkle.verify_consistency(first, second, *roots, [bytes.fromhex(h) for h in proof])


def test_ranges_for_the_vectors():
    assert merkle.inclusion_path_ranges(5, 8) == [(4, 5), (6, 8), (0, 4)]
    assert merkle.consistency_path_ranges(6, 8) == [(4, 6), (6, 8), (0, 4)]
    assert merkle.consistency_path_ranges(4, 8) == [(4, 8)]
    assert merkle.nodes_for_ranges([(4, 5), (6, 8), (0, 4), (4, 7)]) == {(0, 4), (1, 3), (2, 0), (1, 2), (0, 6)}


# -- storage helpers -----------------------------------------------------------------------------------------


def test_completed_nodes():
    assert merkle.completed_nodes(0) == []
    assert merkle.completed_nodes(1) == [(1, 0)]
    assert merkle.completed_nodes(2) == []
    assert merkle.completed_nodes(7) == [(1, 3), (2, 1), (3, 0)]
    assert merkle.completed_nodes(11) == [(1, 5), (2, 2)]


def test_aligned_nodes_follow_the_rfc_split():
    assert merkle.aligned_nodes(0, 8) == [(3, 0)]
    assert merkle.aligned_nodes(0, 7) == [(2, 0), (1, 2), (0, 6)]
    assert merkle.aligned_nodes(8, 13) == [(2, 2), (0, 12)]
    assert merkle.aligned_nodes(5, 6) == [(0, 5)]
    assert merkle.aligned_nodes(16, 32) == [(4, 1)]
    assert merkle.aligned_nodes(2, 5) == [(1, 1), (0, 4)]


@pytest.mark.parametrize(("start", "end"), [(3, 3), (4, 2), (-1, 1), (1, 4), (3, 7), (6, 10)])
def test_aligned_nodes_refuse_ranges_the_stored_subtrees_cannot_answer(start, end):
    with pytest.raises(ValueError):
        merkle.aligned_nodes(start, end)


@given(st.integers(1, 300), st.data())
@HYPOTHESIS
def test_range_hash_equals_the_reference_for_every_subtree_of_the_recursion(size, data):
    leaves = leaves_of(size)
    lookup = lookup_in(build_store(leaves))
    index = data.draw(st.integers(0, size - 1))
    ranges = merkle.inclusion_path_ranges(index, size) + [(0, size)]
    for start, end in ranges:
        assert merkle.range_hash(start, end, lookup) == ref_mth(leaves[start:end])


@pytest.mark.parametrize(("first", "second"), [(-1, 3), (4, 3)])
def test_consistency_ranges_refuse_impossible_sizes(first, second):
    with pytest.raises(ValueError):
        merkle.consistency_path_ranges(first, second)


def test_consistency_ranges_are_empty_when_there_is_nothing_to_prove():
    assert merkle.consistency_path_ranges(0, 5) == []
    assert merkle.consistency_path_ranges(5, 5) == []


@pytest.mark.parametrize(("index", "size"), [(0, 0), (3, 3), (-1, 4)])
def test_inclusion_ranges_refuse_an_index_outside_the_tree(index, size):
    with pytest.raises(ValueError):
        merkle.inclusion_path_ranges(index, size)


def level_by_level_root(hashes: list[bytes]) -> bytes:
    """A second, independent iterative MTH: pair up each level, carrying an odd last node upwards."""
    while len(hashes) > 1:
        paired = [merkle.node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes) - 1, 2)]
        hashes = paired + hashes[len(hashes) - len(hashes) % 2 :]
    return hashes[0]


def test_a_million_leaves_stream_through_the_builder():
    hashes = [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(1_000_003)]
    assert merkle.root_from_leaf_hashes(iter(hashes)) == level_by_level_root(hashes)


# -- property tests: proofs from the store verify, equal the reference, and break when altered ------------------


def inclusion_case(size: int, index: int):
    leaves = leaves_of(size)
    proof = merkle.inclusion_proof(index, size, lookup_in(build_store(leaves)))
    return leaves, proof, merkle.leaf_hash(leaves[index]), ref_mth(leaves)


def consistency_case(first: int, second: int):
    leaves = leaves_of(second)
    proof = merkle.consistency_proof(first, second, lookup_in(build_store(leaves)))
    return leaves, proof, ref_mth(leaves[:first]), ref_mth(leaves)


@st.composite
def tree_and_index(draw):
    size = draw(st.integers(1, 300))
    return size, draw(st.integers(0, size - 1))


@st.composite
def two_sizes(draw):
    second = draw(st.integers(1, 300))
    return draw(st.integers(1, second)), second


@given(tree_and_index())
@HYPOTHESIS
def test_every_inclusion_proof_verifies_and_equals_the_reference(case):
    size, index = case
    leaves, proof, leaf, root = inclusion_case(size, index)
    assert proof == ref_path(index, leaves)
    assert len(proof) <= math.ceil(math.log2(size))
    assert merkle.root_from_inclusion_proof(leaf, index, size, proof) == root
    merkle.verify_inclusion(leaf, index, size, proof, root)


@given(tree_and_index(), st.data())
@HYPOTHESIS
def test_an_altered_inclusion_proof_fails(case, data):
    size, index = case
    leaves, proof, leaf, root = inclusion_case(size, index)
    other_size = data.draw(st.integers(1, 300).filter(lambda n: n != size))
    other_root = ref_mth(leaves_of(other_size))  # a size is only ever checked together with its own root
    alterations = [
        (flip(leaf), index, size, proof, root),
        (leaf, index, size, proof, flip(root)),
        (leaf, index, other_size, proof, other_root),
        (leaf, index, size, [*proof, root], root),
        (leaf, index, size, [b"\x00" * 32, *proof], root),
        (leaf, index, size, proof, b"short"),
        (leaf, size, size, proof, root),
    ]
    if index > 0:
        alterations.append((leaf, index - 1, size, proof, root))
    if index + 1 < size:
        alterations.append((leaf, data.draw(st.integers(index + 1, size - 1)), size, proof, root))
    if proof:
        at = data.draw(st.integers(0, len(proof) - 1))
        alterations.append((leaf, index, size, [*proof[:at], flip(proof[at]), *proof[at + 1 :]], root))
        alterations.append((leaf, index, size, proof[:-1], root))
    for leaf_, index_, size_, proof_, root_ in alterations:
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(leaf_, index_, size_, proof_, root_)


@given(two_sizes())
@HYPOTHESIS
def test_every_consistency_proof_verifies_and_equals_the_reference(case):
    first, second = case
    leaves, proof, first_root, second_root = consistency_case(first, second)
    assert proof == ([] if first == second else ref_proof(first, leaves))
    assert len(proof) <= math.ceil(math.log2(second)) + 1
    merkle.verify_consistency(first, second, first_root, second_root, proof)


@given(two_sizes(), st.data())
@HYPOTHESIS
def test_an_altered_consistency_proof_fails(case, data):
    first, second = case
    leaves, proof, first_root, second_root = consistency_case(first, second)
    other_first = data.draw(st.integers(1, 300).filter(lambda n: n != first))
    other_second = data.draw(st.integers(1, 300).filter(lambda n: n != second))
    alterations = [
        (first, second, flip(first_root), second_root, proof),
        (first, second, first_root, flip(second_root), proof),
        (other_first, second, ref_mth(leaves_of(other_first)), second_root, proof),
        (first, other_second, first_root, ref_mth(leaves_of(other_second)), proof),
        (first, second, first_root, second_root, [*proof, first_root]),
        (first, second, first_root, second_root, [second_root, *proof]),
        (first, second, first_root, second_root, [b"\x00" * 31] + proof[1:]),
    ]
    if first != second:
        alterations.append((second, first, second_root, first_root, proof))
        alterations.append((first, second, second_root, first_root, proof))
        at = data.draw(st.integers(0, len(proof) - 1))
        alterations.append((first, second, first_root, second_root, [*proof[:at], flip(proof[at]), *proof[at + 1 :]]))
        alterations.append((first, second, first_root, second_root, proof[:-1]))
    for first_, second_, first_root_, second_root_, proof_ in alterations:
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(first_, second_, first_root_, second_root_, proof_)


# -- edge cases of verification -----------------------------------------------------------------------------------


def test_inclusion_in_a_one_leaf_tree():
    leaf = merkle.leaf_hash(b"data")
    merkle.verify_inclusion(leaf, 0, 1, [], leaf)
    for index, size in [(0, 0), (1, 1), (1, 0), (2, 1)]:
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(leaf, index, size, [], leaf)


def test_trivial_consistency():
    root = bytes.fromhex(ROOTS[0])
    merkle.verify_consistency(0, 0, merkle.EMPTY_ROOT, merkle.EMPTY_ROOT, [])
    merkle.verify_consistency(0, 1, merkle.EMPTY_ROOT, root, [])
    merkle.verify_consistency(1, 1, root, root, [])
    failing = [
        (1, 1, root, merkle.EMPTY_ROOT, []),  # one size, two roots: a split view
        (0, 1, root, root, []),  # the empty tree has exactly one root
        (1, 1, root, root, [root]),  # nothing to prove, yet a proof
        (1, 2, root, root, []),  # something to prove, yet no proof
        (2, 1, root, root, []),  # the log shrank
        (-1, 1, root, root, []),
    ]
    for first, second, first_root, second_root, proof in failing:
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(first, second, first_root, second_root, proof)


def test_proof_errors_are_value_errors():
    assert issubclass(merkle.ProofError, ValueError)


# -- tree head signature input (RFC 6962 §3.5) -----------------------------------------------------------------------


def test_tree_head_signature_input_layout():
    root = bytes(range(32))
    blob = merkle.tree_head_signature_input(1_700_000_000_123, 42, root)
    assert len(blob) == 50
    assert blob[0] == 0  # version v1
    assert blob[1] == 1  # signature_type tree_hash
    assert struct.unpack(">QQ", blob[2:18]) == (1_700_000_000_123, 42)
    assert blob[2:10] == bytes.fromhex("0000018bcfe5687b")
    assert blob[10:18] == bytes.fromhex("000000000000002a")
    assert blob[18:] == root


@pytest.mark.parametrize(
    ("timestamp", "size", "root"), [(0, 0, b"\x00" * 31), (-1, 0, b"\x00" * 32), (0, 1 << 64, b"\x00" * 32)]
)
def test_tree_head_signature_input_refuses_bad_values(timestamp, size, root):
    with pytest.raises(ValueError):
        merkle.tree_head_signature_input(timestamp, size, root)
