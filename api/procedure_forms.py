"""The admin's forms for the procedure registry: issue a procedure, issue a new version of one
(the old version becomes obsolete and is kept), or withdraw one. Each is an event; a refusal
shows the procedure's page again with why.

Lists (clauses, record types, keywords) are typed comma-separated; the retention is a number of
years, or empty for permanent.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from sohoa.api import templating
from sohoa.api.audit_pages import procedure_view
from sohoa.api.auth import Actor, AuthorisedRoute, CurrentUser
from sohoa.api.deps import Db
from sohoa.iso_procedures import registry
from sohoa.iso_procedures.registry import ProcedureError, ProcedureSpec

router = APIRouter(route_class=AuthorisedRoute, include_in_schema=False)

Text = Annotated[str, Form(max_length=2000)]


class Fields(BaseModel):
    """What a procedure says, as the form sends it."""

    title: str = Field(max_length=2000)
    clauses: str = Field("", max_length=2000)
    owner: str = Field("", max_length=2000)
    record_types: str = Field("", max_length=2000)
    keywords: str = Field("", max_length=2000)
    retention: str = Field("", max_length=20)

    def values(self) -> dict:
        """As `ProcedureSpec` holds them (ProcedureError for a retention that is no number)."""
        return {
            "title": self.title,
            "clauses": _list(self.clauses),
            "owner": self.owner,
            "record_types": _list(self.record_types),
            "keywords": _list(self.keywords),
            "retention_years": _years(self.retention),
        }


class NewProcedure(Fields):
    code: str = Field(max_length=40)


class Revision(Fields):
    reason: str = Field(max_length=2000)


@router.post("/procedures")
def add_procedure(
    request: Request, db: Db, actor: Actor, form: Annotated[NewProcedure, Form()]
) -> Response:
    try:
        row = registry.add(db, ProcedureSpec(code=form.code, **form.values()), actor)
    except ProcedureError as error:
        shown = {"procedures": registry.current(db), "counts": {}, "error": str(error)}
        return templating.page(request, "procedures.html", status=422, **shown)
    db.commit()
    return _back(row.code, "added")


@router.post("/procedures/{code}/revise")
def revise_procedure(
    code: str,
    request: Request,
    db: Db,
    user: CurrentUser,
    actor: Actor,
    form: Annotated[Revision, Form()],
) -> Response:
    try:
        row = registry.revise(db, code, form.values(), actor, form.reason)
    except ProcedureError as error:
        db.rollback()
        return procedure_view(request, db, user, code, error=str(error), status=422)
    db.commit()
    return _back(row.code, "revised")


@router.post("/procedures/{code}/retire")
def retire_procedure(
    code: str, request: Request, db: Db, user: CurrentUser, actor: Actor, reason: Text
) -> Response:
    try:
        row = registry.retire(db, code, actor, reason)
    except ProcedureError as error:
        db.rollback()
        return procedure_view(request, db, user, code, error=str(error), status=422)
    db.commit()
    return _back(row.code, "retired")


def _list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _years(text: str) -> int | None:
    """Years as typed; empty (or `vĩnh viễn`) for permanent."""
    text = text.strip()
    if not text or text.lower() in ("vĩnh viễn", "permanent"):
        return None
    if not text.isdigit():
        raise ProcedureError(
            f"the retention is a number of years, or empty for permanent: {text!r}"
        )
    return int(text)


def _back(code: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"/procedures/{quote(code)}?done={done}", status_code=303)
