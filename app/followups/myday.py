"""My day (the account manager's home): today's appointments, follow-ups due today and overdue, referrals
waiting. Each section is loaded on its own (home/routes.py) in a fixed number of statements whatever the number
of items: its rows, plus the shares the masking rule reads (once, for all rows)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from app.appointments import transitions
from app.appointments.presenters import when_text
from app.core import clock, policies
from app.core.extensions import db
from app.core.labels import LABELS
from app.core.privacy import mask
from app.followups import presenters
from app.models import Appointment, AppointmentStatus, Customer, FollowUp, User
from app.referrals import inbox
from app.referrals import presenters as referral_presenters

PENDING = ("open", "snoozed")
REFERRALS_SHOWN = 5  # the most urgent; the inbox has the rest
FOLLOW_UPS_SHOWN = 10  # at a time, most overdue first; "show more" fetches the next ones
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
    actions: list[str]  # what the user may do with it from my day (transitions.ROW_ACTIONS)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), ZoneInfo(current_app.config["DISPLAY_TIMEZONE"]))


def due_condition(user: User, today: date):
    """Follow-ups of `user` still to do by `today` (on ix_follow_up_assignee_status_due)."""
    return (FollowUp.assignee_id == user.id, FollowUp.status.in_(PENDING), FollowUp.due_on <= today)


def due_count(user: User, today: date | None = None) -> int:
    """The navigation's count: one COUNT statement (archived customers' follow-ups wait, as on my day). The
    customer is looked up per counted row (_customer_active)."""
    return db.session.scalar(select(func.count()).select_from(FollowUp).where(
        *due_condition(user, today or clock.local_today()), _customer_active())) or 0


def _customer_active():
    """The follow-up's customer is not archived, looked up per follow-up row: as a join, PostgreSQL hashed the
    whole customer table for ~150 rows (its generic plan guesses ~2,000 follow-ups for an assignee)."""
    return (select(Customer.archived_at).where(Customer.id == FollowUp.customer_id)
            .scalar_subquery().is_(None))


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where "show more" goes on: the last shown row's due date and id (the list's order). A keyset, not an
    offset: rows done or snoozed in place leave the list, and an offset would then skip as many due ones."""

    due_on: date
    id: int


MAX_ID = 2**31 - 1


def parse_cursor(due_on: str | None, follow_up_id: str | None) -> Cursor | None:
    """The cursor of a "show more" URL: None when absent, ValueError when garbled or out of range."""
    if not due_on and not follow_up_id:
        return None
    day = date.fromisoformat(due_on or "")
    number = int(follow_up_id) if (follow_up_id or "").isascii() and (follow_up_id or "").isdigit() else -1
    if not 0 < number <= MAX_ID:
        raise ValueError(follow_up_id)
    return Cursor(day, number)


def due_follow_ups(user: User, today: date, *, after: Cursor | None = None,
                   limit: int = FOLLOW_UPS_SHOWN) -> list[FollowUp]:
    """Oldest first (the most overdue on top), from just after `after`, with customer and assignee in the same
    statement: the page's follow-ups are found first, then only their customers are joined."""
    page = select(FollowUp.id).where(*due_condition(user, today), _customer_active())
    if after is not None:
        page = page.where(or_(FollowUp.due_on > after.due_on,
                              and_(FollowUp.due_on == after.due_on, FollowUp.id > after.id)))
    page = page.order_by(FollowUp.due_on, FollowUp.id).limit(limit)
    stmt = (select(FollowUp).join(FollowUp.customer).options(
            # only what a row shows and the masking rule reads: a customer row is wide
            contains_eager(FollowUp.customer).load_only(Customer.name, Customer.tier, Customer.owner_id,
                                                        Customer.branch_id, Customer.archived_at),
            joinedload(FollowUp.assignee).load_only(User.display_name))
            .where(FollowUp.id.in_(page)))
    return list(db.session.scalars(stmt.order_by(FollowUp.due_on, FollowUp.id)))


@dataclass
class FollowUpPage:
    rows: list[presenters.FollowUpRow]
    more_after: Cursor | None  # the last row shown, when there are more
    full: Callable[..., bool]  # the masking rule, read for these rows' customers
    due_count: int | None = None  # all due (follow_ups_section fills it)


def follow_up_page(user: User, today: date, after: Cursor | None = None) -> FollowUpPage:
    """FOLLOW_UPS_SHOWN due rows after `after` (one more is read to know whether "show more" is needed)."""
    found = due_follow_ups(user, today, after=after, limit=FOLLOW_UPS_SHOWN + 1)
    shown = found[:FOLLOW_UPS_SHOWN]
    # Owners see their own customers in full: only the others' can need a share looked up.
    full = policies.full_record_rule(user, {f.customer_id for f in shown if f.customer.owner_id != user.id})
    rows = [presenters.row_for(user, f, today, full=full(f.customer.owner_id, f.branch_id, f.customer_id))
            for f in shown]
    more = Cursor(shown[-1].due_on, shown[-1].id) if len(found) > len(shown) else None
    return FollowUpPage(rows, more, full)


def todays_appointments(user: User, today: date) -> list[Appointment]:
    """The user's appointments of `today` in time order, each with the few customer columns an item needs."""
    stmt = (select(Appointment).join(Appointment.customer)
            .options(contains_eager(Appointment.customer).load_only(Customer.name, Customer.owner_id,
                                                                    Customer.branch_id, Customer.archived_at))
            .where(Appointment.staff_id == user.id, Appointment.start_at >= _start_of(today),
                   Appointment.start_at < _start_of(today + timedelta(days=1)),
                   Appointment.status.in_([s.value for s in SHOWN_APPOINTMENTS]))
            .order_by(Appointment.start_at, Appointment.id))
    return list(db.session.scalars(stmt))


def appointment_items(user: User, appointments: list[Appointment], full: Callable[..., bool]) -> list[AppointmentItem]:
    items = []
    for a in appointments:
        customer = a.customer
        can_act = policies.can_act_on_appointment(user, a)
        items.append(AppointmentItem(
            id=a.id, when=when_text(a.start_at, a.end_at), status=a.status,
            status_label=LABELS.appointment_status.get(a.status, ""), place_label=LABELS.place.get(a.place, ""),
            purpose=a.purpose, customer_id=a.customer_id,
            customer_label=customer.name if full(customer.owner_id, customer.branch_id, a.customer_id)
            else mask("name", customer.name),
            actions=transitions.actions_for(a) if can_act else []))
    return items


def todays_items(user: User) -> list[AppointmentItem]:
    """My day's appointment section alone (the answer to an action taken from it)."""
    appointments = todays_appointments(user, clock.local_today())
    others = {a.customer_id for a in appointments if a.customer.owner_id != user.id}
    return appointment_items(user, appointments, policies.full_record_rule(user, others))


def follow_ups_section(user: User, after: Cursor | None = None) -> FollowUpPage:
    """My day's follow-ups after `after`, with the count of all that are due (one COUNT only when the first page
    does not hold them all)."""
    today = clock.local_today()
    page = follow_up_page(user, today, after)
    page.due_count = len(page.rows) if after is None and page.more_after is None else due_count(user, today)
    return page


def referrals_section(user: User) -> list:
    """The referrals waiting for the user, most urgent first (the inbox's order), REFERRALS_SHOWN of them."""
    waiting = inbox.inbox(user, inbox.InboxFilters(tab="to_me", status="open"), per_page=REFERRALS_SHOWN)
    return referral_presenters.present(user, waiting.rows)
