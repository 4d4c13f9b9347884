"""The JSON routes of the ISO procedures: the registry (list, one procedure with its versions and
records; the admin adds, revises and retires) and the links that say which record proves which
procedure (the archivist's).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from sohoa.api import auth, errors, objects
from sohoa.api.auth import Actor, AuthorisedRoute, CurrentUser
from sohoa.api.deps import LARGEST, Db, DocumentId, Index
from sohoa.iso_procedures import registry
from sohoa.iso_procedures.registry import ProcedureSpec

router = APIRouter(route_class=AuthorisedRoute)


class Reason(BaseModel):
    reason: str


class Link(BaseModel):
    code: str
    reason: str


class Revision(BaseModel):
    reason: str
    changes: dict[str, Any] = Field(
        description="fields of the procedure to change: title, clauses, owner, record_types, "
        "keywords, retention_years (null: permanent)"
    )


@router.get("/api/procedures", summary="The procedures (as `sohoa procedures list --json`)")
def list_procedures(
    db: Db, user: CurrentUser, everything: Annotated[bool, Query(alias="all")] = False
) -> list:
    return objects.procedure_list(db, everything, auth.may(user, "read-restricted"))


@router.get(
    "/api/procedures/{code}",
    summary="One procedure, its versions and its records (as `sohoa procedures show --json`)",
)
def get_procedure(
    code: str,
    db: Db,
    user: CurrentUser,
    version: Annotated[int | None, Query(ge=1, le=LARGEST)] = None,
) -> dict:
    """Restricted records are listed (and counted) only for roles that may read them."""
    return objects.procedure_detail(db, code, version, auth.may(user, "read-restricted"))


@router.post(
    "/api/procedures", status_code=201, summary="Add a procedure", responses=errors.documented(409)
)
def add_procedure(spec: ProcedureSpec, db: Db, actor: Actor) -> dict:
    row = registry.add(db, spec, actor)
    db.commit()
    return objects.procedure(row)


@router.post(
    "/api/procedures/{code}/revisions",
    status_code=201,
    summary="Make a new version of a procedure (the one in force becomes obsolete)",
)
def revise_procedure(code: str, revision: Revision, db: Db, actor: Actor) -> dict:
    row = registry.revise(db, code, revision.changes, actor, revision.reason)
    db.commit()
    return objects.procedure(row)


@router.post("/api/procedures/{code}/retire", summary="Withdraw a procedure")
def retire_procedure(code: str, body: Reason, db: Db, actor: Actor) -> dict:
    row = registry.retire(db, code, actor, body.reason)
    db.commit()
    return objects.procedure(row)


@router.post(
    "/api/documents/{document_id}/procedures",
    summary="Link a document to a procedure it proves (as `sohoa link`)",
)
def link_document(document_id: DocumentId, body: Link, db: Db, index: Index, actor: Actor) -> dict:
    codes = objects.change_link(db, index, document_id, body.code, actor, body.reason, True)
    return {"document_id": document_id, "procedures": codes}


@router.delete(
    "/api/documents/{document_id}/procedures/{code}",
    summary="Unlink a document from a procedure (as `sohoa unlink`)",
)
def unlink_document(
    document_id: DocumentId,
    code: str,
    db: Db,
    index: Index,
    reason: Annotated[str, Query(description="why the link is wrong")],
    actor: Actor,
) -> dict:
    codes = objects.change_link(db, index, document_id, code, actor, reason, False)
    return {"document_id": document_id, "procedures": codes}
