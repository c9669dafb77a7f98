"""Who is present today (在岗): a specialist or the supervisor marks themselves present or away for the
branch-local day, the supervisor may mark a colleague; the lobby hands off and books only to those present.

The rule: nobody marked anything today means present. A row exists only once someone used the toggle that
day, so a branch that never uses it keeps working as before, and every morning starts with everyone present."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.core import audit, clock, policies
from app.core.extensions import db
from app.core.refusals import PolicyError
from app.models import StaffPresence, User


def local_day() -> date:
    """Today in the display time zone (Asia/Shanghai): the day a presence holds for."""
    return clock.local(clock.now(), current_app.config["DISPLAY_TIMEZONE"]).date()


def away_ids(branch_id: int, day: date | None = None) -> set[int]:
    """The staff of the branch marked away for the day (today by default); everyone else is present."""
    return set(db.session.scalars(select(StaffPresence.user_id).where(
        StaffPresence.branch_id == branch_id, StaffPresence.day == (day or local_day()),
        StaffPresence.present.is_(False))))


def is_present(user: User, day: date | None = None) -> bool:
    """Present unless marked away for the day (no row: present)."""
    return db.session.scalar(select(StaffPresence.present).where(
        StaffPresence.user_id == user.id, StaffPresence.day == (day or local_day()))) is not False


def set_presence(actor: User, staff: User, present: bool) -> StaffPresence:
    """Mark `staff` present or away for today (themselves, or a colleague for the supervisor); audited."""
    if not policies.can_set_presence(actor, staff):
        raise PolicyError("cannot set presence")
    day = local_day()
    row = _row(staff.id, day)
    if row is None:
        row = StaffPresence(user_id=staff.id, branch_id=staff.branch_id, day=day, present=present,
                            changed_at=clock.now(), changed_by_id=actor.id)
        try:
            with db.session.begin_nested():
                db.session.add(row)
                db.session.flush()
        except IntegrityError:  # a toggle at the same moment wrote the day's row first: change that one
            row = _row(staff.id, day)
    row.present, row.changed_at, row.changed_by_id = present, clock.now(), actor.id
    db.session.flush()
    audit.record(actor, "staff_presence", subject_type="user", subject_id=staff.id, branch_id=staff.branch_id,
                 present=present, day=day.isoformat())
    return row


def _row(user_id: int, day: date) -> StaffPresence | None:
    return db.session.scalar(select(StaffPresence).where(StaffPresence.user_id == user_id, StaffPresence.day == day))


@dataclass(frozen=True, slots=True)
class PresenceRow:
    id: int
    name: str
    specialty: str
    present: bool
    mine: bool
    can_set: bool


def roster(viewer: User) -> list[PresenceRow]:
    """The branch's specialists and supervisors with today's presence, the viewer first; each says whether
    the viewer may switch it."""
    if not policies.can_see_presence(viewer):
        return []
    staff = db.session.scalars(select(User).where(
        User.branch_id == viewer.branch_id, User.role.in_(policies.PRESENCE_ROLES), User.active.is_(True))
        .order_by(User.role, User.display_name, User.id)).all()
    away = away_ids(viewer.branch_id)
    rows = [PresenceRow(u.id, u.display_name, u.specialty_label, u.id not in away, u.id == viewer.id,
                        policies.can_set_presence(viewer, u)) for u in staff]
    return sorted(rows, key=lambda r: not r.mine)
