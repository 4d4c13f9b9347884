"""Signed checkpoints of the trail: "after N events the Merkle root was R", signed by the archive.

A checkpoint is a C2SP tlog-checkpoint inside a C2SP signed note, so it is plain text an auditor
can keep, print or check with other tools:

    sohoa-3f9c0a1b2c3d4e5f          ← origin: the archive, named by its key
    1234                            ← tree size: how many events
    3q2+7w==...                     ← the Merkle root, base64
    time 2026-12-04T08:15:00.000000Z
                                    ← a blank line ends the signed text
    — sohoa-3f9c0a1b2c3d4e5f base64(key hash || Ed25519 signature)

`seal` writes one at the end of every command or request that appended events, reading only the
events since the previous checkpoint and re-hashing each, so the archive never signs an event
whose content no longer matches its hash, and never signs a root that does not extend the last.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import Session, select

from sohoa.archive import crashpoints, keys, merkle, trail
from sohoa.archive.database import write_lock
from sohoa.archive.keys import PublicKey, SigningKey
from sohoa.archive.models import Checkpoint, Event, utcnow
from sohoa.archive.settings import Settings

DASH = "\u2014"  # the em dash that starts a signed note's signature line


class CheckpointError(ValueError):
    """A checkpoint that is malformed, not signed by the archive's key, or not the trail's."""


@dataclass(frozen=True)
class SignedCheckpoint:
    origin: str
    tree_size: int
    root: bytes
    time: datetime
    note: str  # the whole signed note, verbatim


def sign(key: SigningKey, tree_size: int, root: bytes, time: datetime) -> SignedCheckpoint:
    """A signed note for this tree head."""
    public = key.public
    body = (
        f"{public.name}\n{tree_size}\n{base64.b64encode(root).decode()}\n"
        f"time {trail.format_time(time)}\n"
    )
    signature = base64.b64encode(public.key_hash + key.sign(body.encode())).decode()
    note = f"{body}\n{DASH} {public.name} {signature}\n"
    return SignedCheckpoint(public.name, tree_size, root, time, note)


def parse(note: str, key: PublicKey) -> SignedCheckpoint:
    """The checkpoint in `note`, or CheckpointError when it is malformed or its signature is not
    this key's (a forged checkpoint, or one from another archive)."""
    body, sep, signatures = note.partition("\n\n")
    if not sep or not body:
        raise CheckpointError("not a signed checkpoint: no blank line before the signature")
    lines = body.split("\n")
    if len(lines) < 3:
        raise CheckpointError("not a checkpoint: it needs an origin, a tree size and a root")
    if not _signed_by(key, body + "\n", signatures):
        raise CheckpointError(f"the checkpoint is not signed by this archive's key {key.name}")
    origin, size_text, root_text, *extensions = lines
    if origin != key.name:
        raise CheckpointError(f"the checkpoint is for {origin!r}, not this archive ({key.name})")
    if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
        raise CheckpointError(f"the checkpoint's tree size {size_text!r} is not a number")
    try:
        root = base64.b64decode(root_text, validate=True)
    except binascii.Error:
        root = b""
    if len(root) != 32:
        raise CheckpointError("the checkpoint's root is not a base64 SHA-256 hash")
    return SignedCheckpoint(origin, int(size_text), root, _time(extensions), note)


def _signed_by(key: PublicKey, body: str, signatures: str) -> bool:
    """Whether one of the note's signature lines is a good signature of `body` by `key`."""
    for line in signatures.splitlines():
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != DASH or parts[1] != key.name:
            continue
        try:
            blob = base64.b64decode(parts[2], validate=True)
        except binascii.Error:
            continue
        if blob[:4] == key.key_hash and key.is_signature(blob[4:], body.encode()):
            return True
    return False


def _time(extensions: list[str]) -> datetime:
    for line in extensions:
        if line.startswith("time "):
            try:
                moment = datetime.strptime(line[5:], "%Y-%m-%dT%H:%M:%S.%fZ")
            except ValueError:
                break
            return moment.replace(tzinfo=UTC)
    raise CheckpointError("the checkpoint carries no time")


def latest(session: Session) -> Checkpoint | None:
    return session.exec(select(Checkpoint).order_by(Checkpoint.id.desc())).first()


@dataclass(frozen=True)
class Inclusion:
    """An event's proof in a signed tree: its leaf hash (of its content as stored now), the
    sibling hashes up to the root, and whether they lead to the signed root."""

    leaf: bytes
    index: int
    proof: list[bytes]
    included: bool


class SignedTree:
    """The tree a checkpoint signed, kept in memory to prove many of its events at once (the
    audit report, an export, `trail proof`)."""

    def __init__(self, session: Session, checkpoint: Checkpoint | None) -> None:
        self.size = checkpoint.tree_size if checkpoint else 0
        self.root = bytes.fromhex(checkpoint.root) if checkpoint else merkle.EMPTY_ROOT
        query = select(Event.leaf_hash).where(Event.seq <= self.size).order_by(Event.seq)
        self._tree = merkle.Tree([bytes.fromhex(h) for h in session.exec(query)])

    def prove(self, event: Event) -> Inclusion | None:
        """The event's inclusion proof, checked; None for an event the checkpoint does not
        cover (appended after it)."""
        if not 1 <= event.seq <= self.size:
            return None
        leaf = merkle.hash_leaf(trail.canonical_bytes(event))
        proof = self._tree.inclusion_proof(event.seq - 1)
        try:
            merkle.check_inclusion(leaf, event.seq - 1, self.size, proof, self.root)
        except merkle.ProofError:
            return Inclusion(leaf, event.seq - 1, proof, False)
        return Inclusion(leaf, event.seq - 1, proof, True)


def seal(session: Session, key: Callable[[], SigningKey]) -> Checkpoint | None:
    """Sign and store a checkpoint of the whole trail if it grew since the last one (None if it
    did not); `key` gives the signing key, asked for only once there is something to sign.

    The tree is taken up from the last checkpoint's full subtrees (checked against its signed
    root), so only the new events are read, each re-hashed from its content: a new event whose
    content no longer gives its stored hash, or a gap in the numbers, is refused
    (CheckpointError) rather than signed. An old event changed since is for `trail verify` to
    find: the new root still extends the signed history, not the changed one."""
    write_lock(session)  # two processes sealing at once must not sign the same size twice
    previous = latest(session)
    frontier = _taken_up(session, previous)
    rows = session.execute(
        select(*trail.HASHED_COLUMNS, Event.leaf_hash)
        .where(Event.seq > frontier.size)
        .order_by(Event.seq)
    )
    start = frontier.size
    for seq, *content, stored in rows:
        if seq != frontier.size + 1:
            raise CheckpointError(
                f"event {frontier.size + 1} is missing from the trail: run `sohoa trail verify`"
            )
        leaf = merkle.hash_leaf(trail.canonical_bytes_of(seq, *content))
        if leaf.hex() != stored:
            raise CheckpointError(
                f"event {seq} changed before it was sealed: run `sohoa trail verify`"
            )
        frontier.append(leaf)
    if frontier.size == start:
        return None
    signed = sign(key(), frontier.size, frontier.root(), utcnow())
    row = Checkpoint(
        tree_size=signed.tree_size,
        root=signed.root.hex(),
        time=signed.time,
        note=signed.note,
        frontier=[h.hex() for h in frontier.full],
    )
    session.add(row)
    session.flush()
    crashpoints.reached("mid-checkpoint")
    session.commit()
    session.refresh(row)
    return row


def _taken_up(session: Session, previous: Checkpoint | None) -> merkle.Frontier:
    """The tree as the last checkpoint signed it: from its stored full subtrees, or (for a
    checkpoint from before they were stored) rebuilt from the stored leaf hashes once."""
    if previous is None:
        return merkle.Frontier()
    if previous.frontier:
        try:
            frontier = merkle.Frontier(
                previous.tree_size, [bytes.fromhex(h) for h in previous.frontier]
            )
        except (ValueError, merkle.ProofError):
            frontier = None
    else:
        frontier = merkle.Frontier()
        query = select(Event.leaf_hash).where(Event.seq <= previous.tree_size)
        for (leaf,) in session.execute(query.order_by(Event.seq)):
            frontier.append(bytes.fromhex(leaf))
    if (
        frontier is None
        or frontier.size != previous.tree_size
        or (frontier.root().hex() != previous.root)
    ):
        raise CheckpointError(
            f"the trail no longer matches checkpoint #{previous.id} (its first "
            f"{previous.tree_size} events or its stored tree changed): run `sohoa trail verify`"
        )
    return frontier


def seal_archive(settings: Settings, engine: Engine) -> Checkpoint | None:
    """`seal` with the archive's key (made on first use): what every command and request that
    may have appended events calls as it ends."""
    with Session(engine) as session:
        return seal(session, lambda: _archive_key(session, settings))


def _archive_key(session: Session, settings: Settings) -> SigningKey:
    """The archive's key; a new one only for an archive that never signed anything. A key lost
    after checkpoints were signed (a database restored without `keys/`) must be restored, not
    replaced: a new key would make every earlier checkpoint look forged."""
    if not (settings.keys_dir / keys.PRIVATE_FILE).exists() and latest(session) is not None:
        raise CheckpointError(
            f"the archive's signing key is missing from {settings.keys_dir}, but checkpoints "
            "were signed with it: restore that folder from your backup"
        )
    return keys.load_or_create(settings.keys_dir)
