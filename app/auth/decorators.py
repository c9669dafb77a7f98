"""Access markers for views; the guard in app/auth/guard.py enforces them on every request."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable)

PUBLIC = "public"


def public(view: F) -> F:
    """Allow anonymous access (only login, health, static and the token-keyed calendar feed may use this)."""
    view._access = PUBLIC  # type: ignore[attr-defined]
    return view


def roles_required(*roles: str) -> Callable[[F], F]:
    """Allow signed-in users whose role is one of `roles`."""
    if not roles:
        raise ValueError("roles_required needs at least one role")

    def decorator(view: F) -> F:
        view._access = frozenset(roles)  # type: ignore[attr-defined]
        return view

    return decorator


def any_signed_in(view: F) -> F:
    """Allow every signed-in role (own account pages, language switch)."""
    view._access = frozenset({"lobby", "manager", "supervisor", "admin"})  # type: ignore[attr-defined]
    return view


def read_only(view: F) -> F:
    """A POST that only reads (searches, inline checks): on SQLite it must not take the write lock."""
    view._read_only = True  # type: ignore[attr-defined]
    return view


def fresh_login_required(view: F) -> F:
    """Require a password typed in the last 15 minutes (security.md B5)."""
    view._fresh = True  # type: ignore[attr-defined]
    return view
