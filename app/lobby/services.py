"""Logging walk-ins and moving them through the queue: plain functions taking the acting user; they flush,
the route commits once."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.appointments import booking, slots
from app.core import audit, clock, policies
from app.core.extensions import db, hold_write_lock
from app.core.privacy import contains_personal_number
from app.core.refusals import InvalidInput, PolicyError
from app.core.validation import CONTROL_CHARACTERS_REFUSED, has_control_characters
from app.customers import records
from app.lobby import presence
from app.models import (
    WALK_IN_NEED_LABELS,
    Customer,
    QueueStatus,
    ReferralNeed,
    User,
    WalkIn,
    WalkInAlert,
    WalkInNeed,
    WalkInOutcome,
)
from app.referrals import sending

# What the lobby did, as the walk-in form's buttons name it.
ACTIONS = ("served", "handoff", "booked", "queue")
# A walk-in's need as the referral of its hand-off names it (the referral keeps its own, shorter list).
REFERRAL_NEED = {
    WalkInNeed.DEPOSIT: ReferralNeed.DEPOSIT, WalkInNeed.WITHDRAWAL: ReferralNeed.DEPOSIT,
    WalkInNeed.TRANSFER: ReferralNeed.DEPOSIT, WalkInNeed.WEALTH: ReferralNeed.WEALTH,
    WalkInNeed.LOAN: ReferralNeed.LOAN, WalkInNeed.CARD: ReferralNeed.CARD,
    WalkInNeed.CORPORATE: ReferralNeed.CORPORATE, WalkInNeed.ENQUIRY: ReferralNeed.OTHER,
    WalkInNeed.COMPLAINT: ReferralNeed.OTHER, WalkInNeed.OTHER: ReferralNeed.OTHER,
}

NEED_REQUIRED = _l("Choose the need.")
ACTION_UNKNOWN = _l("Choose what the lobby did.")
NAME_REQUIRED = _l("Type the visitor's surname and title, for example 王女士.")
NAME_NUMBER = _l("A surname and title only: no numbers.")
SPECIALIST_REQUIRED = _l("Choose the specialist.")
SPECIALIST_AWAY = _l("This specialist is away today. Choose a colleague who is present.")
SLOT_REQUIRED = _l("Choose one of the specialist's free times.")
PROSPECT_HANDOFF_ONLY = _l("A new visitor is booked by the specialist: hand them off first.")
NOT_WAITING = _l("This walk-in is no longer waiting.")
NOT_SERVING = _l("This walk-in is not being served.")
CHANGED_MEANWHILE = _l("This walk-in was changed meanwhile; the queue is shown as it stands now.")
VISITOR_NAME_MAX = 20


class AlreadySubmitted(Exception):
    """The form's submission key is taken: a first submit (double click, a retried request) got in first."""


class QueueConflict(Exception):
    """The walk-in moved on meanwhile (another specialist called it, or it left)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class WalkInInput:
    need: str | None
    action: str | None
    submission_key: str
    visitor_name: str | None = None
    mobile: str | None = None  # a new prospect's, already validated (or None)
    specialist_id: int | None = None
    note: str | None = None
    slot: datetime | None = None  # "booked": the chosen free time's start (aware UTC), None when none or unreadable


def new_submission_key() -> str:
    """The hidden key of one walk-in form as it is drawn."""
    return secrets.token_urlsafe(18)


def local_day(at=None) -> date:
    return clock.local(at or clock.now(), current_app.config["DISPLAY_TIMEZONE"]).date()


def submitted(branch_id: int, key: str) -> WalkIn | None:
    """The walk-in a form with this key already logged, if any."""
    return db.session.scalar(select(WalkIn).where(WalkIn.branch_id == branch_id, WalkIn.submission_key == key))


def _visitor_name(raw: str | None) -> str:
    text = " ".join((raw or "").split())
    if not text:
        raise InvalidInput({"visitor_name": NAME_REQUIRED})
    if contains_personal_number(text) or any(ch.isdigit() for ch in text):
        raise InvalidInput({"visitor_name": NAME_NUMBER})
    if has_control_characters(text):
        raise InvalidInput({"visitor_name": CONTROL_CHARACTERS_REFUSED})
    return text[:VISITOR_NAME_MAX]


def _specialist(actor: User, specialist_id: int | None) -> User:
    """The specialist of a hand-off or a booking: an account manager of the branch who is present today."""
    user = db.session.get(User, specialist_id) if specialist_id else None
    if user is None or not policies.can_receive_referral(user) or user.branch_id != actor.branch_id:
        raise InvalidInput({"specialist_id": SPECIALIST_REQUIRED})
    if not presence.is_present(user):
        raise InvalidInput({"specialist_id": SPECIALIST_AWAY})
    return user


def _slot(given: WalkInInput) -> datetime:
    """The booking's time: one the free-slot list can offer (working hours, on the half-hour grid)."""
    if given.slot is None or not slots.in_working_hours(given.slot, booking.default_minutes()):
        raise InvalidInput({"slot": SLOT_REQUIRED})
    return given.slot


def _book(actor: User, customer: Customer, specialist: User, start: datetime, need: str):
    """The appointment of "appointment booked", through the one booking path; its refusals are the slot
    field's (a time taken meanwhile included)."""
    # The purpose on the specialist's calendar (大堂预约), in the officer's language.
    purpose = _("Lobby booking: %(need)s", need=WALK_IN_NEED_LABELS[WalkInNeed(need)])
    try:
        return booking.book_from_lobby(actor, customer, specialist, start, purpose=purpose)
    except InvalidInput as exc:
        raise InvalidInput({"slot" if name == "slots" else name: message
                            for name, message in exc.errors.items()}) from None


def _hand_off(actor: User, customer: Customer, specialist: User, given: WalkInInput):
    """The hand-off's internal referral (origin "lobby"); its refusals (an open referral of the same need
    included) are the specialist field's, where the officer chose the colleague."""
    try:
        return sending.send_referral(actor, customer, recipient_id=specialist.id,
                                     need=REFERRAL_NEED[WalkInNeed(given.need)], note=given.note, origin="lobby")
    except InvalidInput as exc:
        raise InvalidInput({"specialist_id" if name == "recipient_id" else name: message
                            for name, message in exc.errors.items()}) from None


QUEUE_LOCK = 0x4C4F4259  # "LOBY": with the branch id, the transaction lock on one branch's queue numbers


def _lock_queue(branch_id: int) -> None:
    """One walk-in at a time takes a branch's next queue number: under read committed, officers logging at once
    all read the same highest number (five retries still collided at 4 clients). PostgreSQL: a transaction lock
    per branch; SQLite: the database's write lock."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key, :branch)"), {"key": QUEUE_LOCK, "branch": branch_id})
    else:
        hold_write_lock()


def _next_queue_no(branch_id: int, day: date) -> int:
    return (db.session.scalar(select(func.max(WalkIn.queue_no)).where(WalkIn.branch_id == branch_id,
                                                                         WalkIn.day == day)) or 0) + 1


def _insert(walk_in: WalkIn) -> None:
    """Insert with the day's next queue number, the branch's queue locked until the commit; a taken submission
    key means the same form was sent twice at once, and the first walk-in stands."""
    _lock_queue(walk_in.branch_id)
    walk_in.queue_no = _next_queue_no(walk_in.branch_id, walk_in.day)
    db.session.add(walk_in)
    try:
        db.session.flush()  # first of the request's writes: on a taken key the route rolls back all of it
    except IntegrityError:
        raise AlreadySubmitted() from None


def log_walk_in(actor: User, customer: Customer | None, given: WalkInInput) -> tuple[WalkIn, bool]:
    """Log a walk-in of `customer` (None: a new or anonymous visitor) and what the lobby did; a hand-off sends
    the internal referral (origin "lobby") to the specialist. Returns (walk-in, whether it is new): a second
    submit of the same form returns the first walk-in and changes nothing."""
    if not policies.can_log_walk_ins(actor):
        raise PolicyError("cannot log walk-ins")
    if customer is not None and (customer.branch_id != actor.branch_id or customer.archived):
        raise PolicyError("customer outside the lobby's branch")
    earlier = submitted(actor.branch_id, given.submission_key)
    if earlier is not None:
        return earlier, False
    if given.need not in WalkInNeed._value2member_map_:
        raise InvalidInput({"need": NEED_REQUIRED})
    if given.action not in ACTIONS:
        raise InvalidInput({"action": ACTION_UNKNOWN})
    visitor = _visitor_name(given.visitor_name) if customer is None else None
    # A new visitor is handed off first: the hand-off's referral makes the prospect and credits the lobby.
    if customer is None and given.action == "booked":
        raise InvalidInput({"action": PROSPECT_HANDOFF_ONLY})
    specialist = _specialist(actor, given.specialist_id) if given.action in ("handoff", "booked") else None
    start = _slot(given) if given.action == "booked" else None
    if start is not None and not policies.can_book_from_lobby(actor, specialist, customer):
        raise PolicyError("cannot book from the lobby")
    now = clock.now()
    walk_in = WalkIn(branch_id=actor.branch_id, customer_id=customer.id if customer else None,
                     visitor_name=visitor, logged_by_id=actor.id, arrived_at=now, day=local_day(now),
                     need=given.need, submission_key=given.submission_key, queue_status=QueueStatus.WAITING.value)
    if given.action in ("served", "booked"):
        walk_in.outcome = WalkInOutcome.SERVED.value if given.action == "served" else WalkInOutcome.BOOKED.value
        walk_in.queue_status = QueueStatus.DONE.value
        walk_in.started_at = walk_in.finished_at = now
        walk_in.served_by_id = actor.id
    _insert(walk_in)  # the key is claimed before anything else is written
    appointment = None
    if start is not None:  # in the walk-in's transaction: a refused time undoes the walk-in too (the route)
        appointment = _book(actor, customer, specialist, start, given.need)
        walk_in.appointment_id, walk_in.handed_to_id = appointment.id, specialist.id
    elif specialist is not None:
        if customer is None:  # a new visitor handed off becomes the specialist's prospect
            customer = records.create_walk_in_prospect(actor, name=visitor, mobile=given.mobile, owner=specialist)
            walk_in.customer_id = customer.id
        referral = _hand_off(actor, customer, specialist, given)
        walk_in.handed_to_id, walk_in.referral_id = specialist.id, referral.id
        walk_in.outcome = WalkInOutcome.HANDED_OFF.value
    db.session.flush()
    alerted = _alert_owner(actor, customer, walk_in)
    audit.record(actor, "walk_in_log", subject_type="walk_in", subject_id=walk_in.id,
                 customer_id=walk_in.customer_id, branch_id=walk_in.branch_id, need=walk_in.need,
                 done=given.action, queue_no=walk_in.queue_no,
                 handed_to=specialist.display_name if specialist and not appointment else None,
                 booked_with=specialist.display_name if appointment else None,
                 appointment_id=appointment.id if appointment else None, alerted=alerted)
    return walk_in, True


def alert_tiers() -> tuple[str, ...]:
    return tuple(current_app.config.get("LOBBY_ALERT_TIERS", ("A",)))


def _alert_owner(actor: User, customer: Customer | None, walk_in: WalkIn) -> int | None:
    """A priority customer (LOBBY_ALERT_TIERS) walked in: their owner is told (优质客户识别引导)."""
    if customer is None or customer.tier not in alert_tiers():
        return None
    owner = db.session.get(User, customer.owner_id)
    if owner is None or not owner.active or owner.id == actor.id:
        return None
    db.session.add(WalkInAlert(walk_in_id=walk_in.id, branch_id=walk_in.branch_id, user_id=owner.id,
                               created_at=clock.now()))
    db.session.flush()
    return owner.id


def pending_alerts(user: User, *, limit: int = 5) -> list[WalkInAlert]:
    """Today's priority walk-ins the user has not dismissed yet, newest first."""
    if not policies.gets_walk_in_alerts(user):
        return []
    return list(db.session.scalars(
        select(WalkInAlert).join(WalkIn, WalkIn.id == WalkInAlert.walk_in_id)
        .where(WalkInAlert.user_id == user.id, WalkInAlert.seen_at.is_(None), WalkIn.day == local_day())
        .order_by(WalkInAlert.created_at.desc()).limit(limit)))


def dismiss_alert(actor: User, alert: WalkInAlert) -> None:
    if alert.user_id != actor.id:
        raise PolicyError("not your alert")
    alert.seen_at = clock.now()
    db.session.flush()


# ---------------------------------------------------------------- the queue


def _save(walk_in: WalkIn) -> None:
    try:
        db.session.flush()  # version_id_col: a walk-in someone else moved meanwhile matches nothing
    except StaleDataError:
        db.session.rollback()
        raise QueueConflict(CHANGED_MEANWHILE) from None


def call_next(actor: User) -> WalkIn | None:
    """The specialist calls the next waiting customer: the oldest handed to them, else the oldest handed to
    nobody. None when nobody waits for them."""
    if not policies.can_see_queue(actor) or actor.role == "lobby":
        raise PolicyError("cannot call")
    base = select(WalkIn).where(WalkIn.branch_id == actor.branch_id, WalkIn.day == local_day(),
                                WalkIn.queue_status == QueueStatus.WAITING.value, WalkIn.called_at.is_(None))
    walk_in = db.session.scalar(base.where(WalkIn.handed_to_id == actor.id).order_by(WalkIn.queue_no).limit(1)) \
        or db.session.scalar(base.where(WalkIn.handed_to_id.is_(None)).order_by(WalkIn.queue_no).limit(1))
    if walk_in is None:
        return None
    return call(actor, walk_in)


def call(actor: User, walk_in: WalkIn) -> WalkIn:
    if not policies.can_work_queue(actor, walk_in):
        raise PolicyError("cannot call")
    if walk_in.queue_status != QueueStatus.WAITING.value:
        raise QueueConflict(NOT_WAITING)
    walk_in.called_at = clock.now()
    walk_in.served_by_id = actor.id
    _save(walk_in)
    audit.record(actor, "walk_in_call", subject_type="walk_in", subject_id=walk_in.id,
                 customer_id=walk_in.customer_id, branch_id=walk_in.branch_id, queue_no=walk_in.queue_no)
    return walk_in


def start(actor: User, walk_in: WalkIn) -> WalkIn:
    if not policies.can_work_queue(actor, walk_in):
        raise PolicyError("cannot serve")
    if walk_in.queue_status != QueueStatus.WAITING.value:
        raise QueueConflict(NOT_WAITING)
    now = clock.now()
    walk_in.called_at = walk_in.called_at or now
    walk_in.started_at = now
    walk_in.served_by_id = actor.id
    walk_in.queue_status = QueueStatus.SERVING.value
    _save(walk_in)
    audit.record(actor, "walk_in_start", subject_type="walk_in", subject_id=walk_in.id,
                 customer_id=walk_in.customer_id, branch_id=walk_in.branch_id, queue_no=walk_in.queue_no)
    return walk_in


def finish(actor: User, walk_in: WalkIn) -> WalkIn:
    if not policies.can_work_queue(actor, walk_in):
        raise PolicyError("cannot serve")
    if walk_in.queue_status != QueueStatus.SERVING.value:
        raise QueueConflict(NOT_SERVING)
    walk_in.finished_at = clock.now()
    walk_in.queue_status = QueueStatus.DONE.value
    walk_in.outcome = walk_in.outcome or WalkInOutcome.SERVED.value
    _save(walk_in)
    audit.record(actor, "walk_in_finish", subject_type="walk_in", subject_id=walk_in.id,
                 customer_id=walk_in.customer_id, branch_id=walk_in.branch_id, queue_no=walk_in.queue_no)
    return walk_in


def mark_left(actor: User, walk_in: WalkIn) -> WalkIn:
    """A waiting customer went away: the walk-in ends without service (its hand-off referral stays open)."""
    if not policies.can_mark_left(actor, walk_in):
        raise PolicyError("cannot mark left")
    if walk_in.queue_status != QueueStatus.WAITING.value:
        raise QueueConflict(NOT_WAITING)
    walk_in.finished_at = clock.now()
    walk_in.queue_status = QueueStatus.LEFT.value
    if walk_in.outcome is None:
        walk_in.outcome = WalkInOutcome.LEFT.value
    _save(walk_in)
    audit.record(actor, "walk_in_left", subject_type="walk_in", subject_id=walk_in.id,
                 customer_id=walk_in.customer_id, branch_id=walk_in.branch_id, queue_no=walk_in.queue_no)
    return walk_in
