"""The one place the current time comes from, so tests can move it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app

_frozen: datetime | None = None


def now() -> datetime:
    """Current time as an aware UTC datetime."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def freeze(at: datetime | None) -> None:
    """Pin now() to a moment (tests only); None unfreezes."""
    global _frozen
    _frozen = at.astimezone(UTC) if at is not None else None


def local(dt: datetime | None, tz: str = "Asia/Shanghai") -> datetime | None:
    """Convert a stored UTC datetime to the display timezone."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(ZoneInfo(tz))


def local_today() -> date:
    """Today in the display time zone (DISPLAY_TIMEZONE, Asia/Shanghai): the day a branch's lists are about."""
    return local(now(), current_app.config["DISPLAY_TIMEZONE"]).date()
