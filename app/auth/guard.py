"""Deny by default: every request is checked here against the view's access marker (security.md A1)."""

from __future__ import annotations

import re
from urllib.parse import unquote, unquote_plus, urlsplit

from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from flask_login import current_user

from app.auth.decorators import PUBLIC
from app.auth.services import is_fresh, load_session
from app.core.extensions import login_manager
from app.core.htmx import hx_redirect, is_htmx_request, made_by_htmx
from app.core.privacy import contains_personal_number

# Endpoints a user who must change their password may still reach.
PASSWORD_CHANGE_ENDPOINTS = {"auth.change_password", "auth.logout", "auth.set_language"}


def view_access(endpoint: str):
    """The access marker of an endpoint: PUBLIC, a frozenset of roles, or None (unguarded)."""
    if endpoint == "static":
        return PUBLIC
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "_access", None)


@login_manager.request_loader
def _load_user_from_session(_request):
    loaded = load_session(session.get("sid"))
    g.user_session, user = loaded if loaded is not None else (None, None)
    return user


# What a post-login destination may contain: printable ASCII only (our own links are percent-encoded), so
# no tab, CR/LF or space a browser would strip (and no CR/LF to break the Location header).
_NEXT_CHARS = re.compile(r"[!-~]+")


def _decoded(path: str) -> str:
    """`path` percent-decoded until it stops changing (a proxy or a second decode must not find more)."""
    for _ in range(4):
        decoded = unquote(path)
        if decoded == path:
            break
        path = decoded
    return path


def safe_next(target: str | None) -> str | None:
    """A same-site relative path to go to after sign-in, or None. Judged as a browser reads it: browsers
    drop tab/CR/LF and treat a backslash as a slash, so anything that could become `//host` is refused."""
    if not target or not _NEXT_CHARS.fullmatch(target) or "\\" in target:
        return None
    # Decoded as a proxy or a second parser might decode it: still one leading slash, no hidden controls.
    path = _decoded(re.split(r"[?#]", target, maxsplit=1)[0]).replace("\\", "/")
    if not path.startswith("/") or "//" in path or any(c.isspace() or not c.isprintable() for c in path):
        return None
    if any(segment in (".", "..") for segment in path.split("/")):
        return None
    return target


def safe_referrer() -> str | None:
    """The page the request came from, as a relative path, if it is on this site."""
    url = request.referrer
    if not url:
        return None
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return None
    return safe_next(parts.path + (f"?{parts.query}" if parts.query else ""))


def _asked_for() -> str | None:
    """The page to come back to after sign-in; a query carrying a personal number is dropped (F3)."""
    path = request.full_path.rstrip("?")
    return safe_next(request.path if contains_personal_number(unquote_plus(path)) else path)


def _unauthenticated():
    login_url = url_for("auth.login", next=_asked_for())
    if made_by_htmx():
        # Never let htmx swap the login page into a fragment: tell it to navigate instead.
        return hx_redirect(url_for("auth.login"), status=401)
    return redirect(login_url)


def enforce_access():
    """before_request: login, then role, then freshness; anything unmarked is refused."""
    endpoint = request.endpoint
    if endpoint is None:
        return None  # the router will answer 404/405
    access = view_access(endpoint)
    if access == PUBLIC:
        return None
    if not current_user.is_authenticated:
        return _unauthenticated()
    if current_user.must_change_password and endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        if is_htmx_request():
            return hx_redirect(url_for("auth.change_password"), status=403)
        return redirect(url_for("auth.change_password"))
    if access is None or current_user.role not in access:
        abort(403)
    view = current_app.view_functions[endpoint]
    if getattr(view, "_fresh", False) and not is_fresh(g.get("user_session")):
        target = url_for("auth.reauthenticate", next=_asked_for())
        if made_by_htmx():
            return hx_redirect(target, status=401)
        return redirect(target)
    return None


def init_app(app: Flask) -> None:
    login_manager.session_protection = None  # sessions are server-side rows; see load_session
    app.before_request(enforce_access)
