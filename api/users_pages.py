"""The admin's accounts page: who may sign in, with which role; add a person, change a role,
set a new password, stop someone signing in, and issue or revoke the API tokens scripts use.

Plain forms with the session's form token, each answered by a redirect back to the page with
what was done (a new token is shown once, on the page the form returns, never stored).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from sohoa.api import templating
from sohoa.api.auth import Actor, AuthorisedRoute
from sohoa.api.deps import LARGEST, Db
from sohoa.api.errors import NotFound
from sohoa.archive import users
from sohoa.archive.models import User

router = APIRouter(route_class=AuthorisedRoute, include_in_schema=False)

DONE = {
    "added": "Đã thêm người dùng {name}.",
    "role": "Đã đổi vai trò của {name}.",
    "password": "Đã đặt mật khẩu mới cho {name}; các phiên đăng nhập cũ của người này đã kết thúc.",
    "deactivated": "{name} không còn đăng nhập được.",
    "activated": "{name} lại đăng nhập được.",
    "revoked": "Đã thu hồi mã truy cập.",
}


@router.get("/users")
def users_page(request: Request, db: Db, done: str = "", name: str = "") -> Response:
    message = DONE[done].format(name=name) if done in DONE else None
    return _page(request, db, message=message)


@router.post("/users")
def add_user(
    request: Request,
    db: Db,
    actor: Actor,
    name: Annotated[str, Form(max_length=64)],
    role: Annotated[str, Form(max_length=20)],
    password: Annotated[str, Form(max_length=1000)],
) -> Response:
    try:
        user = users.add_user(db, name, role, password, actor)
    except users.AccountError as error:
        return _page(request, db, error=str(error), status=422)
    db.commit()
    return _back("added", user.name)


@router.post("/users/{name}/role")
def change_role(
    request: Request, name: str, db: Db, actor: Actor, role: Annotated[str, Form(max_length=20)]
) -> Response:
    return _change(request, db, name, "role", lambda user: users.set_role(db, user, role, actor))


@router.post("/users/{name}/password")
def change_password(
    request: Request,
    name: str,
    db: Db,
    actor: Actor,
    password: Annotated[str, Form(max_length=1000)],
) -> Response:
    return _change(
        request, db, name, "password", lambda user: users.set_password(db, user, password, actor)
    )


@router.post("/users/{name}/active")
def change_active(
    request: Request, name: str, db: Db, actor: Actor, active: Annotated[bool, Form()]
) -> Response:
    done = "activated" if active else "deactivated"
    return _change(request, db, name, done, lambda user: users.set_active(db, user, active, actor))


@router.post("/users/{name}/tokens")
def issue_token(
    request: Request,
    name: str,
    db: Db,
    actor: Actor,
    label: Annotated[str, Form(max_length=100)] = "script",
) -> Response:
    """The token is shown once, on the page this answers with."""
    user = _found(db, name)
    token = users.issue_token(db, user, label, actor)
    db.commit()
    return _page(request, db, new_token={"name": user.name, "label": label, "token": token})


@router.post("/tokens/{token_id}/revoke")
def revoke_token(
    request: Request, token_id: Annotated[int, Path(ge=1, le=LARGEST)], db: Db, actor: Actor
) -> Response:
    try:
        users.revoke_token(db, token_id, actor)
    except users.AccountError as error:
        return _page(request, db, error=str(error), status=404)
    db.commit()
    return _back("revoked", "")


def _change(request: Request, db: Session, name: str, done: str, change) -> Response:
    user = _found(db, name)
    try:
        change(user)
    except users.AccountError as error:
        return _page(request, db, error=str(error), status=422)
    db.commit()
    return _back(done, user.name)


def _found(db: Session, name: str) -> User:
    user = users.find(db, name)
    if user is None:
        raise NotFound(f"Không có người dùng tên {name}.")
    return user


def _page(request: Request, db: Session, status: int = 200, **shown) -> Response:
    people = users.all_users(db)
    return templating.page(
        request,
        "users.html",
        status=status,
        people=people,
        tokens={person.id: users.tokens_of(db, person) for person in people},
        roles=users.ROLES,
        min_password=users.MIN_PASSWORD,
        **{"message": None, "error": None, "new_token": None, **shown},
    )


def _back(done: str, name: str) -> RedirectResponse:
    return RedirectResponse("/users?" + urlencode({"done": done, "name": name}), status_code=303)
