"""The return-visit rhythm (回访节奏): days between return visits per tier, and planning a customer's one
pending return visit.

A customer has at most one return visit still to do (open or snoozed); the partial unique index
uq_follow_up_pending_return_visit guarantees it. Planning therefore first moves the pending one; only when
there is none does it insert, with ON CONFLICT DO NOTHING, and if a concurrent writer (the reminders job, a
colleague) inserted first, it moves theirs instead. No IntegrityError ever reaches a user.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.core import audit, clock, policies
from app.core.extensions import db
from app.core.refusals import InvalidInput, PolicyError
from app.models import DEFAULT_RHYTHM_DAYS, Customer, FollowUp, FollowUpKind, FollowUpStatus, TierRhythm, User

RETURN_VISIT = FollowUpKind.RETURN_VISIT.value
MIN_DAYS, MAX_DAYS = 1, 730
DAYS_OUT_OF_RANGE = _l("Enter a whole number of days between 1 and 730.")


def insert_ignoring_duplicates(table=FollowUp.__table__):
    """INSERT ... ON CONFLICT DO NOTHING on either engine: a row a unique index already has is skipped."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    # psycopg 3 forgets an INSERT's row count once its cursor closes unless SQLAlchemy keeps it.
    return dialect.insert(table).execution_options(preserve_rowcount=True)


def rhythm_days() -> dict[str, int]:
    """Days between return visits per tier: the admin's rows, else the defaults (A 30, B 90, C 180)."""
    days = dict(DEFAULT_RHYTHM_DAYS)
    days.update({tier: value for tier, value in db.session.execute(select(TierRhythm.tier, TierRhythm.days))})
    return days


def days_for(tier: str | None) -> int | None:
    if tier not in DEFAULT_RHYTHM_DAYS:
        return None
    row = db.session.get(TierRhythm, tier)
    return row.days if row is not None else DEFAULT_RHYTHM_DAYS[tier]


def set_rhythm(actor: User, values: dict[str, object]) -> dict[str, int]:
    """The admin sets the days per tier (1–730 each); every value is checked before any is saved."""
    if not policies.can_manage_tier_rules(actor):
        raise PolicyError("cannot manage the rhythm")
    parsed, errors = {}, {}
    for tier in DEFAULT_RHYTHM_DAYS:
        raw = str(values.get(tier) if values.get(tier) is not None else "").strip()
        if not (raw.isascii() and raw.isdigit() and MIN_DAYS <= int(raw) <= MAX_DAYS):
            errors[f"days_{tier}"] = DAYS_OUT_OF_RANGE
        else:
            parsed[tier] = int(raw)
    if errors:
        raise InvalidInput(errors)
    old = rhythm_days()
    now = clock.now()
    for tier, value in parsed.items():
        row = db.session.get(TierRhythm, tier)
        if row is None:
            db.session.add(TierRhythm(tier=tier, days=value, updated_at=now, updated_by_id=actor.id))
        elif row.days != value:
            row.days, row.updated_at, row.updated_by_id = value, now, actor.id
    db.session.flush()
    audit.record(actor, "tier_rhythm_change", subject_type="tier_rhythm", old=old, new=parsed)
    return parsed


def _move_pending(customer_id: int, due: date, assignee_id: int | None = None) -> int:
    """Move the customer's pending return visit to `due` (open again if it was snoozed); rows moved."""
    values = {"due_on": due, "status": FollowUpStatus.OPEN.value, "snoozed_until": None,
              "version": FollowUp.__table__.c.version + 1}
    if assignee_id is not None:
        values["assignee_id"] = assignee_id
    table = FollowUp.__table__
    result = db.session.execute(update(table).where(
        table.c.customer_id == customer_id, table.c.kind == RETURN_VISIT,
        table.c.status.in_((FollowUpStatus.OPEN.value, FollowUpStatus.SNOOZED.value))).values(**values))
    return result.rowcount


def plan_return_visit(customer: Customer, due: date, *, plan_key: str, actor: User | None = None) -> str:
    """Make `due` the date of the customer's one pending return visit: "moved" or "created"."""
    if _move_pending(customer.id, due):
        _expire_loaded(customer.id)
        return "moved"
    stmt = insert_ignoring_duplicates().values(
        branch_id=customer.branch_id, customer_id=customer.id, assignee_id=customer.owner_id, kind=RETURN_VISIT,
        due_on=due, status=FollowUpStatus.OPEN.value, plan_key=plan_key,
        created_by_id=actor.id if actor else None, created_at=clock.now(), version=1).on_conflict_do_nothing()
    if db.session.execute(stmt).rowcount:
        return "created"
    # Someone planned one between our UPDATE and INSERT (or this plan key was used before): move that one.
    _move_pending(customer.id, due)
    _expire_loaded(customer.id)
    return "moved"


def _expire_loaded(customer_id: int) -> None:
    """The UPDATE bypassed the ORM: loaded copies of the customer's follow-ups re-read on next use."""
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, FollowUp) and obj.customer_id == customer_id:
            db.session.expire(obj)


def plan_after_done(follow_up: FollowUp, done_day: date, actor: User) -> str | None:
    """A return visit done: the next is due `done_day` + the tier's days (none for a customer without tier)."""
    customer = follow_up.customer
    days = days_for(customer.tier)
    if days is None or customer.archived:
        return None
    return plan_return_visit(customer, done_day + timedelta(days=days), plan_key=f"after:{follow_up.id}",
                             actor=actor)


def replan_for_tier(customer: Customer, actor: User, *, reason_key: str) -> str | None:
    """The tier changed: the pending return visit moves to the new rhythm counted from the last done one
    (else from today), never earlier than today; a customer without one gets it."""
    days = days_for(customer.tier)
    if days is None or customer.archived:
        return None
    table = FollowUp.__table__
    last_done = db.session.scalar(select(table.c.closed_at).where(
        table.c.customer_id == customer.id, table.c.kind == RETURN_VISIT,
        table.c.status == FollowUpStatus.DONE.value).order_by(table.c.closed_at.desc()).limit(1))
    today = clock.local_today()
    start = clock.local(last_done, current_app.config["DISPLAY_TIMEZONE"]).date() if last_done else today
    return plan_return_visit(customer, max(today, start + timedelta(days=days)), plan_key=reason_key, actor=actor)


def plan_first(customer: Customer, actor: User) -> str | None:
    """A new customer with a tier: its first return visit, one rhythm from today."""
    days = days_for(customer.tier)
    if days is None:
        return None
    return plan_return_visit(customer, clock.local_today() + timedelta(days=days), plan_key="first", actor=actor)


def hand_over(customer_ids: list[int], old_owner_id: int, new_owner_id: int) -> int:
    """Customers given to another manager: what their old owner still had to do for them goes along."""
    if not customer_ids or old_owner_id == new_owner_id:
        return 0
    table = FollowUp.__table__
    result = db.session.execute(update(table).where(
        table.c.customer_id.in_(customer_ids), table.c.assignee_id == old_owner_id,
        table.c.status.in_((FollowUpStatus.OPEN.value, FollowUpStatus.SNOOZED.value)))
        .values(assignee_id=new_owner_id, version=table.c.version + 1))
    for customer_id in customer_ids:
        _expire_loaded(customer_id)
    return result.rowcount
