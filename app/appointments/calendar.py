"""The calendar (/appointments): a week (Monday first) or a day of one staff member's appointments, or of the
whole branch for a supervisor, placed in the working-hours rows of slots.py, in the display time zone.
Built in a fixed number of statements whatever the number of appointments."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from app.appointments import slots as slot_rules
from app.appointments import transitions
from app.appointments.presenters import WEEKDAYS
from app.core import clock, policies, worker_copies
from app.core.extensions import db
from app.core.labels import LABELS
from app.core.privacy import mask, mask_numbers_in_text
from app.core.scoping import MAX_ID, in_own_branch, staff_visible_to
from app.models import Appointment, AppointmentStatus, Customer, User

VIEWS = ("week", "day")
TEAM = "team"
# Superseded rows: the calendar shows where the meeting is now, not the time it left or the offer not taken.
HIDDEN_STATUSES = (AppointmentStatus.RESCHEDULED.value, AppointmentStatus.RELEASED.value)
DAY_START = time(0, 0)


@dataclass(frozen=True, slots=True)
class Row:
    """One horizontal band of the calendar: a working-hours slot, or the time before, between or after."""

    index: int
    label: str
    start: time
    end: time  # exclusive
    working: bool


def calendar_rows() -> list[Row]:
    """The bands of a day from slots.WORKING_BLOCKS: before, each 30-minute slot, the break, after."""
    bands: list[tuple[str, time, time, bool]] = []
    cursor = DAY_START
    for block_start, block_end in slot_rules.WORKING_BLOCKS:
        if cursor < block_start:
            label = (_("Before %(time)s", time=block_start.strftime("%H:%M")) if cursor == DAY_START
                     else f"{cursor.strftime('%H:%M')}-{block_start.strftime('%H:%M')}")
            bands.append((label, cursor, block_start, False))
        moment = datetime.combine(date.min, block_start)
        while moment.time() < block_end:
            following = moment + slot_rules.STEP
            bands.append((moment.strftime("%H:%M"), moment.time(), min(following.time(), block_end), True))
            moment = following
        cursor = block_end
    bands.append((_("From %(time)s", time=cursor.strftime("%H:%M")), cursor, time.max, False))
    return [Row(i, label, start, end, working) for i, (label, start, end, working) in enumerate(bands)]


def row_of(rows: list[Row], at: time) -> int:
    return next(row.index for row in rows if row.start <= at < row.end)


@dataclass(slots=True)
class Event:
    id: int
    version: int
    day: str
    row: int
    start: str
    end: str
    status: str
    status_label: str
    place_label: str
    location: str
    purpose: str
    customer_id: int
    customer_name: str
    staff_name: str
    cancel_reason: str
    outcome: str
    next_step: str
    actions: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Day:
    date: date
    weekday: str
    is_today: bool
    column: int
    cells: list[list[Event]]  # one list per row

    @property
    def count(self) -> int:
        return sum(len(cell) for cell in self.cells)

    def drawn_cells(self, rows: list[Row]) -> list[tuple[str, list[Event]]]:
        """Each cell's CSS classes with its events: worked out here once, not by the template per cell."""
        return [("cal-cell" + ("" if row.working else " cal-off") + (" cal-busy" if events else ""), events)
                for row, events in zip(rows, self.cells, strict=True)]


@dataclass(slots=True)
class Calendar:
    view: str
    anchor: date  # the day asked for (the week's Monday for a week)
    staff_param: str  # "" (me), a staff id, or "team"
    staff_label: str
    rows: list[Row]
    days: list[Day]
    previous: date
    following: date
    today: date
    title: str
    team: bool
    colleagues: list[tuple[int, str]]  # the staff a supervisor may pick, by name

    def state(self, **changes) -> dict:
        """The query arguments of this calendar (or of a neighbour, with `changes`)."""
        values = {"view": self.view, "day": self.anchor.isoformat(), "staff": self.staff_param or None}
        values.update(changes)
        return {key: value for key, value in values.items() if value}


def parse_day(value: str | None, today: date) -> date:
    try:
        parsed = date.fromisoformat(value) if value else today
    except ValueError:
        return today
    return parsed if date(2000, 1, 1) <= parsed <= date(2100, 12, 31) else today


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def whose(viewer: User, staff_param: str | None) -> tuple[str, User | None]:
    """Whose calendar: ('', viewer) for one's own, (id, colleague), or ('team', None) for the branch. No
    choice: a supervisor sees the team (their own calendar rarely holds meetings), anyone else their own.
    404 for an id outside the viewer's branch or unknown; 403 for what the viewer's role may not see."""
    value = (staff_param or "").strip()
    if not value:
        return (TEAM, None) if policies.can_view_team_calendar(viewer) else ("", viewer)
    if value == TEAM:
        if not policies.can_view_team_calendar(viewer):
            abort(403)
        return TEAM, None
    staff_id = int(value) if value.isdigit() else 0
    staff = db.session.get(User, staff_id) if 0 < staff_id <= MAX_ID else None
    if staff is None or not in_own_branch(viewer, staff.branch_id):
        abort(404)
    if not policies.can_view_staff_calendar(viewer, staff):
        abort(403)
    return str(staff.id), staff


@lru_cache(maxsize=2)
def _appointments_statement(team: bool):
    """Built once per shape, values bound: assembling it (joins, load_only) cost more than running it."""
    stmt = (select(Appointment)
            # only what an event shows and the policies read: a customer row is wide
            .options(joinedload(Appointment.customer).load_only(Customer.name, Customer.owner_id, Customer.branch_id,
                                                                Customer.archived_at),
                     joinedload(Appointment.staff).load_only(User.display_name, User.branch_id))
            .where(Appointment.start_at >= bindparam("start"), Appointment.start_at < bindparam("end"),
                   Appointment.status.not_in(HIDDEN_STATUSES), Appointment.branch_id == bindparam("branch_id"))
            .order_by(Appointment.start_at, Appointment.id))
    if team:  # the branch's appointments (ix_appointment_branch_start)
        return stmt
    # one calendar (ix_appointment_staff_start); another branch's customer never shows
    return stmt.where(Appointment.staff_id == bindparam("staff_id"))


def _appointments(viewer: User, staff: User | None, first: date, last: date) -> list[Appointment]:
    start, end = slot_rules.from_local(first, DAY_START), slot_rules.from_local(last + timedelta(days=1), DAY_START)
    values = {"start": start, "end": end, "branch_id": viewer.branch_id}
    if staff is not None:
        values["staff_id"] = staff.id
    return list(db.session.scalars(_appointments_statement(staff is None), values))


def _event(viewer: User, appointment: Appointment, rows: list[Row], sees_full) -> Event:
    local_start, local_end = slot_rules.to_local(appointment.start_at), slot_rules.to_local(appointment.end_at)
    customer = appointment.customer
    full = sees_full(customer.owner_id, customer.branch_id, customer.id)
    masked = lambda text: mask_numbers_in_text(text) if text else ""  # noqa: E731
    can_act = policies.can_act_on_appointment(viewer, appointment)
    return Event(
        id=appointment.id, version=appointment.version, day=local_start.date().isoformat(),
        row=row_of(rows, local_start.time()), start=local_start.strftime("%H:%M"), end=local_end.strftime("%H:%M"),
        status=appointment.status, status_label=LABELS.appointment_status.get(appointment.status, ""),
        place_label=LABELS.place.get(appointment.place, ""), location=masked(appointment.location),
        purpose=masked(appointment.purpose), customer_id=customer.id,
        customer_name=customer.name if full else mask("name", customer.name),
        staff_name=appointment.staff.display_name, cancel_reason=masked(appointment.cancel_reason),
        outcome=masked(appointment.outcome), next_step=masked(appointment.next_step),
        actions=transitions.actions_for(appointment) if can_act else [])


def event_for(viewer: User, appointment: Appointment) -> Event:
    """One appointment as the calendar shows it (its actions fetched on opening)."""
    rule = policies.full_record_rule(viewer, {appointment.customer_id})
    return _event(viewer, appointment, calendar_rows(), rule)


def _colleagues(viewer: User) -> list[tuple[int, str]]:
    if not policies.can_view_team_calendar(viewer):
        return []
    rows = db.session.execute(staff_visible_to(viewer).with_only_columns(User.id, User.display_name)
                              .where(User.role.in_(("manager", "supervisor")), User.active.is_(True))
                              .order_by(User.display_name)).all()
    return [(row.id, row.display_name) for row in rows]


def build_calendar(viewer: User, *, view: str | None, day: str | None, staff: str | None) -> Calendar:
    """The calendar the viewer asked for (404/403 for a calendar out of scope or policy)."""
    today = slot_rules.to_local(clock.now()).date()
    view = view if view in VIEWS else "week"
    anchor = parse_day(day, today)
    staff_param, staff_user = whose(viewer, staff)
    first = monday_of(anchor) if view == "week" else anchor
    length = 7 if view == "week" else 1
    dates = [first + timedelta(days=i) for i in range(length)]
    rows = calendar_rows()
    appointments = _appointments(viewer, staff_user, dates[0], dates[-1])
    # Owners see their own customers in full: only the others' can need a share looked up.
    sees_full = policies.full_record_rule(viewer, {a.customer_id for a in appointments
                                                   if a.customer.owner_id != viewer.id})
    day_index = {d: i for i, d in enumerate(dates)}
    days = [Day(d, str(WEEKDAYS[d.weekday()]), d == today, i, [[] for _row in rows]) for i, d in enumerate(dates)]
    for appointment in appointments:
        event = _event(viewer, appointment, rows, sees_full)
        position = day_index.get(date.fromisoformat(event.day))
        if position is not None:
            days[position].cells[event.row].append(event)
    step = timedelta(days=length)
    if view == "week":
        title = _("Week of %(first)s to %(last)s", first=dates[0].strftime("%Y-%m-%d"),
                  last=dates[-1].strftime("%Y-%m-%d"))
    else:
        title = f"{dates[0].strftime('%Y-%m-%d')} ({WEEKDAYS[dates[0].weekday()]})"
    label = _("The whole team") if staff_user is None else staff_user.display_name
    return Calendar(view=view, anchor=first, staff_param=staff_param, staff_label=label, rows=rows, days=days,
                    previous=first - step, following=first + step, today=today, title=title,
                    team=staff_user is None, colleagues=_colleagues(viewer))


worker_copies.keep("calendar statements", _appointments_statement.cache_clear)
