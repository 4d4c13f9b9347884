"""Accounts: who may sign in, with which role, and how a request proves who it is.

A person signs in with a password (hashed with argon2id through pwdlib) and gets a browser
session; a script uses an API token. Tokens and session cookies are random, and the database
keeps only their SHA-256, so a stolen copy of the database signs no one in. What each role may
do is the web app's permission table (`api/permissions.py`); this module only knows the roles.

Adding a user, changing a role, issuing or revoking a token and signing in are trail events
(who did it, never the secret).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pwdlib import PasswordHash
from sqlmodel import Session, select

from sohoa.archive import trail
from sohoa.archive.models import ApiToken, LoginSession, User, utcnow
from sohoa.archive.text import nfc

ROLES = ("admin", "archivist", "auditor", "staff")
MIN_PASSWORD = 10
SESSION_HOURS = 12
TOKEN_PREFIX = "sohoa_"
LAST_USE_STEP = timedelta(minutes=10)  # how stale a token's `last_used` may get

_hasher = PasswordHash.recommended()  # argon2id with pwdlib's current parameters
# Verified against when the name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class AccountError(ValueError):
    """A refused account change: an unknown role, a short password, a taken name."""


class NameTaken(AccountError):
    """A new user with the name of one who exists (409 over HTTP)."""


@dataclass(frozen=True)
class SignedIn:
    """Who a request is: the user, and for a browser session its form token (CSRF)."""

    user: User
    csrf: str | None = None


def add_user(session: Session, name: str, role: str, password: str, actor: str) -> User:
    """A new active user (a `user.added` event); the caller commits."""
    name = _checked_name(name)
    _check_role(role)
    _check_password(password)
    if session.exec(select(User).where(User.name == name)).first():
        raise NameTaken(f"there is already a user named {name!r}")
    user = User(name=name, role=role, password_hash=_hasher.hash(password))
    session.add(user)
    session.flush()
    trail.record(
        session, "user.added", actor=actor, object_type="user", object_id=user.id,
        details={"name": name, "role": role},
    )  # fmt: skip
    return user


def set_password(session: Session, user: User, password: str, actor: str) -> None:
    """Change a password; every browser session of the user ends."""
    _check_password(password)
    user.password_hash = _hasher.hash(password)
    session.add(user)
    _end_sessions(session, user)
    trail.record(
        session, "user.password_changed", actor=actor, object_type="user", object_id=user.id,
        details={"name": user.name},
    )  # fmt: skip


def set_role(session: Session, user: User, role: str, actor: str) -> None:
    _check_role(role)
    if user.role == role:
        return
    trail.record(
        session, "user.role_changed", actor=actor, object_type="user", object_id=user.id,
        details={"name": user.name, "old": user.role, "new": role},
    )  # fmt: skip
    user.role = role
    session.add(user)


def set_active(session: Session, user: User, active: bool, actor: str) -> None:
    """Deactivate (or bring back) a user: a deactivated user's sessions and tokens stop working
    at once. Users are never deleted, so the trail's names keep meaning someone."""
    if user.active == active:
        return
    user.active = active
    session.add(user)
    if not active:
        _end_sessions(session, user)
    trail.record(
        session, "user.activated" if active else "user.deactivated", actor=actor,
        object_type="user", object_id=user.id, details={"name": user.name},
    )  # fmt: skip


def find(session: Session, name: str) -> User | None:
    return session.exec(select(User).where(User.name == nfc(name.strip()))).first()


def all_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(User.name)))


def tokens_of(session: Session, user: User) -> list[ApiToken]:
    """A user's API tokens, newest first (revoked ones too: what was issued stays listed)."""
    return list(
        session.exec(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


def has_users(session: Session) -> bool:
    return session.exec(select(User.id).limit(1)).first() is not None


def authenticate(session: Session, name: str, password: str) -> User | None:
    """The active user with this name and password, else None. A hash made with older
    parameters is upgraded on the way."""
    user = find(session, name)
    if user is None or not user.active:
        _hasher.verify(password, _DUMMY_HASH)
        return None
    valid, new_hash = _hasher.verify_and_update(password, user.password_hash)
    if not valid:
        return None
    if new_hash:
        user.password_hash = new_hash
        session.add(user)
    return user


def start_session(session: Session, user: User, via: str = "web") -> tuple[str, LoginSession]:
    """Sign a user in: the cookie's value (shown once) and the session row (a `user.signed_in`
    event)."""
    cookie = secrets.token_urlsafe(32)
    row = LoginSession(
        user_id=user.id,
        token_hash=_digest(cookie),
        csrf=secrets.token_urlsafe(24),
        expires=utcnow() + timedelta(hours=SESSION_HOURS),
    )
    session.add(row)
    trail.record(
        session, "user.signed_in", actor=user.name, object_type="user", object_id=user.id,
        details={"via": via},
    )  # fmt: skip
    return cookie, row


def session_user(session: Session, cookie: str) -> SignedIn | None:
    """Who this session cookie belongs to, if it is current and the user active."""
    found = session.exec(  # one query: every request asks it
        select(LoginSession, User)
        .join(User, User.id == LoginSession.user_id)
        .where(LoginSession.token_hash == _digest(cookie))
    ).first()
    if found is None:
        return None
    row, user = found
    if _aware(row.expires) <= utcnow() or not user.active:
        return None
    return SignedIn(user, row.csrf)


def end_session(session: Session, cookie: str) -> None:
    row = session.exec(
        select(LoginSession).where(LoginSession.token_hash == _digest(cookie))
    ).first()
    if row is not None:
        session.delete(row)


def issue_token(session: Session, user: User, label: str, actor: str) -> str:
    """A new API token for the user, returned once (only its hash is kept): a `token.issued`
    event."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, label=nfc(label.strip()) or "script", token_hash=_digest(token))
    session.add(row)
    session.flush()
    trail.record(
        session, "token.issued", actor=actor, object_type="user", object_id=user.id,
        details={"name": user.name, "token": row.id, "label": row.label},
    )  # fmt: skip
    return token


def revoke_token(session: Session, token_id: int, actor: str) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise AccountError(f"no token with id {token_id}")
    if row.revoked is None:
        row.revoked = utcnow()
        session.add(row)
        trail.record(
            session, "token.revoked", actor=actor, object_type="user", object_id=row.user_id,
            details={"token": row.id, "label": row.label},
        )  # fmt: skip
    return row


def token_user(session: Session, token: str) -> User | None:
    """The active user this API token acts for, if it is not revoked."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    found = session.exec(  # one query: every request asks it
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == _digest(token))
    ).first()
    if found is None:
        return None
    row, user = found
    if row.revoked is not None or not user.active:
        return None
    if row.last_used is None or utcnow() - _aware(row.last_used) > LAST_USE_STEP:
        row.last_used = utcnow()  # the caller commits; a busy script writes once in a while
        session.add(row)
    return user


def _end_sessions(session: Session, user: User) -> None:
    for row in session.exec(select(LoginSession).where(LoginSession.user_id == user.id)):
        session.delete(row)


def _checked_name(name: str) -> str:
    name = nfc(name.strip())
    if not name or len(name) > 64 or any(c.isspace() or not c.isprintable() for c in name):
        raise AccountError("a user name is 1 to 64 characters, without spaces")
    return name


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AccountError(f"the role is one of {', '.join(ROLES)}, not {role!r}")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password has at least {MIN_PASSWORD} characters")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    """A stored time, timezone-aware (it was stored in UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
