"""What the appointment panel shows, computed once (local times, labels, masked text), and the copyable
Chinese messages to the customer (SMS/WeChat): surname and title at most, never a personal number."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from app.appointments import slots as slot_rules
from app.appointments import transitions
from app.core import clock, policies, worker_copies
from app.core.extensions import db
from app.core.labels import LABELS
from app.core.privacy import mask_numbers_in_text
from app.models import Appointment, AppointmentStatus, Customer, User

COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文",
                     "司徒", "夏侯", "轩辕", "令狐", "端木", "南宫", "西门", "独孤", "万俟")
WEEKDAYS = (_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun"))
OPEN_STATUSES = (AppointmentStatus.PROPOSED, AppointmentStatus.HELD, AppointmentStatus.CONFIRMED)


@dataclass(frozen=True, slots=True)
class KeptInput:
    """A refused action's typed text, back in its form as the form left it (a full number masked), so the rest
    of what was typed is not lost. `event`: the action's forms as the calendar and my day open them in place."""

    appointment_id: int
    action: str
    values: dict[str, str]
    event: object | None = None


def surname(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        return ""
    return name[:2] if name[:2] in COMPOUND_SURNAMES else name[0]


def addressed_as(customer: Customer) -> str:
    """'张先生' / '李女士' for an individual whose gender is known, else '' (the message says 您好 alone)."""
    if customer.kind != "individual" or customer.gender not in ("male", "female"):
        return ""
    title = _("Mr.") if customer.gender == "male" else _("Ms.")
    return _("%(surname)s %(title)s", surname=surname(customer.name), title=title)


def when_text(start: datetime, end: datetime | None = None) -> str:
    """'12月3日（周四）10:00-10:30' in the display time zone."""
    local = slot_rules.to_local(start)
    text = _("%(month)d/%(day)d (%(weekday)s) %(time)s", month=local.month, day=local.day,
             weekday=WEEKDAYS[local.weekday()], time=local.strftime("%H:%M"))
    if end is not None:
        text += "-" + slot_rules.to_local(end).strftime("%H:%M")
    return text


def _greeting(customer: Customer) -> str:
    name = addressed_as(customer)
    return _("Hello %(name)s,", name=name) if name else _("Hello,")


def offer_message(customer: Customer, staff: User, held: list[Appointment]) -> str:
    """The two options, in Chinese, to send after (or during) the call."""
    with force_locale("zh_Hans_CN"):
        first, second = sorted(held, key=lambda a: a.start_at)[:2]
        return _("%(greeting)s this is %(staff)s, account manager at %(branch)s. I would like to meet you to go "
                 "through what could help you. Which time suits you better: 1) %(first)s or 2) %(second)s? "
                 "Just reply 1 or 2. Thank you!", greeting=_greeting(customer), staff=staff.display_name,
                 branch=customer.branch.name, first=when_text(first.start_at), second=when_text(second.start_at))


def confirmation_message(customer: Customer, appointment: Appointment) -> str:
    with force_locale("zh_Hans_CN"):
        place = str(LABELS.place.get(appointment.place, ""))
        if appointment.location:
            place += _(" (%(location)s)", location=mask_numbers_in_text(appointment.location, 2))
        return _("%(greeting)s your appointment is confirmed: %(when)s, %(place)s. %(staff)s of %(branch)s looks "
                 "forward to seeing you; if you need another time, just let me know.",
                 greeting=_greeting(customer), when=when_text(appointment.start_at, appointment.end_at),
                 place=place, staff=appointment.staff.display_name, branch=customer.branch.name)


@dataclass(slots=True)
class AppointmentRow:
    id: int
    when: str
    day: str  # local date, yyyy-mm-dd
    status: str
    status_label: str
    place_label: str
    location: str
    purpose: str
    staff_name: str
    staff_no: str
    booked_by: str
    booked_at: datetime
    cancel_reason: str
    outcome: str
    next_step: str
    offer_id: str | None
    actions: list[str] = field(default_factory=list)
    successor_id: int | None = None
    moved_to: str = ""  # a rescheduled one: its successor's time (the row links to it)
    version: int = 0  # the optimistic check: an action posts the version it was shown


def row_for(viewer: User, appointment: Appointment) -> AppointmentRow:
    statuses, places = LABELS.appointment_status, LABELS.place
    can_act = policies.can_act_on_appointment(viewer, appointment)
    masked = lambda text: mask_numbers_in_text(text) if text else ""  # noqa: E731
    # The panel has read the customer's appointments, the successor among them: found without a statement.
    successor = db.session.get(Appointment, appointment.successor_id) if appointment.successor_id else None
    return AppointmentRow(
        id=appointment.id, when=when_text(appointment.start_at, appointment.end_at),
        day=slot_rules.to_local(appointment.start_at).date().isoformat(), status=appointment.status,
        status_label=statuses.get(appointment.status, appointment.status),
        place_label=places.get(appointment.place, appointment.place), location=masked(appointment.location),
        purpose=masked(appointment.purpose), staff_name=appointment.staff.display_name,
        staff_no=appointment.staff.employee_no, booked_by=appointment.booked_by.display_name,
        booked_at=appointment.booked_at, cancel_reason=masked(appointment.cancel_reason),
        outcome=masked(appointment.outcome), next_step=masked(appointment.next_step), offer_id=appointment.offer_id,
        actions=transitions.actions_for(appointment) if can_act else [], successor_id=appointment.successor_id,
        moved_to=when_text(successor.start_at, successor.end_at) if successor is not None else "",
        version=appointment.version)


@lru_cache(maxsize=2)
def _customer_appointments_statement():
    """Built once, values bound (assembling it cost more than running it)."""
    return (select(Appointment).where(Appointment.customer_id == bindparam("customer_id"))
            .options(joinedload(Appointment.staff), joinedload(Appointment.booked_by))
            .order_by(Appointment.start_at.desc(), Appointment.id.desc()).limit(bindparam("limit")))


def customer_appointments(customer: Customer, limit: int = 30) -> list[Appointment]:
    return list(db.session.scalars(_customer_appointments_statement(),
                                   {"customer_id": customer.id, "limit": limit}))


@dataclass
class Panel:
    upcoming: list[AppointmentRow]
    past: list[AppointmentRow]
    offer_texts: list[str]
    confirmation_texts: list[tuple[str, str]]  # (when, text)


def panel_for(viewer: User, customer: Customer) -> Panel:
    appointments = customer_appointments(customer)
    now = clock.now()
    upcoming = sorted((a for a in appointments if a.status in OPEN_STATUSES and a.end_at >= now),
                      key=lambda a: a.start_at)
    past = [a for a in appointments if a not in upcoming]
    offers: dict[str, list[Appointment]] = {}
    for appointment in upcoming:
        if appointment.status == AppointmentStatus.HELD and appointment.offer_id:
            offers.setdefault(appointment.offer_id, []).append(appointment)
    offer_texts = [offer_message(customer, held[0].staff, held) for held in offers.values() if len(held) == 2]
    confirmations = [(when_text(a.start_at), confirmation_message(customer, a)) for a in upcoming
                     if a.status == AppointmentStatus.CONFIRMED]
    return Panel([row_for(viewer, a) for a in upcoming], [row_for(viewer, a) for a in past], offer_texts,
                 confirmations)


worker_copies.keep("appointment panel statements", _customer_appointments_statement.cache_clear)
