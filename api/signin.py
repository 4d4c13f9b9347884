"""Signing in and out of the web pages: `GET/POST /login` (form fields `username` and
`password`) and `POST /logout`.

A successful sign-in sets the session cookie (HttpOnly, SameSite=Lax) and goes on to the page
that sent the user here; a failed one says so without telling whether the name exists.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from sohoa.api.auth import COOKIE, AuthorisedRoute
from sohoa.api.deps import seal
from sohoa.api.templating import page
from sohoa.archive import users

router = APIRouter(route_class=AuthorisedRoute, include_in_schema=False)
log = logging.getLogger("sohoa")

HOME = "/search"


@router.get("/login")
def login_page(request: Request, next: str = HOME) -> Response:
    if getattr(request.state, "user", None) is not None:
        return RedirectResponse(_local(next), status_code=303)
    return page(request, "login.html", next=_local(next), username="", error=None)


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = HOME,
) -> Response:
    state = request.app.state
    address = request.client.host if request.client else ""
    wait = state.sign_ins.wait(username, address)
    if wait:
        log.warning("sohoa: sign-in of %r from %s refused: too many failures", username, address)
        minutes = max(1, round(wait / 60))
        error = f"Đăng nhập sai quá nhiều lần. Hãy thử lại sau {minutes} phút."
        return _form(request, next, username, error, status=429)
    with Session(state.engine) as session:
        user = users.authenticate(session, username, password)
        if user is None:
            session.commit()  # a rehash, if any; never a failed attempt's details
            state.sign_ins.failed(username, address)
            error = "Tên đăng nhập hoặc mật khẩu không đúng."
            return _form(request, next, username, error, status=401)
        cookie, _row = users.start_session(session, user)
        session.commit()
    state.sign_ins.succeeded(username, address)
    seal(request)
    response = RedirectResponse(_local(next), status_code=303)
    response.set_cookie(
        COOKIE,
        cookie,
        max_age=users.SESSION_HOURS * 3600,
        httponly=True,
        samesite="lax",
        secure=state.settings.secure_cookies,
    )
    return response


@router.post("/logout")
def logout(request: Request) -> RedirectResponse:
    cookie = request.cookies.get(COOKIE)
    if cookie:
        with Session(request.app.state.engine) as session:
            users.end_session(session, cookie)
            session.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response


def _form(request: Request, next: str, username: str, error: str, status: int) -> Response:
    """The sign-in form again, with why."""
    shown = {"next": _local(next), "username": username, "error": error}
    return page(request, "login.html", status=status, **shown)


def _local(target: str) -> str:
    """Only a path on this site (never `//elsewhere` or `https://…`): no open redirect."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return HOME
    return target
