"""My day (the account manager's home): today's appointments, follow-ups due today and overdue, referrals
waiting. A fixed number of statements whatever the number of items: one per section, plus the shares the
masking rule reads (once, for all rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload

from app.appointments.presenters import when_text
from app.core import policies
from app.core.extensions import db
from app.core.labels import LABELS
from app.core.privacy import mask
from app.followups import presenters, rhythm
from app.models import Appointment, AppointmentStatus, Customer, FollowUp, User
from app.referrals import inbox
from app.referrals import presenters as referral_presenters

PENDING = ("open", "snoozed")
MAX_FOLLOW_UPS = 200  # more than a day's work; the count says how many there are in all
SHOWN_APPOINTMENTS = (AppointmentStatus.PROPOSED, AppointmentStatus.HELD, AppointmentStatus.CONFIRMED,
                      AppointmentStatus.DONE, AppointmentStatus.NO_SHOW, AppointmentStatus.CANCELLED)


@dataclass(slots=True)
class AppointmentItem:
    id: int
    when: str
    status: str
    status_label: str
    place_label: str
    purpose: str
    customer_id: int
    customer_label: str


@dataclass
class MyDay:
    today: date
    appointments: list[AppointmentItem]
    follow_ups: list[presenters.FollowUpRow]
    referrals: list
    due_count: int


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), ZoneInfo(current_app.config["DISPLAY_TIMEZONE"]))


def due_condition(user: User, today: date):
    """Follow-ups of `user` still to do by `today` (on ix_follow_up_assignee_status_due)."""
    return (FollowUp.assignee_id == user.id, FollowUp.status.in_(PENDING), FollowUp.due_on <= today)


def due_count(user: User, today: date | None = None) -> int:
    """The navigation's count: one COUNT statement (archived customers' follow-ups wait, as on my day)."""
    return db.session.scalar(select(func.count()).select_from(FollowUp).join(FollowUp.customer).where(
        *due_condition(user, today or rhythm.local_today()), Customer.archived_at.is_(None))) or 0


def due_follow_ups(user: User, today: date) -> list[FollowUp]:
    """Oldest first (the most overdue on top), with customer and assignee in the same statement."""
    return list(db.session.scalars(
        select(FollowUp).join(FollowUp.customer).options(contains_eager(FollowUp.customer),
                                                         joinedload(FollowUp.assignee))
        .where(*due_condition(user, today), Customer.archived_at.is_(None))
        .order_by(FollowUp.due_on, FollowUp.id).limit(MAX_FOLLOW_UPS)))


def todays_appointments(user: User, today: date) -> list[tuple[Appointment, str, int, int]]:
    stmt = (select(Appointment, Customer.name, Customer.owner_id, Customer.branch_id)
            .join(Customer, Customer.id == Appointment.customer_id)
            .where(Appointment.staff_id == user.id, Appointment.start_at >= _start_of(today),
                   Appointment.start_at < _start_of(today + timedelta(days=1)),
                   Appointment.status.in_([s.value for s in SHOWN_APPOINTMENTS]))
            .order_by(Appointment.start_at, Appointment.id))
    return list(db.session.execute(stmt).all())


def my_day(user: User) -> MyDay:
    today = rhythm.local_today()
    follow_ups = due_follow_ups(user, today)
    appointments = todays_appointments(user, today)
    ids = {f.customer_id for f in follow_ups} | {a.customer_id for a, *_ in appointments}
    full = policies.full_record_rule(user, ids)
    rows = [presenters.row_for(user, f, today, full=full(f.customer.owner_id, f.branch_id, f.customer_id))
            for f in follow_ups]
    items = [AppointmentItem(
        id=a.id, when=when_text(a.start_at, a.end_at), status=a.status,
        status_label=LABELS.appointment_status.get(a.status, ""), place_label=LABELS.place.get(a.place, ""),
        purpose=a.purpose, customer_id=a.customer_id,
        customer_label=name if full(owner_id, branch_id, a.customer_id) else mask("name", name))
        for a, name, owner_id, branch_id in appointments]
    waiting = inbox.inbox(user, inbox.InboxFilters(tab="to_me", status="open"), per_page=20)
    count = len(rows) if len(rows) < MAX_FOLLOW_UPS else due_count(user, today)
    return MyDay(today, items, rows, referral_presenters.present(user, waiting.rows), count)
