"""Each user's private calendar subscription (phone calendar apps): a random token shown once, only its
SHA-256 kept (CalendarFeed, one per user); creating anew replaces it, revoking deletes it, so the old URL
answers 404 at once. The feed holds the user's appointments from 30 days back to 180 days ahead."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import joinedload

from app.core import audit, clock, policies
from app.core.extensions import db
from app.core.refusals import PolicyError
from app.models import BLOCKING_STATUSES, Appointment, AppointmentStatus, CalendarFeed, User

FEED_STATUSES = (*BLOCKING_STATUSES, AppointmentStatus.DONE.value)
FEED_PAST, FEED_AHEAD = timedelta(days=30), timedelta(days=180)
# A phone app polls every few minutes: recording each poll would turn the feed into a stream of writes.
LAST_USED_RESOLUTION = timedelta(hours=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def feed_of(user: User) -> CalendarFeed | None:
    return db.session.get(CalendarFeed, user.id)


def create_feed(actor: User) -> str:
    """Make the actor's subscription token (replacing any earlier one) and return it: it is never kept."""
    if not policies.can_subscribe_calendar(actor):
        raise PolicyError("subscribe")
    replaced = db.session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == actor.id)).rowcount > 0
    token = secrets.token_urlsafe(32)
    db.session.add(CalendarFeed(user_id=actor.id, token_hash=token_hash(token), created_at=clock.now()))
    db.session.flush()
    audit.record(actor, "calendar_feed_create", subject_type="user", subject_id=actor.id, replaced=replaced)
    return token


def revoke_feed(actor: User) -> bool:
    """Delete the actor's subscription; False when there was none (nothing is audited then)."""
    if not policies.can_subscribe_calendar(actor):
        raise PolicyError("subscribe")
    revoked = db.session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == actor.id)).rowcount > 0
    if revoked:
        audit.record(actor, "calendar_feed_revoke", subject_type="user", subject_id=actor.id)
    return revoked


def subscriber_for(token: str) -> tuple[CalendarFeed, User] | None:
    """The feed and its active user for a presented token, or None (unknown, revoked, user disabled)."""
    if not token or len(token) > 100:
        return None
    row = db.session.execute(select(CalendarFeed, User).join(User, User.id == CalendarFeed.user_id)
                             .where(CalendarFeed.token_hash == token_hash(token))).first()
    if row is None or not row.User.active or not policies.can_subscribe_calendar(row.User):
        return None
    return row.CalendarFeed, row.User


def note_use(feed: CalendarFeed) -> None:
    """Record when the feed was last fetched, at most once an hour: one UPDATE statement, not an ORM write,
    so the reading request stays one (the transaction rule); its condition keeps concurrent polls to one."""
    now = clock.now()
    if feed.last_used_at is not None and now - feed.last_used_at < LAST_USED_RESOLUTION:
        return
    db.session.execute(update(CalendarFeed).where(
        CalendarFeed.user_id == feed.user_id,
        or_(CalendarFeed.last_used_at.is_(None), CalendarFeed.last_used_at < now - LAST_USED_RESOLUTION))
        .values(last_used_at=now).execution_options(synchronize_session=False))


def feed_appointments(user: User) -> list[Appointment]:
    now = clock.now()
    return list(db.session.scalars(
        select(Appointment).options(joinedload(Appointment.customer), joinedload(Appointment.staff))
        .where(Appointment.staff_id == user.id, Appointment.branch_id == user.branch_id,
               Appointment.status.in_(FEED_STATUSES),
               Appointment.start_at >= now - FEED_PAST, Appointment.start_at < now + FEED_AHEAD)
        .order_by(Appointment.start_at, Appointment.id)))
