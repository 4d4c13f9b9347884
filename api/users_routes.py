"""Accounts over HTTP, for the admin: users, their roles, and API tokens for scripts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from sohoa.api import errors, objects
from sohoa.api.auth import Actor, AuthorisedRoute
from sohoa.api.deps import LARGEST, Db
from sohoa.archive import users

router = APIRouter(route_class=AuthorisedRoute, tags=["users"])


class NewUser(BaseModel):
    name: str = Field(examples=["lan"])
    role: str = Field(description=" | ".join(users.ROLES), examples=["staff"])
    password: str = Field(min_length=users.MIN_PASSWORD, examples=["một mật khẩu dài"])


class UserChange(BaseModel):
    role: str | None = Field(None, description=" | ".join(users.ROLES))
    active: bool | None = None
    password: str | None = Field(None, min_length=users.MIN_PASSWORD)


class TokenRequest(BaseModel):
    label: str = Field("script", examples=["nightly export"])


@router.get("/api/users", summary="Every user and their role")
def list_users(db: Db) -> list[dict]:
    return [objects.user_object(u) for u in users.all_users(db)]


@router.post(
    "/api/users",
    status_code=201,
    summary="Add a user (as `sohoa user add`)",
    responses=errors.documented(409),
)
def add_user(body: NewUser, db: Db, actor: Actor) -> dict:
    user = users.add_user(db, body.name, body.role, body.password, actor)
    db.commit()
    return objects.user_object(user)


@router.patch("/api/users/{name}", summary="Change a user's role, password, or deactivate them")
def change_user(name: str, body: UserChange, db: Db, actor: Actor) -> dict:
    user = _found(db, name)
    if body.role is not None:
        users.set_role(db, user, body.role, actor)
    if body.password is not None:
        users.set_password(db, user, body.password, actor)
    if body.active is not None:
        users.set_active(db, user, body.active, actor)
    db.commit()
    return objects.user_object(user)


@router.post(
    "/api/users/{name}/tokens",
    status_code=201,
    summary="Issue an API token for a user (shown once; send it as `Authorization: Bearer …`)",
)
def issue_token(
    name: str, db: Db, actor: Actor, body: Annotated[TokenRequest | None, Body()] = None
) -> dict:
    label = body.label if body else "script"
    user = _found(db, name)
    token = users.issue_token(db, user, label, actor)
    db.commit()
    return {"name": user.name, "label": label, "token": token}


@router.delete("/api/tokens/{token_id}", summary="Revoke an API token")
def revoke_token(token_id: Annotated[int, Path(ge=1, le=LARGEST)], db: Db, actor: Actor) -> dict:
    try:
        row = users.revoke_token(db, token_id, actor)
    except users.AccountError as error:
        raise HTTPException(404, str(error)) from None
    db.commit()
    return {"id": row.id, "label": row.label, "revoked": row.revoked.isoformat()}


def _found(db, name: str):
    user = users.find(db, name)
    if user is None:
        raise HTTPException(404, f"no user named {name!r}")
    return user
