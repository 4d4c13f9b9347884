"""`sohoa trail verify`: re-hash every event and every stored original, rebuild the Merkle tree,
and check it against every signed checkpoint, and optionally against one the auditor kept.

What each kind of tampering looks like, and where it is caught:
- an event edited in place: its content no longer gives its stored hash (named exactly); if the
  stored hash was rewritten too, the tree no longer gives the next checkpoint's root (named as
  the events between two checkpoints, and one is written after every command);
- an event deleted or moved: the numbers (`seq`) stop running 1, 2, 3... in the order the rows
  were written (the first place out of order is named);
- an original changed or removed: its SHA-256 is its address, so re-hashing names the document;
- a forged checkpoint: its Ed25519 signature is not the archive key's;
- a rolled-back checkpoint: a later one seals fewer events than an earlier one;
- whoever can edit the database *and* sign (holds the key) and rewrites the trail with new
  checkpoints: only a checkpoint kept outside the archive catches that, and `--against` checks
  that the trail is a consistent extension of it (RFC 6962 consistency proof).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, select

from sohoa.archive import merkle, storage, trail
from sohoa.archive.checkpoints import CheckpointError, SignedCheckpoint, parse
from sohoa.archive.keys import PublicKey
from sohoa.archive.models import DISPOSED, Checkpoint, Disposal, Document, Event


@dataclass
class Problem:
    kind: str  # event | checkpoint | original | against
    where: str  # what to look at: "event 42", "checkpoint #3", "document #7 (a.pdf)"
    message: str


@dataclass
class Verification:
    events: int = 0
    root: str = merkle.EMPTY_ROOT.hex()
    checkpoint: Checkpoint | None = None
    key: PublicKey | None = None
    originals_checked: int = 0
    originals_disposed: int = 0
    against: SignedCheckpoint | None = None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(
    session: Session,
    key: PublicKey | None,
    originals_dir: Path | None,
    against_note: str | None = None,
) -> Verification:
    """Check the whole archive; `originals_dir` None skips re-hashing the originals."""
    result = Verification(key=key)
    leaves = _check_events(session, result)
    result.events = len(leaves)
    checkpoints = _check_checkpoints(session, key, result)
    against = _parse_against(against_note, key, result)
    sizes = {c.tree_size for c in checkpoints} | _size_of(against) | {len(leaves)}
    roots = _prefix_roots(leaves, sizes)
    result.root = roots[len(leaves)].hex()
    _compare_checkpoints(checkpoints, roots, len(leaves), result)
    if against is not None:
        _compare_against(against, leaves, roots, result)
    if originals_dir is not None:
        _check_originals(session, originals_dir, result)
    return result


def _check_events(session: Session, result: Verification) -> list[bytes]:
    """Every event's leaf hash, re-computed from its content, in the order the rows were
    written; the first event out of place and the first whose content changed are problems."""
    rows = session.execute(select(*trail.HASHED_COLUMNS, Event.leaf_hash).order_by(Event.id))
    leaves: list[bytes] = []
    out_of_place = edited = False
    for position, (seq, *content, stored) in enumerate(rows, start=1):
        if seq != position and not out_of_place:
            out_of_place = True
            result.problems.append(_misplaced(position, seq))
        leaf = merkle.hash_leaf(trail.canonical_bytes_of(seq, *content))
        if leaf.hex() != stored and not edited:
            edited = True
            result.problems.append(
                Problem(
                    "event",
                    f"event {seq}",
                    f"event {seq} ({content[2]}) was changed: its content no longer gives "
                    "the hash it was stored with",
                )
            )
        leaves.append(leaf)
    return leaves


def _misplaced(position: int, seq: int) -> Problem:
    return Problem(
        "event",
        f"event {position}",
        f"the event stored in place {position} is numbered {seq}: events were deleted or "
        "reordered from here on",
    )


def _check_checkpoints(
    session: Session, key: PublicKey | None, result: Verification
) -> list[Checkpoint]:
    """The stored checkpoints whose signature and columns hold, in the order they were written;
    a bad signature or a checkpoint that seals fewer events than an earlier one is a problem."""
    rows = list(session.exec(select(Checkpoint).order_by(Checkpoint.id)))
    if rows and key is None:
        result.problems.append(
            Problem("checkpoint", "keys", "the archive has checkpoints but no public key")
        )
        return []
    good: list[Checkpoint] = []
    for row in rows:
        try:
            signed = parse(row.note, key)
        except CheckpointError as error:
            result.problems.append(Problem("checkpoint", f"checkpoint #{row.id}", str(error)))
            continue
        if signed.tree_size != row.tree_size or signed.root.hex() != row.root:
            result.problems.append(
                Problem(
                    "checkpoint",
                    f"checkpoint #{row.id}",
                    f"checkpoint #{row.id}'s size or root was changed after it was signed",
                )
            )
            continue
        if good and row.tree_size < good[-1].tree_size:
            result.problems.append(
                Problem(
                    "checkpoint",
                    f"checkpoint #{row.id}",
                    f"checkpoint #{row.id} goes back to {row.tree_size} events after checkpoint "
                    f"#{good[-1].id} sealed {good[-1].tree_size} (rolled back)",
                )
            )
            continue
        good.append(row)
    result.checkpoint = good[-1] if good else None
    return good


def _parse_against(
    note: str | None, key: PublicKey | None, result: Verification
) -> SignedCheckpoint | None:
    if note is None:
        return None
    if key is None:
        result.problems.append(
            Problem("against", "keys", "the archive has no key to check the checkpoint with")
        )
        return None
    try:
        result.against = parse(note, key)
    except CheckpointError as error:
        result.problems.append(Problem("against", "the kept checkpoint", str(error)))
    return result.against


def _size_of(against: SignedCheckpoint | None) -> set[int]:
    return set() if against is None else {against.tree_size}


def _prefix_roots(leaves: list[bytes], sizes: set[int]) -> dict[int, bytes]:
    """The root of the tree of the first n leaves, for each n asked for, in one pass."""
    roots = {0: merkle.EMPTY_ROOT} if 0 in sizes else {}
    frontier = merkle.Frontier()
    for leaf in leaves:
        frontier.append(leaf)
        if frontier.size in sizes:
            roots[frontier.size] = frontier.root()
    return roots


def _compare_checkpoints(
    checkpoints: list[Checkpoint], roots: dict[int, bytes], events: int, result: Verification
) -> None:
    by_size: dict[int, list[Checkpoint]] = defaultdict(list)
    for checkpoint in checkpoints:
        by_size[checkpoint.tree_size].append(checkpoint)
    matched = 0
    for size in sorted(by_size):
        first = by_size[size][0]
        if size > events:
            result.problems.append(
                Problem(
                    "checkpoint",
                    f"checkpoint #{first.id}",
                    f"checkpoint #{first.id} sealed {size} events but the trail holds only "
                    f"{events}: events were removed",
                )
            )
            return
        if any(c.root != roots[size].hex() for c in by_size[size]):
            result.problems.append(
                Problem(
                    "event",
                    f"events {matched + 1}-{size}",
                    f"an event among {matched + 1}-{size} was changed, removed or reordered: "
                    f"they no longer give the root checkpoint #{first.id} signed",
                )
            )
            return
        matched = size
    if not checkpoints and events:
        result.warnings.append(f"none of the {events} events is sealed by a checkpoint yet")
    elif checkpoints and events > checkpoints[-1].tree_size:
        result.warnings.append(
            f"{events - checkpoints[-1].tree_size} event(s) after the last checkpoint are not "
            "sealed yet (a command stopped before it could sign)"
        )


def _compare_against(
    against: SignedCheckpoint, leaves: list[bytes], roots: dict[int, bytes], result: Verification
) -> None:
    """The trail as it is must be the auditor's checkpoint's tree, extended by appending only
    (checked with an RFC 6962 consistency proof from the kept size to the whole trail)."""
    where = f"the kept checkpoint ({against.tree_size} events)"
    if against.tree_size > len(leaves):
        result.problems.append(
            Problem(
                "against",
                where,
                f"the trail holds {len(leaves)} events, fewer than the {against.tree_size} of "
                "the checkpoint kept outside the archive: it was rolled back",
            )
        )
        return
    if against.tree_size == 0:
        return
    size = len(leaves)
    proof = merkle.consistency_proof(against.tree_size, leaves)
    try:
        merkle.check_consistency(against.tree_size, size, against.root, roots[size], proof)
    except merkle.ProofError:
        result.problems.append(
            Problem(
                "against",
                f"events 1-{against.tree_size}",
                f"the trail is not an extension of the checkpoint kept outside the archive: an "
                f"event among 1-{against.tree_size} was changed, removed or reordered",
            )
        )


def _check_originals(session: Session, originals_dir: Path, result: Verification) -> None:
    """Every original re-hashed; a disposed one is expected absent, but only with its tombstone
    and its `document.disposed` event (so marking a record disposed cannot excuse a lost file)."""
    tombstones = set(session.exec(select(Disposal.document_id)))
    disposal_events = set(
        session.exec(select(Event.object_id).where(Event.action == "document.disposed"))
    )
    rows = session.execute(select(Document.id, Document.name, Document.sha256, Document.status))
    for document_id, name, sha256, status in rows.all():
        path = storage.original_path(originals_dir, sha256)
        where = f"document #{document_id} ({name})"
        if status == DISPOSED:
            result.originals_disposed += 1
            if document_id not in tombstones or document_id not in disposal_events:
                result.problems.append(
                    Problem(
                        "original",
                        where,
                        f"{where} is marked disposed but its disposal has no tombstone or no event",
                    )
                )
            continue
        result.originals_checked += 1
        if not path.exists():
            result.problems.append(Problem("original", where, f"the original of {where} is gone"))
        elif storage.sha256_of(path) != sha256:
            result.problems.append(
                Problem("original", where, f"the original of {where} was changed")
            )
