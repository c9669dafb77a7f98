"""Working hours: when a referral sent now must be accepted (Mon–Fri 09:00–12:00, 13:30–17:30 by default)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app


def _periods(spec) -> list[tuple[time, time]]:
    return [(time.fromisoformat(start), time.fromisoformat(end)) for start, end in spec]


def add_working_hours(start: datetime, hours: float, *, periods=None, workdays=None, tz: str | None = None) -> datetime:
    """`start` plus `hours` counted only inside the working periods of working days (UTC in, UTC out).
    The defaults come from config: REFERRAL_WORKING_HOURS, REFERRAL_WORKDAYS, REFERRAL_TIMEZONE."""
    config = current_app.config
    zone = ZoneInfo(tz or config["REFERRAL_TIMEZONE"])
    spans = _periods(periods or config["REFERRAL_WORKING_HOURS"])
    days = set(workdays if workdays is not None else config["REFERRAL_WORKDAYS"])
    if not spans or not days:
        raise ValueError("working hours need at least one period and one working day")
    remaining = timedelta(hours=hours)
    cursor = start.astimezone(zone)
    for _ in range(3660):  # ten years of days: a bound, never reached with a sane schedule
        if cursor.weekday() in days:
            for begin, end in spans:
                span_start = max(cursor, datetime.combine(cursor.date(), begin, zone))
                span_end = datetime.combine(cursor.date(), end, zone)
                if span_start >= span_end:
                    continue
                if remaining <= span_end - span_start:
                    return (span_start + remaining).astimezone(UTC)
                remaining -= span_end - span_start
        cursor = datetime.combine(cursor.date() + timedelta(days=1), time(0), zone)
    raise ValueError("working hours never reach the deadline")
