"""The Merkle tree against the Certificate Transparency test vectors of RFC 6962 (as published with
the reference implementations), and against proofs that lie."""

from __future__ import annotations

import pytest

from sohoa.archive import merkle
from sohoa.archive.merkle import ProofError

LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
HASHES = [merkle.hash_leaf(leaf) for leaf in LEAVES]

# The root of the tree of the first n leaves, n = 0..8.
ROOTS = [
    bytes.fromhex(h)
    for h in (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    )
]

# Every node of the 8-leaf tree, level by level from the leaves' hashes up.
NODES = [
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ],
    [
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    ],
    [
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
]

# (leaf index, tree size, PATH) and (old size, new size, PROOF), as published.
INCLUSION = [
    (0, 1, []),
    (1, 2, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"]),
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
CONSISTENCY = [
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


def _hexes(hashes):
    return [h.hex() for h in hashes]


def test_the_leaf_hashes_are_the_bottom_row_of_the_published_tree():
    assert _hexes(HASHES) == NODES[0]


@pytest.mark.parametrize("size", range(9))
def test_the_root_of_every_prefix_is_the_published_one(size):
    assert merkle.root(HASHES[:size]) == ROOTS[size]


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_inclusion_proofs_are_the_published_ones(index, size, path):
    proof = merkle.inclusion_proof(index, HASHES[:size])
    assert _hexes(proof) == path
    merkle.check_inclusion(HASHES[index], index, size, proof, ROOTS[size])


@pytest.mark.parametrize(("old", "new", "path"), CONSISTENCY)
def test_consistency_proofs_are_the_published_ones(old, new, path):
    proof = merkle.consistency_proof(old, HASHES[:new])
    assert _hexes(proof) == path
    merkle.check_consistency(old, new, ROOTS[old], ROOTS[new], proof)


@pytest.mark.parametrize("index", range(8))
def test_every_inclusion_proof_of_the_8_leaf_tree_is_the_siblings_on_the_way_up(index):
    siblings = [NODES[level][(index >> level) ^ 1] for level in range(3)]
    assert _hexes(merkle.inclusion_proof(index, HASHES)) == siblings


def test_every_inclusion_and_consistency_proof_of_every_prefix_checks_out():
    for size in range(1, 9):
        for index in range(size):
            proof = merkle.inclusion_proof(index, HASHES[:size])
            merkle.check_inclusion(HASHES[index], index, size, proof, ROOTS[size])
        for old in range(1, size + 1):
            proof = merkle.consistency_proof(old, HASHES[:size])
            merkle.check_consistency(old, size, ROOTS[old], ROOTS[size], proof)


def _lies(proof, good_root):
    """Ways to spoil a proof, after the reference implementations' corrupted test data."""
    some = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")
    yield "trailing hash", [*proof, good_root]
    yield "preceding hash", [good_root, *proof]
    yield "trailing garbage", [*proof, b""]
    for i in range(len(proof)):
        flipped = bytearray(proof[i])
        flipped[0] ^= 8
        yield f"bit flipped in {i}", [*proof[:i], bytes(flipped), *proof[i + 1 :]]
    if proof:
        yield "last hash removed", proof[:-1]
    if len(proof) > 1:
        yield "hash inserted", [proof[0], some, *proof[1:]]


@pytest.mark.parametrize(("index", "size", "path"), [v for v in INCLUSION if v[2]])
def test_a_spoiled_inclusion_proof_is_refused(index, size, path):
    proof = [bytes.fromhex(h) for h in path]
    leaf, good = HASHES[index], ROOTS[size]
    for _name, lie in _lies(proof, good):
        with pytest.raises(ProofError):
            merkle.check_inclusion(leaf, index, size, lie, good)
    for wrong_index, wrong_size in [
        (index - 1, size),
        (index + 1, size),
        (index ^ 2, size),
        (index, size * 2),
        (index, size // 2),
    ]:
        with pytest.raises(ProofError):
            merkle.check_inclusion(leaf, wrong_index, wrong_size, proof, good)
    with pytest.raises(ProofError):
        merkle.check_inclusion(merkle.hash_leaf(b"WrongLeaf"), index, size, proof, good)
    with pytest.raises(ProofError):
        merkle.check_inclusion(leaf, index, size, proof, merkle.EMPTY_ROOT)


@pytest.mark.parametrize(("old", "new", "path"), [v for v in CONSISTENCY if v[2]])
def test_a_spoiled_consistency_proof_is_refused(old, new, path):
    proof = [bytes.fromhex(h) for h in path]
    r1, r2 = ROOTS[old], ROOTS[new]
    for _name, lie in [*_lies(proof, r1), *_lies(proof, r2), ("empty", [])]:
        with pytest.raises(ProofError):
            merkle.check_consistency(old, new, r1, r2, lie)
    for o, n in [(old - 1, new), (old + 1, new), (old ^ 2, new), (old, new * 2), (old, new // 2)]:
        with pytest.raises(ProofError):
            merkle.check_consistency(o, n, r1, r2, proof)
    with pytest.raises(ProofError):
        merkle.check_consistency(old, new, r2, r1, proof)  # roots swapped


def test_a_rolled_back_or_rewritten_tree_is_not_consistent():
    with pytest.raises(ProofError, match="cannot extend"):
        merkle.check_consistency(5, 3, ROOTS[5], ROOTS[3], [])
    with pytest.raises(ProofError, match="two different roots"):
        merkle.check_consistency(4, 4, ROOTS[4], ROOTS[3], [])
    rewritten = [*HASHES[:2], merkle.hash_leaf(b"edited"), *HASHES[3:]]
    proof = merkle.consistency_proof(3, rewritten)
    with pytest.raises(ProofError):
        merkle.check_consistency(3, 8, ROOTS[3], merkle.root(rewritten), proof)


def test_a_large_tree_proves_inclusion_and_consistency_at_odd_sizes():
    leaves = [merkle.hash_leaf(str(i).encode()) for i in range(1000)]
    top = merkle.root(leaves)
    for index in (0, 1, 511, 512, 998, 999):
        proof = merkle.inclusion_proof(index, leaves)
        merkle.check_inclusion(leaves[index], index, 1000, proof, top)
    for old in (1, 3, 512, 513, 999):
        proof = merkle.consistency_proof(old, leaves)
        merkle.check_consistency(old, 1000, merkle.root(leaves[:old]), top, proof)


def test_a_tree_kept_in_memory_gives_the_same_root_and_proofs_as_the_definition():
    leaves = [merkle.hash_leaf(bytes([i])) for i in range(70)]
    for size in (1, 2, 3, 5, 8, 13, 64, 70):
        tree = merkle.Tree(leaves[:size])
        assert tree.root() == merkle.root(leaves[:size])
        for index in range(size):
            assert tree.inclusion_proof(index) == merkle.inclusion_proof(index, leaves[:size])
    assert merkle.Tree([]).root() == merkle.EMPTY_ROOT
