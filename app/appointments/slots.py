"""Working hours and free slots: Mon-Fri 09:00-12:00 and 13:30-17:30 in the display time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core import clock
from app.core.extensions import db
from app.core.validation import MAX_AHEAD_DAYS
from app.models import BLOCKING_STATUSES, Appointment

WORKING_BLOCKS = ((time(9, 0), time(12, 0)), (time(13, 30), time(17, 30)))
STEP = timedelta(minutes=30)
LENGTHS = (30, 60)
# Every appointment lasts one of LENGTHS (booking offers only those; rescheduling keeps the length), so one that
# overlaps [start, end) starts after start - LONGEST: the lower bound keeps the staff index scan to a few rows.
LONGEST = timedelta(minutes=max(LENGTHS))
TIME_PASSED = _l("The time has already passed.")


@dataclass(frozen=True, slots=True)
class Slot:
    start: datetime  # aware UTC
    end: datetime

    @property
    def key(self) -> str:
        """The value a form posts for this slot: its local start, minute precision."""
        return to_local(self.start).strftime("%Y-%m-%dT%H:%M")


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])


def to_local(moment: datetime) -> datetime:
    return moment.astimezone(zone())


def from_local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=zone()).astimezone(UTC)


def too_far(start: datetime) -> bool:
    """Later than the last day anything may be planned for (validation.MAX_AHEAD_DAYS ahead)."""
    return to_local(start).date() > clock.local_today() + timedelta(days=MAX_AHEAD_DAYS)


def parse_key(key: str) -> datetime | None:
    """A posted local 'YYYY-MM-DDTHH:MM' as aware UTC, or None when it is not one."""
    try:
        local = datetime.strptime(key.strip(), "%Y-%m-%dT%H:%M")
    except (ValueError, AttributeError):
        return None
    if not 2000 <= local.year <= 2100:
        return None
    return local.replace(tzinfo=zone()).astimezone(UTC)


def in_working_hours(start: datetime, minutes: int) -> bool:
    """The time lies within one working block of a working day, on the half-hour grid free_slots offers."""
    local = to_local(start)
    if local.weekday() >= 5 or local.second or local.microsecond or local.minute % 30:
        return False
    end = (local + timedelta(minutes=minutes)).time()
    return any(block_start <= local.time() and end <= block_end and end > local.time()
               for block_start, block_end in WORKING_BLOCKS)


def busy_intervals(staff_id: int, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    rows = db.session.execute(
        select(Appointment.start_at, Appointment.end_at)
        .where(Appointment.staff_id == staff_id, Appointment.status.in_(BLOCKING_STATUSES),
               Appointment.start_at < end, Appointment.start_at > start - LONGEST, Appointment.end_at > start)
        .order_by(Appointment.start_at)).all()
    return [(row.start_at, row.end_at) for row in rows]


def free_slots(staff_id: int, *, minutes: int = 30, count: int = 8, days: int = 10,
               after: datetime | None = None) -> list[Slot]:
    """The staff member's next `count` free slots of `minutes` in working hours, from the next half hour."""
    length = timedelta(minutes=minutes)
    now = after or clock.now()
    first_day = to_local(now).date()
    window_end = from_local(first_day + timedelta(days=days + 4), time(0, 0))
    busy = busy_intervals(staff_id, now, window_end)
    found: list[Slot] = []
    day = first_day
    while len(found) < count and day < first_day + timedelta(days=days + 4):
        if day.weekday() < 5:
            for block_start, block_end in WORKING_BLOCKS:
                start, block_stop = from_local(day, block_start), from_local(day, block_end)
                while start + length <= block_stop and len(found) < count:
                    end = start + length
                    if start >= now and not any(b_start < end and b_end > start for b_start, b_end in busy):
                        found.append(Slot(start, end))
                    start += STEP
        day += timedelta(days=1)
    return found
