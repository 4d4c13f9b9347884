"""The Merkle tree of RFC 6962 (Certificate Transparency; RFC 9162 §2.1): roots, inclusion proofs
and consistency proofs over a list of leaf hashes, and the checks an auditor runs on them.

The trail's events are the leaves (`trail.leaf_hash`). A root commits to every event in order; an
inclusion proof shows that one event is in the tree of a given size; a consistency proof shows
that a larger tree only appended to a smaller one, so a checkpoint kept outside the archive
catches whoever rewrote history and re-signed. Hashes are 32-byte `bytes` here; callers convert
from and to hex.

The proofs are built by the RFC's recursive definitions (short enough to check by eye against
the text); the checks are RFC 9162's iterative algorithms, which never trust a proof's length or
shape: a wrong size, a hash too many or too few, or a flipped bit fails.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()


class ProofError(ValueError):
    """A proof that does not prove what it claims."""


def hash_leaf(data: bytes) -> bytes:
    """`SHA-256(0x00 || data)`: the domain byte keeps a leaf from passing for an inner node."""
    return hashlib.sha256(b"\x00" + data).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    """`SHA-256(0x01 || left || right)`."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def root(leaves: Sequence[bytes]) -> bytes:
    """The tree head of these leaf hashes, a level at a time: a last node without a sibling is
    carried up unchanged, which gives the RFC's root (left subtrees are the largest powers of two)
    in linear time."""
    if not leaves:
        return EMPTY_ROOT
    level = list(leaves)
    while len(level) > 1:
        paired = [hash_children(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 6962 §2.1.1: the sibling hashes from leaf `index` up to the root."""
    if not 0 <= index < len(leaves):
        raise ProofError(f"leaf {index} is not in a tree of {len(leaves)}")
    if len(leaves) == 1:
        return []
    k = _split(len(leaves))
    if index < k:
        return inclusion_proof(index, leaves[:k]) + [root(leaves[k:])]
    return inclusion_proof(index - k, leaves[k:]) + [root(leaves[:k])]


def consistency_proof(old_size: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 6962 §2.1.2: what shows the first `old_size` leaves' tree grew into
    this one by appending only."""
    if not 0 < old_size <= len(leaves):
        raise ProofError(f"no consistency proof from {old_size} to {len(leaves)} leaves")
    return _subproof(old_size, leaves, True)


def _subproof(m: int, leaves: Sequence[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [root(leaves)]
    k = _split(n)
    if m <= k:
        return _subproof(m, leaves[:k], complete) + [root(leaves[k:])]
    return _subproof(m - k, leaves[k:], False) + [root(leaves[:k])]


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def check_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], expected_root: bytes
) -> None:
    """Raise ProofError unless `proof` shows `leaf` at `index` in the tree of `size` with this
    root (RFC 9162 §2.1.3.2)."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size}")
    _check_hashes(proof)
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("the inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = hash_children(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = hash_children(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the inclusion proof is too short")
    if r != expected_root:
        raise ProofError("the inclusion proof leads to another root")


def check_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Raise ProofError unless `proof` shows the tree (`new_size`, `new_root`) extends the tree
    (`old_size`, `old_root`) by appending only (RFC 9162 §2.1.4.2)."""
    _check_hashes(proof)
    if old_size > new_size:
        raise ProofError(f"a tree of {new_size} cannot extend one of {old_size}")
    if old_size == new_size:
        if proof:
            raise ProofError("trees of the same size need an empty proof")
        if old_root != new_root:
            raise ProofError(f"two different roots for the same tree size {old_size}")
        return
    if old_size == 0:
        raise ProofError("every tree extends the empty one: there is nothing to prove")
    if not proof:
        raise ProofError("the consistency proof is empty")
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is a node of the new tree
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = hash_children(c, fr)
            sr = hash_children(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = hash_children(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the consistency proof is too short")
    if fr != old_root:
        raise ProofError("the consistency proof does not lead to the old root")
    if sr != new_root:
        raise ProofError("the consistency proof does not lead to the new root")


def _check_hashes(proof: Sequence[bytes]) -> None:
    if any(not isinstance(h, bytes) or len(h) != 32 for h in proof):
        raise ProofError("a proof holds SHA-256 hashes of 32 bytes only")


class Frontier:
    """A tree grown one leaf at a time, keeping only the roots of its full subtrees (at most one
    per bit of the size), so the root after every append costs O(log n): how one pass over a
    trail checks every checkpoint it ever signed."""

    def __init__(self, size: int = 0, full: Sequence[bytes] = ()) -> None:
        """An empty tree, or one taken up where it was left: its size and `full`."""
        if len(full) != size.bit_count() or any(len(h) != 32 for h in full):
            raise ProofError(f"a tree of {size} has {size.bit_count()} full subtrees")
        self.size = size
        self._full = list(full)  # roots of the full subtrees, largest (leftmost) first

    @property
    def full(self) -> list[bytes]:
        """What the tree can be taken up from: the roots of its full subtrees."""
        return list(self._full)

    def append(self, leaf: bytes) -> None:
        self.size += 1
        node, carry = leaf, self.size
        while not carry & 1:  # each trailing zero bit of the new size merges two equal subtrees
            node = hash_children(self._full.pop(), node)
            carry >>= 1
        self._full.append(node)

    def root(self) -> bytes:
        if not self._full:
            return EMPTY_ROOT
        node = self._full[-1]
        for left in reversed(self._full[:-1]):
            node = hash_children(left, node)
        return node


class Tree:
    """Every level of a tree kept in memory, so each inclusion proof costs O(log n) instead of
    the recursive definition's O(n): for proofs of many events at once (an audit report).
    A level's last node without a sibling is carried up, so it contributes no hash to a path,
    exactly as in the RFC's tree."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.size = len(leaves)
        self.levels = [list(leaves)]
        while len(self.levels[-1]) > 1:
            level = self.levels[-1]
            paired = [hash_children(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
            if len(level) % 2:
                paired.append(level[-1])
            self.levels.append(paired)

    def root(self) -> bytes:
        return self.levels[-1][0] if self.size else EMPTY_ROOT

    def inclusion_proof(self, index: int) -> list[bytes]:
        if not 0 <= index < self.size:
            raise ProofError(f"leaf {index} is not in a tree of {self.size}")
        proof = []
        for level in self.levels[:-1]:
            sibling = index ^ 1
            if sibling < len(level):
                proof.append(level[sibling])
            index >>= 1
        return proof
