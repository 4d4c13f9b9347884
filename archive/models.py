"""The archive's tables (SQLModel). The schema itself changes only through Alembic migrations.

Times are timezone-aware and stored in UTC; people see them in Asia/Ho_Chi_Minh.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

# How people read the stored times: Asia/Ho_Chi_Minh is UTC+7 all year (no DST), so a fixed
# offset needs no time-zone database on the machine.
VIETNAM = timezone(timedelta(hours=7), "ICT")

# The largest number an integer column (ids, page numbers, the trail's seq) holds on every
# engine: PostgreSQL's INTEGER is 32-bit signed. A number a user gives is checked against it, so
# an absurd one is refused as such rather than overflowing inside a query.
LARGEST_INTEGER = 2**31 - 1


def utcnow() -> datetime:
    """Now, timezone-aware, in UTC: the only clock the archive stores."""
    return datetime.now(UTC)


DISPOSED = "disposed"  # a document's status once disposed of: tombstone kept, original destroyed


class Batch(SQLModel, table=True):
    """One ingest run: what was asked for, by whom, and when it started and finished."""

    id: int | None = Field(default=None, primary_key=True)
    started: datetime = Field(default_factory=utcnow)
    finished: datetime | None = None
    actor: str
    paths: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Document(SQLModel, table=True):
    """One original file, stored once by its SHA-256, with the record's metadata."""

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(index=True, unique=True, max_length=64)
    name: str = Field(description="the path as the archivist gave it")
    size: int
    mime: str
    status: str = Field(
        default="processing", description="processing | ingested | failed | disposed"
    )
    error: str | None = None
    page_count: int = 0
    batch_id: int | None = Field(default=None, foreign_key="batch.id")
    created: datetime = Field(default_factory=utcnow)
    record_metadata: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    index_pending: bool = Field(
        default=False,
        index=True,
        sa_column_kwargs={"server_default": "0"},
        description="saved, but the search index does not hold it yet (an ingest was killed)",
    )
    preserve_pending: bool = Field(
        default=False,
        index=True,
        sa_column_kwargs={"server_default": "0"},
        description="saved, but its preservation copy is not made yet (an ingest was killed)",
    )
    access: str = Field(
        default="open",
        sa_column_kwargs={"server_default": "open"},
        description="open | restricted (hạn chế sử dụng): each view of a restricted record is "
        "an event",
    )


class Page(SQLModel, table=True):
    """One page: the OCR's raw text and words, the repaired text shown and indexed, and every
    repair edit, so a person can see (and an auditor can check) what repair changed."""

    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    number: int = Field(description="1-based page number")
    width: int
    height: int
    dpi: int
    raw_text: str = Field(sa_column=Column(Text, nullable=False))
    text: str = Field(sa_column=Column(Text, nullable=False))
    words: list[dict[str, Any]] = Field(
        default_factory=list,
        sa_column=Column(JSON, nullable=False),
        description="OCR words: text, box [left, top, width, height], conf (0-1), line",
    )
    confidence: float | None = Field(default=None, description="mean word confidence, 0-1")
    edits: list[dict[str, Any]] = Field(
        default_factory=list,
        sa_column=Column(JSON, nullable=False, server_default="[]"),
        description="diacritic repairs raw_text → text: line, start, end, before, after, "
        "confidence, review; reviewed (accepted | rejected | corrected), repaired (what repair "
        "made, once corrected), source (dictionary | person; absent: the model)",
    )
    review_count: int = Field(
        default=0,
        sa_column_kwargs={"server_default": "0"},
        description="edits too unsure to trust without a person's check",
    )
    error: str | None = Field(
        default=None,
        sa_column=Column(Text, nullable=True),
        description="why OCR gave the page no text (timed out, crashed); None when it read",
    )
    preparation: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=Column(JSON, nullable=False, server_default="{}"),
        description="what the prepare stage did: steps, rotation, measured skew, blank, error",
    )
    flags: list[str] = Field(
        default_factory=list,
        sa_column=Column(JSON, nullable=False, server_default="[]"),
        description="what the archivist should look at: low-dpi, low-confidence, blank",
    )
    text_source: str = Field(
        default="ocr",
        sa_column=Column(Text, nullable=False, server_default="ocr"),
        description="where the text came from: ocr, or the PDF's own text layer",
    )
    flags_checked: bool = Field(
        default=False,
        sa_column_kwargs={"server_default": "0"},
        description="a person looked at the page for its flags (`page.checked` event): it "
        "leaves the review queue unless edits still wait",
    )


class LearntWord(SQLModel, table=True):
    """The user dictionary: what archivists' corrections taught the diacritic repair. `form` is
    the word as OCR read it, folded and lowercase (`xa`, `chirc`); `word` what the paper said,
    lowercase (`xã`, `chức`). Repair writes `word` wherever a token folds to `form`."""

    id: int | None = Field(default=None, primary_key=True)
    form: str = Field(unique=True, index=True)
    word: str
    count: int = Field(default=1, description="corrections that taught this word for the form")
    actor: str = Field(description="who taught it last")
    updated: datetime = Field(default_factory=utcnow)


class Derivative(SQLModel, table=True):
    """A file made from a document, stored by its SHA-256 beside the originals and never
    rewritten: today the PDF/A preservation copy (`kind` = `pdfa`). Made again (after a review
    changed the text), the row points at the new file; the trail keeps every version's hash."""

    __table_args__ = (UniqueConstraint("document_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    kind: str = Field(description="pdfa")
    sha256: str = Field(max_length=64)
    size: int
    created: datetime = Field(default_factory=utcnow)


class IngestJob(SQLModel, table=True):
    """One file of a batch, recorded before any work, so a batch can be followed and resumed."""

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="batch.id", index=True)
    path: str
    sha256: str | None = Field(default=None, max_length=64)
    document_id: int | None = Field(default=None, foreign_key="document.id")
    state: str = Field(default="pending", description="pending | ingested | duplicate | failed")
    attempts: int = 0
    error: str | None = None
    updated: datetime = Field(default_factory=utcnow)


class Event(SQLModel, table=True):
    """One entry of the append-only trail; see `archive.trail` for its canonical bytes."""

    id: int | None = Field(default=None, primary_key=True)
    seq: int = Field(unique=True, description="position in the trail, from 1, no gaps")
    time: datetime
    actor: str
    action: str = Field(index=True)
    object_type: str
    object_id: int | None = None
    details: str = Field(sa_column=Column(Text, nullable=False), description="canonical JSON")
    leaf_hash: str = Field(max_length=64, description="SHA-256(0x00 || canonical bytes), hex")


class Checkpoint(SQLModel, table=True):
    """A signed tree head of the trail: after `tree_size` events the Merkle root was `root`.
    `note` is the signed text itself (C2SP tlog-checkpoint in a signed note), kept verbatim so
    its signature can be checked again; the other columns are read from it for queries."""

    id: int | None = Field(default=None, primary_key=True)
    tree_size: int
    root: str = Field(max_length=64, description="hex")
    time: datetime
    note: str = Field(sa_column=Column(Text, nullable=False))
    frontier: list[str] = Field(
        default_factory=list,
        sa_column=Column(JSON, nullable=False, server_default="[]"),
        description="the roots of the tree's full subtrees (hex), so the next checkpoint reads "
        "only the events after this one; unsigned, checked against `root` before use",
    )


class Procedure(SQLModel, table=True):
    """One version of a procedure of the quality system (ISO 9001). A revision adds a row and
    marks the one before `obsolete`; nothing is overwritten, so the records filed under an old
    version can still be read against the text that was in force."""

    __table_args__ = (UniqueConstraint("code", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(index=True, description="e.g. QT-HT-02")
    version: int = Field(description="1, 2, ...: lần ban hành")
    title: str
    clauses: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False), description='["9.2"]'
    )
    owner: str = Field(description="who answers for it")
    record_types: list[str] = Field(
        default_factory=list,
        sa_column=Column(JSON, nullable=False),
        description="the Decree 30 document types of the records it requires",
    )
    keywords: list[str] = Field(
        default_factory=list,
        sa_column=Column(JSON, nullable=False),
        description="words that, with a required type, link a document to it by rule",
    )
    retention_years: int | None = Field(
        default=None, description="how long its records are kept; None: permanently"
    )
    status: str = Field(default="current", description="current | obsolete | retired")
    effective: datetime = Field(default_factory=utcnow)
    superseded: datetime | None = None


class ProcedureLink(SQLModel, table=True):
    """A document that is evidence for a procedure: by rule, by a batch, or by a person's hand.
    An unlink removes the row; the trail keeps both events."""

    __table_args__ = (UniqueConstraint("document_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    code: str = Field(index=True)
    source: str = Field(description="rule | batch | manual")
    reason: str
    actor: str
    created: datetime = Field(default_factory=utcnow)


class Disposal(SQLModel, table=True):
    """The tombstone of a disposed record: what it was, when, by whom and why it was destroyed.
    The document row stays (status `disposed`, its metadata kept); its pages and original go."""

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", unique=True)
    sha256: str = Field(max_length=64)
    name: str
    procedures: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    retention_until: str = Field(description="the date its retention ran out, YYYY-MM-DD")
    disposed: datetime = Field(default_factory=utcnow)
    actor: str
    reason: str


class User(SQLModel, table=True):
    """A person who signs in to the web app, with one role (`archive.users.ROLES`). Never
    deleted, only deactivated, so the trail's actor names always mean someone."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True, description="login name; the trail's actor")
    role: str = Field(description="admin | archivist | auditor | staff")
    password_hash: str = Field(description="argon2id (pwdlib)")
    active: bool = True
    created: datetime = Field(default_factory=utcnow)


class ApiToken(SQLModel, table=True):
    """A token a script sends as `Authorization: Bearer …`, acting as its user. Only its
    SHA-256 is kept: the token itself is shown once, when it is made."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    label: str
    token_hash: str = Field(unique=True, max_length=64)
    created: datetime = Field(default_factory=utcnow)
    last_used: datetime | None = None
    revoked: datetime | None = None


class LoginSession(SQLModel, table=True):
    """A signed-in browser: the cookie holds a random token, the database its SHA-256 (so a
    copy of the database signs no one in), the user, the form token (CSRF) and when it ends."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(unique=True, max_length=64)
    csrf: str
    created: datetime = Field(default_factory=utcnow)
    expires: datetime
