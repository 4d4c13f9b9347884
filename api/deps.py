"""What routes are given: a database session that seals the trail after a change, and the
search index.

The archive an app serves lives on `app.state` (settings, database engine, index), so one process
can serve any archive and tests can build an app per archive.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.exceptions import HTTPException

from sohoa.api.auth import may
from sohoa.api.errors import Forbidden
from sohoa.archive import checkpoints, keys
from sohoa.archive.models import LARGEST_INTEGER, Document, User
from sohoa.archive.settings import Settings
from sohoa.search import SearchIndex, chosen_engine, open_index, ready_index

log = logging.getLogger("sohoa")


def _session(request: Request) -> Iterator[Session]:
    """A database session for one request; a request that may have changed something (any
    method but GET and HEAD, or a read that was recorded) ends by sealing the trail with a
    signed checkpoint."""
    with Session(request.app.state.engine) as session:
        yield session
    if request.method not in ("GET", "HEAD") or getattr(request.state, "appended", False):
        seal(request)


def seal(request: Request) -> None:
    """Sign a checkpoint over the trail's new events (`sign_trail`)."""
    sign_trail(request.app.state.settings, request.app.state.engine)


def sign_trail(settings: Settings, engine: Engine) -> None:
    """Sign a checkpoint over the trail's new events; in the server a failure is logged, never
    shown to whoever made the change."""
    try:
        checkpoints.seal_archive(settings, engine)
    except (checkpoints.CheckpointError, keys.KeyProblem) as error:
        log.error("the trail was not signed: %s", error)


def _index(request: Request) -> SearchIndex:
    """The archive's index; after `sohoa reindex --engine` switched engines, the new one."""
    state = request.app.state
    name = chosen_engine(state.settings)
    if name != state.index_engine:
        state.index = ready_index(open_index(state.settings, name), state.engine)
        state.index_engine = name
    return state.index


Db = Annotated[Session, Depends(_session)]
Index = Annotated[SearchIndex, Depends(_index)]

# Numbers a client sends are bounded by what the database's integer columns hold on every engine
# (PostgreSQL's INTEGER: 32-bit signed), so an absurd one is a 422, never an overflow inside.
LARGEST = LARGEST_INTEGER
DocumentId = Annotated[int, Path(ge=1, le=LARGEST, description="a document's id")]
PageNumber = Annotated[int, Path(ge=1, le=LARGEST, description="a page number, from 1")]
Offset = Annotated[int, Query(ge=0, le=LARGEST, description="results to skip")]


def readable(db: Session, document_id: int, user: User) -> Document:
    """The document, if it exists (404) and the user's role may read it (403 for a restricted
    record, unless the table grants `read-restricted`)."""
    document = db.get(Document, document_id)
    if document is None:
        raise HTTPException(404, f"no document with id {document_id}")
    if document.access == "restricted" and not may(user, "read-restricted"):
        raise Forbidden(f"document {document_id} is a restricted record")
    return document
