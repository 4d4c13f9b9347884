"""The procedure registry: each procedure's versions, added, revised and retired through events.

A procedure is identified by its code (`QT-HT-02`); each revision is a new version (a new row)
and the version before becomes `obsolete`, readable as it was. Retiring marks the current version
`retired`: no new record links to it, the records that prove it keep their links. Every change
appends a `procedure.*` event in the caller's transaction (the caller commits).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from sqlmodel import Session, select

from sohoa.archive import records, trail
from sohoa.archive.models import Procedure, utcnow
from sohoa.archive.text import nfc

CODE = re.compile(r"[A-Z0-9][A-Z0-9.-]{1,31}")
CLAUSE = re.compile(r"\d{1,2}(\.\d{1,2}){0,3}")
SEED_ACTOR = "sohoa (seed)"


class ProcedureError(ValueError):
    """A procedure that does not exist, or a change the registry refuses (says why)."""


class ProcedureExists(ProcedureError):
    """A new procedure with the code of one in the registry (409 over HTTP)."""


class UnknownProcedure(ProcedureError, LookupError):
    """No procedure (or no such version of it) with that code."""


@dataclass
class ProcedureSpec:
    """What a person gives to add a procedure, or changes to revise one."""

    code: str
    title: str
    clauses: list[str] = field(default_factory=list)
    owner: str = ""
    record_types: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    retention_years: int | None = None

    def checked(self) -> ProcedureSpec:
        """The spec normalised (NFC, code upper case, types as Decree 30 spells them), or
        ProcedureError saying what is wrong."""
        code = nfc(self.code).strip().upper()
        if not CODE.fullmatch(code):
            raise ProcedureError(f'"{self.code}" is not a procedure code like QT-HT-02')
        title, owner = nfc(self.title).strip(), nfc(self.owner).strip()
        if not title:
            raise ProcedureError(f"{code}: a procedure needs a title")
        for clause in self.clauses:
            if not CLAUSE.fullmatch(clause):
                raise ProcedureError(f'{code}: "{clause}" is not an ISO clause like 9.2 or 7.5.3')
        try:
            types = [records.doc_type_of(name) for name in self.record_types]
        except ValueError as error:
            raise ProcedureError(f"{code}: {error}") from None
        if self.retention_years is not None and not 1 <= self.retention_years <= 200:
            raise ProcedureError(f"{code}: retention is 1-200 years, or none for permanent")
        keywords = [nfc(k).strip() for k in self.keywords if k.strip()]
        return ProcedureSpec(
            code, title, list(self.clauses), owner, types, keywords, self.retention_years
        )


EDITABLE = tuple(f.name for f in fields(ProcedureSpec) if f.name != "code")


def ensure_seeded(session: Session) -> int:
    """Seed an archive's empty registry with the usual procedures (`seed.SEED`), each an event;
    how many were added (0 once the registry has ever held a procedure)."""
    from sohoa.iso_procedures.seed import SEED

    if session.exec(select(Procedure.id).limit(1)).first() is not None:
        return 0
    for spec in SEED:
        add(session, spec, SEED_ACTOR)
    return len(SEED)


def current(session: Session) -> list[Procedure]:
    """The procedures in force (their current versions), by code."""
    return list(
        session.exec(
            select(Procedure).where(Procedure.status == "current").order_by(Procedure.code)
        )
    )


def listing(session: Session, everything: bool = False) -> list[Procedure]:
    """The newest version of every procedure (retired ones too), by code; with `everything`,
    every version, obsolete ones included."""
    rows = list(session.exec(select(Procedure).order_by(Procedure.code, Procedure.version.desc())))
    if everything:
        return rows
    newest: dict[str, Procedure] = {}
    for row in rows:
        newest.setdefault(row.code, row)
    return list(newest.values())


def versions(session: Session, code: str) -> list[Procedure]:
    """Every version of a procedure, newest first; ProcedureError if there is none."""
    rows = list(
        session.exec(
            select(Procedure)
            .where(Procedure.code == code.strip().upper())
            .order_by(Procedure.version.desc())
        )
    )
    if not rows:
        raise UnknownProcedure(f"no procedure {code.strip().upper()}")
    return rows


def get(session: Session, code: str, version: int | None = None) -> Procedure:
    """A procedure's newest version, or the version asked for; ProcedureError if none."""
    rows = versions(session, code)
    if version is None:
        return rows[0]
    for row in rows:
        if row.version == version:
            return row
    raise UnknownProcedure(f"{rows[0].code} has no version {version}")


def in_force(session: Session, code: str) -> Procedure:
    """The current version of a procedure; ProcedureError if it is unknown or retired."""
    procedure = get(session, code)
    if procedure.status != "current":
        raise ProcedureError(f"{procedure.code} is {procedure.status}")
    return procedure


def add(session: Session, spec: ProcedureSpec, actor: str) -> Procedure:
    spec = spec.checked()
    if session.exec(select(Procedure.id).where(Procedure.code == spec.code)).first():
        raise ProcedureExists(f"{spec.code} exists already: revise it instead")
    procedure = Procedure(**asdict(spec), version=1)
    session.add(procedure)
    session.flush()
    _event(session, "procedure.added", procedure, actor, {"procedure": asdict(spec)})
    return procedure


def revise(
    session: Session, code: str, changes: dict[str, Any], actor: str, reason: str
) -> Procedure:
    """A new version of `code` with `changes` (fields of `ProcedureSpec`); the one in force
    becomes obsolete."""
    old = in_force(session, code)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ProcedureError(f"cannot change {', '.join(sorted(unknown))} of a procedure")
    if not reason.strip():
        raise ProcedureError("say why the procedure is revised (--reason)")
    before = _spec_of(old)
    after = ProcedureSpec(**{**asdict(before), **changes}).checked()
    if after == before:
        raise ProcedureError(f"{old.code}: nothing would change")
    old.status, old.superseded = "obsolete", utcnow()
    session.add(old)
    session.flush()  # the old version leaves `current` before the new one enters
    new = Procedure(**asdict(after), version=old.version + 1)
    session.add(new)
    session.flush()
    changed = {
        name: {"old": getattr(before, name), "new": getattr(after, name)}
        for name in EDITABLE
        if getattr(before, name) != getattr(after, name)
    }
    _event(
        session,
        "procedure.revised",
        new,
        actor,
        {"changes": changed, "reason": nfc(reason.strip()), "obsoletes": old.version},
    )
    return new


def retire(session: Session, code: str, actor: str, reason: str) -> Procedure:
    procedure = in_force(session, code)
    if not reason.strip():
        raise ProcedureError("say why the procedure is retired (--reason)")
    procedure.status, procedure.superseded = "retired", utcnow()
    session.add(procedure)
    _event(session, "procedure.retired", procedure, actor, {"reason": nfc(reason.strip())})
    return procedure


def _spec_of(procedure: Procedure) -> ProcedureSpec:
    return ProcedureSpec(
        procedure.code,
        procedure.title,
        list(procedure.clauses),
        procedure.owner,
        list(procedure.record_types),
        list(procedure.keywords),
        procedure.retention_years,
    )


def _event(session: Session, action: str, procedure: Procedure, actor: str, details: dict) -> None:
    trail.record(
        session,
        action,
        actor=actor,
        object_type="procedure",
        object_id=procedure.id,
        details={"code": procedure.code, "version": procedure.version, **details},
    )
