"""The event trail: every change to the archive appends one `Event`, through `record`.

An event's canonical bytes are fixed for good, because each event is a leaf of an append-only
Merkle tree (RFC 6962: leaf hash `SHA-256(0x00 || bytes)`) that the auditor verifies years later:
compact JSON with sorted keys, every string NFC, UTF-8, times as `YYYY-MM-DDTHH:MM:SS.ffffffZ`
in UTC. Changing this function would break every stored hash; add fields to `details` instead.

The database refuses UPDATE and DELETE on the event table (triggers in the baseline migration).
"""

from __future__ import annotations

import json
import unicodedata
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from sohoa.archive import merkle
from sohoa.archive.database import write_lock
from sohoa.archive.models import Event, utcnow

# The columns an event's canonical bytes are made of, in `canonical_bytes_of`'s order: for readers
# that select rows (verify, seal) rather than load objects.
HASHED_COLUMNS = (
    Event.seq,
    Event.time,
    Event.actor,
    Event.action,
    Event.object_type,
    Event.object_id,
    Event.details,
)


def record(
    session: Session,
    action: str,
    *,
    actor: str,
    object_type: str,
    object_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> Event:
    """Append an event in the caller's transaction, so the change and its event commit together."""
    write_lock(session)  # no other process may take the same number meanwhile
    seq = (session.exec(select(func.max(Event.seq))).one() or 0) + 1
    event = Event(
        seq=seq,
        time=utcnow(),
        actor=_nfc(actor),
        action=action,
        object_type=object_type,
        object_id=object_id,
        details=_canonical_json(details or {}),
    )
    event.leaf_hash = leaf_hash(canonical_bytes(event))
    session.add(event)
    return event


def find(
    session: Session,
    *,
    document_id: int | None = None,
    action: str | None = None,
    actor: str | None = None,
    since: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[Event]:
    """The last `limit` events that match, oldest first: about one document, of an action (a
    prefix: `procedure.` finds every procedure event), by one actor, from a time on. `offset`
    leaves out that many of the newest first, to page back through the trail."""
    query = _matching(select(Event), document_id, action, actor, since)
    newest = session.exec(query.order_by(Event.seq.desc()).offset(offset).limit(limit)).all()
    return list(reversed(newest))


def count(
    session: Session,
    *,
    document_id: int | None = None,
    action: str | None = None,
    actor: str | None = None,
    since: datetime | None = None,
) -> int:
    """How many events `find` chooses from (for paging)."""
    query = _matching(select(func.count()).select_from(Event), document_id, action, actor, since)
    return session.exec(query).one()


def _matching(query, document_id, action, actor, since):
    if document_id is not None:
        query = query.where(Event.object_type == "document", Event.object_id == document_id)
    if action:
        query = query.where(Event.action.startswith(action))
    if actor:
        query = query.where(Event.actor == _nfc(actor))
    if since is not None:
        query = query.where(Event.time >= since)
    return query


def canonical_bytes(event: Event) -> bytes:
    """The bytes the trail hashes for one event (see the module docstring)."""
    return canonical_bytes_of(
        event.seq,
        event.time,
        event.actor,
        event.action,
        event.object_type,
        event.object_id,
        event.details,
    )


def canonical_bytes_of(
    seq: int,
    time: datetime,
    actor: str,
    action: str,
    object_type: str,
    object_id: int | None,
    details: str,
) -> bytes:
    """`canonical_bytes` from an event's columns, for readers that fetch rows, not objects."""
    payload = {
        "seq": seq,
        "time": format_time(time),
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "details": json.loads(details),
    }
    return _canonical_json(payload).encode("utf-8")


def leaf_hash(data: bytes) -> str:
    """RFC 6962 leaf hash, hex."""
    return merkle.hash_leaf(data).hex()


def format_time(moment: datetime) -> str:
    """A stored time as the trail writes it, always in UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _canonical_json(value: Any) -> str:
    return json.dumps(_nfc(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _nfc(value: Any) -> Any:
    """NFC every string in a JSON-like value, keys included."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {_nfc(k): _nfc(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_nfc(v) for v in value]
    return value
