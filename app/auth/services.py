"""Sign-in and server-side sessions; plain functions that take the acting user explicitly."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update

from app.auth.passwords import burn_time, hash_password, needs_rehash, verify_password
from app.core import audit, clock
from app.core.extensions import db
from app.models import LoginFailure, User, UserSession

# Writing last_seen_at on every request would turn every page view into a write.
LAST_SEEN_RESOLUTION = timedelta(seconds=60)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalize_username(username: str) -> str:
    return (username or "").strip().lower()[:40]


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    locked: bool = False


def recent_failures(username: str) -> int:
    since = clock.now() - current_app.config["LOGIN_FAILURE_WINDOW"]
    return db.session.scalar(
        select(func.count()).select_from(LoginFailure).where(
            LoginFailure.username == username, LoginFailure.at >= since
        )
    ) or 0


def authenticate(username: str, password: str, *, ip: str | None) -> SignInResult:
    """Check a username and password, counting failures per account name (known or not)."""
    name = normalize_username(username)
    if recent_failures(name) >= current_app.config["LOGIN_MAX_FAILURES"]:
        burn_time()
        audit.record(None, "login_locked", username=name)
        return SignInResult(None, locked=True)
    user = db.session.scalar(select(User).where(User.username == name))
    if user is None:
        burn_time()
        ok = False
    else:
        ok = verify_password(user.password_hash, password) and user.active
    if not ok:
        db.session.add(LoginFailure(username=name, ip=ip))
        audit.record(None, "login_failed", username=name)
        return SignInResult(None)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    db.session.execute(delete(LoginFailure).where(LoginFailure.username == name))
    audit.record(user, "login")
    return SignInResult(user)


def verify_again(user: User, password: str, *, ip: str | None, action: str) -> bool:
    """Check the password of a signed-in user (step-up, password change) under the sign-in
    failure counter, so a stolen session cannot guess its way to a fresh login."""
    if recent_failures(user.username) >= current_app.config["LOGIN_MAX_FAILURES"]:
        burn_time()
        audit.record(user, f"{action}_locked")
        return False
    if verify_password(user.password_hash, password):
        return True
    db.session.add(LoginFailure(username=user.username, ip=ip))
    audit.record(user, f"{action}_failed")
    return False


def start_session(user: User, *, ip: str | None, user_agent: str | None) -> str:
    """Create a server-side session row and return the token for the cookie."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            token_hash=_token_hash(token),
            user_id=user.id,
            ip=ip,
            user_agent=(user_agent or "")[:200],
        )
    )
    return token


@dataclass(frozen=True, slots=True)
class LiveSession:
    """The signed-in browser's session row, as the request needs it."""

    id: int
    user_id: int
    created_at: datetime
    last_seen_at: datetime
    authenticated_at: datetime


def _session_and_user(token: str) -> tuple[UserSession, User] | None:
    """The session row for a cookie token with its user, in one statement."""
    row = db.session.execute(
        select(UserSession, User).join(User, User.id == UserSession.user_id)
        .where(UserSession.token_hash == _token_hash(token))
    ).first()
    return None if row is None else (row[0], row[1])


def _end_session_now(session_id: int, now: datetime) -> None:
    db.session.execute(update(UserSession).where(UserSession.id == session_id).values(revoked_at=now))
    db.session.commit()


def load_session(token: str | None) -> tuple[LiveSession, User] | None:
    """The live session for a cookie token and its user, ending the session if it has timed out."""
    if not token:
        return None
    found = _session_and_user(token)
    if found is None or found[0].revoked_at is not None:
        return None
    row, user = found
    now = clock.now()
    cfg = current_app.config
    # A deactivated user's session ends for good: reactivating the account must not revive it (C5).
    if (
        not user.active
        or now - row.last_seen_at > cfg["SESSION_IDLE_TIMEOUT"]
        or now - row.created_at > cfg["SESSION_ABSOLUTE_TIMEOUT"]
    ):
        _end_session_now(row.id, now)
        return None
    live = LiveSession(row.id, user.id, row.created_at, row.last_seen_at, row.authenticated_at)
    if now - row.last_seen_at > LAST_SEEN_RESOLUTION:
        db.session.execute(update(UserSession).where(UserSession.id == live.id).values(last_seen_at=now))
        db.session.commit()
    return live, user


def is_fresh(row: LiveSession | None) -> bool:
    """True when the user typed their password within the freshness window (security.md B5)."""
    if row is None:
        return False
    window = timedelta(minutes=current_app.config["FRESH_LOGIN_MINUTES"])
    return clock.now() - row.authenticated_at <= window


def end_session(token: str | None) -> None:
    """Revoke one session (logout)."""
    if not token:
        return
    db.session.execute(
        update(UserSession)
        .where(UserSession.token_hash == _token_hash(token), UserSession.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )


def revoke_all_sessions(user: User) -> int:
    """End every session of a user (deactivation, password change, admin kill)."""
    result = db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )
    return result.rowcount or 0


def mark_reauthenticated(row: LiveSession) -> None:
    db.session.execute(update(UserSession).where(UserSession.id == row.id).values(authenticated_at=clock.now()))


def change_password(user: User, new_password: str, *, actor: User) -> None:
    """Set a new password and end all of the user's sessions."""
    user.password_hash = hash_password(new_password)
    user.password_changed_at = clock.now()
    user.must_change_password = actor.id != user.id
    revoke_all_sessions(user)
    audit.record(actor, "password_change" if actor.id == user.id else "password_reset",
                 subject_type="user", subject_id=user.id)


def one_time_password() -> str:
    """A random password shown once, for a new account or a reset."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(4))
