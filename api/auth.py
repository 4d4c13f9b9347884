"""Authorising every request from the permission table, before anything else runs.

Every route of the app is an `AuthorisedRoute`: before its body is parsed or its dependencies
solved, the request is identified (an API token in `Authorization: Bearer …`, else the session
cookie) and checked against `permissions.ROUTES`. A browser session's changes also need its form
token (CSRF: the `X-CSRF-Token` header or a `csrf_token` form field); a token-bearing script's do
not, as no browser sends a bearer token on its own.

Refusals: nobody signed in is 401 for `/api/…` and a redirect to `/login` for a page; a role the
table does not allow is 403.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.routing import APIRoute
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from sohoa.api import permissions
from sohoa.api.errors import Forbidden, NotSignedIn, documented
from sohoa.archive import users
from sohoa.archive.models import User

COOKIE = "sohoa_session"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class AuthorisedRoute(APIRoute):
    """A route that authorises each request from the permission table before it runs, and
    documents the refusals it can answer with (401 and 403 unless public, 404 with a path
    parameter, 422 for a request that is not valid) beside any the route names itself."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **options: Any):
        methods = options.get("methods") or ["GET"]
        public = all(
            permissions.ROUTES.get((m.upper(), path)) == permissions.PUBLIC for m in methods
        )
        statuses = (
            ([] if public else [401, 403])
            + ([400] if set(methods) & {"POST", "PUT", "PATCH"} else [])  # a body not JSON
            + ([404] if "{" in path else [])
            + [422]
        )
        options["responses"] = {**documented(*statuses), **(options.get("responses") or {})}
        super().__init__(path, endpoint, **options)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        path = self.path

        async def authorised(request: Request) -> Response:
            await authorise(request, path)
            return await handler(request)

        return authorised


async def authorise(request: Request, path: str) -> None:
    """Identify the request and check its role may do this; sets `request.state.user`."""
    permission = permissions.needed(request.method, path)
    signed = await run_in_threadpool(_identify, request)
    request.state.user = signed.user if signed else None  # a public page knows them too
    request.state.csrf = signed.csrf if signed else None
    if permission == permissions.PUBLIC:
        return
    if signed is None:
        raise NotSignedIn()
    if not permissions.allows(signed.user.role, permission):
        raise Forbidden(f"the {signed.user.role} role may not do this ({permission})")
    if signed.csrf is not None and request.method not in SAFE_METHODS:
        await _check_csrf(request, signed.csrf)


def _identify(request: Request) -> users.SignedIn | None:
    """Who sent this request: an API token's user, else the session cookie's, else nobody."""
    header = request.headers.get("authorization", "")
    cookie = request.cookies.get(COOKIE)
    if not header and not cookie:
        return None
    # The user outlives the session (the route reads it): nothing expires on commit.
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        if header:
            scheme, _, token = header.partition(" ")
            user = users.token_user(session, token.strip()) if scheme.lower() == "bearer" else None
            if session.dirty:
                session.commit()  # the token's last use, written once in a while
            return users.SignedIn(user) if user else None
        return users.session_user(session, cookie)


async def _check_csrf(request: Request, expected: str) -> None:
    """The header, or a urlencoded form's field. A multipart body (an upload) is never parsed
    here: that would read a whole upload before its limits apply; its token is the header."""
    given = request.headers.get("x-csrf-token")
    if given is None and request.headers.get("content-type", "").startswith(
        "application/x-www-form-urlencoded"
    ):
        form = await request.form()
        value = form.get("csrf_token")
        given = value if isinstance(value, str) else None
    if not given or not hmac.compare_digest(given, expected):
        raise Forbidden("the form token is missing or wrong (reload the page and try again)")


def current_user(request: Request) -> User:
    """The signed-in user (the route's permission guaranteed there is one)."""
    user = getattr(request.state, "user", None)
    if user is None:
        raise NotSignedIn()
    return user


def actor_name(user: Annotated[User, Depends(current_user)]) -> str:
    """The name the trail gives the signed-in user's actions."""
    return user.name


def may(user: User | None, permission: str) -> bool:
    return user is not None and permissions.allows(user.role, permission)


CurrentUser = Annotated[User, Depends(current_user)]
Actor = Annotated[str, Depends(actor_name)]


def check_app(app: FastAPI) -> None:
    """The app starts only if every route is in the permission table and every API route
    authorises (a route added without `AuthorisedRoute` would skip the table)."""
    served = permissions.served_routes(app)
    permissions.check_routes(served)
    routes = permissions.app_routes(app)
    for route in routes:
        if isinstance(route, APIRoute) and not isinstance(route, AuthorisedRoute):
            raise permissions.MissingFromTable(f"{route.path} does not authorise its requests")
    authorised = {route.path for route in routes if isinstance(route, AuthorisedRoute)}
    for method, path in served:  # only FastAPI's own pages and mounts are plain routes
        if path not in authorised and permissions.needed(method, path) != permissions.PUBLIC:
            raise permissions.MissingFromTable(f"{method} {path} is not public but not authorised")
