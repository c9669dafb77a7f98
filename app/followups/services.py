"""Follow-up services: add, complete (with outcome), snooze, cancel, reassign. Each takes the acting user,
checks the policy, refuses bad input with InvalidInput before changing anything, checks the version the
user saw (two tabs, two people), audits onto the customer's timeline and flushes; the route commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.core import audit, clock, policies
from app.core.extensions import db
from app.core.privacy import contains_personal_number
from app.core.refusals import InvalidInput, PolicyError
from app.core.validation import DATE_PAST, planning_day_error
from app.followups import rhythm
from app.models import Customer, FollowUp, FollowUpKind, FollowUpStatus, User

CHANGED_MEANWHILE = _l("This follow-up was changed meanwhile (by a colleague or in another tab). It is shown as "
                       "it stands now.")
NOT_PENDING = _l("This follow-up is already closed.")
OUTCOME_NEEDED = _l("Write what came of it.")
REASON_NEEDED = _l("Please give a reason.")
DATE_NEEDED = _l("Choose a date.")
DATE_NOT_LATER = _l("Choose a date after the current due date.")
NUMBER_REFUSED = _l("A full mobile, ID card or card number cannot be saved here.")
NO_SUCH_COLLEAGUE = _l("Choose an account manager of this branch.")
ALREADY_THEIRS = _l("This follow-up is already theirs; choose another colleague.")
KIND_INVALID = _l("Choose the kind of follow-up.")
ONE_RETURN_VISIT = _l("This customer already has a return visit planned; move or complete that one.")
# Kinds a person adds by hand (the others are planned by the system).
MANUAL_KINDS = (FollowUpKind.RETURN_VISIT.value, FollowUpKind.WALK_IN_CALLBACK.value, FollowUpKind.POST_LOAN.value,
                FollowUpKind.DOCUMENT_EXPIRY.value, FollowUpKind.OTHER.value)
AFTER_APPOINTMENT_DAYS = 3


class ChangedMeanwhile(Exception):
    """The follow-up is not at the version the user acted on."""


@dataclass(frozen=True)
class NewFollowUp:
    kind: str
    due_on: date | None
    note: str | None
    assignee_id: int | None = None


def _text(value: str | None, field: str, *, missing=None, limit: int) -> str | None:
    text = (value or "").strip()
    if not text:
        if missing is not None:
            raise InvalidInput({field: missing})
        return None
    if contains_personal_number(text):
        raise InvalidInput({field: NUMBER_REFUSED})
    return text[:limit]


def _future_day(value: date | None, field: str, *, after: date | None = None) -> date:
    today = clock.local_today()
    if value is None:
        raise InvalidInput({field: DATE_NEEDED})
    if value < today:
        raise InvalidInput({field: DATE_PAST})
    if after is not None and value <= after:
        raise InvalidInput({field: DATE_NOT_LATER})
    if (refused := planning_day_error(value, today)) is not None:
        raise InvalidInput({field: refused})
    return value


def assignable_staff(actor: User, customer: Customer) -> list[User]:
    """Who a follow-up of this customer may be given to: active account managers of its branch."""
    return list(db.session.scalars(select(User).where(
        User.branch_id == customer.branch_id, User.role == "manager", User.active.is_(True))
        .order_by(User.display_name, User.id)))


def reassign_choices(actor: User, follow_up: FollowUp) -> list[User]:
    """Whom "give to a colleague" offers: the branch's account managers but the one it is already with."""
    return [user for user in assignable_staff(actor, follow_up.customer) if user.id != follow_up.assignee_id]


def _assignee(actor: User, customer: Customer, assignee_id: int | None) -> User:
    """Managers plan for themselves; a supervisor plans for the owner or another manager of the branch."""
    if not policies.can_reassign_follow_ups(actor):
        return actor
    if assignee_id is None:
        return customer.owner
    user = db.session.get(User, assignee_id)
    if user is None or user.branch_id != customer.branch_id or user.role != "manager" or not user.active:
        raise InvalidInput({"assignee_id": NO_SUCH_COLLEAGUE})
    return user


def _audit(actor: User | None, action: str, follow_up: FollowUp, **details) -> None:
    audit.record(actor, f"follow_up_{action}", subject_type="follow_up", subject_id=follow_up.id,
                 customer_id=follow_up.customer_id, branch_id=follow_up.branch_id, kind=follow_up.kind,
                 due=follow_up.due_on.isoformat(), **details)


def add_follow_up(actor: User, customer: Customer, given: NewFollowUp) -> FollowUp:
    """A person plans a follow-up for a customer they work (a return visit only if none is pending)."""
    if not policies.can_add_follow_up(actor, customer):
        raise PolicyError("cannot add follow-ups for this customer")
    if given.kind not in MANUAL_KINDS:
        raise InvalidInput({"kind": KIND_INVALID})
    due = _future_day(given.due_on, "due_on")
    note = _text(given.note, "note", limit=300)
    assignee = _assignee(actor, customer, given.assignee_id)
    follow_up = FollowUp(branch_id=customer.branch_id, customer_id=customer.id, assignee_id=assignee.id,
                         kind=given.kind, due_on=due, status=FollowUpStatus.OPEN.value, note=note,
                         created_by_id=actor.id, created_at=clock.now())
    try:
        with db.session.begin_nested():  # the one-pending-return-visit index may refuse it: say so, keep the rest
            db.session.add(follow_up)
    except IntegrityError:
        raise InvalidInput({"kind": ONE_RETURN_VISIT}) from None
    _audit(actor, "add", follow_up, assignee=assignee.display_name)
    return follow_up


def _check(actor: User, follow_up: FollowUp, expected_version: int, *, supervisor_only: bool = False) -> None:
    if not policies.can_act_on_follow_up(actor, follow_up) \
            or (supervisor_only and not policies.can_reassign_follow_ups(actor)):
        raise PolicyError("cannot act on this follow-up")
    if follow_up.version != expected_version:
        raise ChangedMeanwhile()
    if follow_up.status not in (FollowUpStatus.OPEN.value, FollowUpStatus.SNOOZED.value):
        raise InvalidInput({"status": NOT_PENDING})


def _flush() -> None:
    try:
        db.session.flush()  # version_id_col: an UPDATE of a row someone changed since it was read matches nothing
    except StaleDataError:
        db.session.rollback()
        raise ChangedMeanwhile() from None


def complete(actor: User, follow_up: FollowUp, outcome: str | None, *, expected_version: int) -> FollowUp | None:
    """Done, with what came of it; a return visit plans the next by the customer's tier (returned)."""
    _check(actor, follow_up, expected_version)
    text = _text(outcome, "outcome", missing=OUTCOME_NEEDED, limit=2000)
    now = clock.now()
    follow_up.status, follow_up.outcome = FollowUpStatus.DONE.value, text
    follow_up.snoozed_until = None
    follow_up.closed_by_id, follow_up.closed_at = actor.id, now
    _flush()  # no longer pending before the next return visit is inserted
    _audit(actor, "complete", follow_up)
    if follow_up.kind != FollowUpKind.RETURN_VISIT.value:
        return None
    rhythm.plan_after_done(follow_up, clock.local_today(), actor)
    return db.session.scalar(select(FollowUp).where(
        FollowUp.customer_id == follow_up.customer_id, FollowUp.kind == FollowUpKind.RETURN_VISIT.value,
        FollowUp.status.in_((FollowUpStatus.OPEN.value, FollowUpStatus.SNOOZED.value))))


def snooze(actor: User, follow_up: FollowUp, until: date | None, *, expected_version: int) -> None:
    """Put off to a later day (never a past one): it comes back on that day, marked snoozed."""
    _check(actor, follow_up, expected_version)
    day = _future_day(until, "until", after=max(follow_up.due_on, clock.local_today() - timedelta(days=1)))
    old = follow_up.due_on
    follow_up.status, follow_up.snoozed_until, follow_up.due_on = FollowUpStatus.SNOOZED.value, day, day
    _flush()
    _audit(actor, "snooze", follow_up, old=old.isoformat())


def cancel(actor: User, follow_up: FollowUp, reason: str | None, *, expected_version: int) -> None:
    """Drop it, with a reason (kept as its outcome)."""
    _check(actor, follow_up, expected_version)
    text = _text(reason, "reason", missing=REASON_NEEDED, limit=300)
    follow_up.status, follow_up.outcome, follow_up.snoozed_until = FollowUpStatus.CANCELLED.value, text, None
    follow_up.closed_by_id, follow_up.closed_at = actor.id, clock.now()
    _flush()
    _audit(actor, "cancel", follow_up, reason=text)


def reassign(actor: User, follow_up: FollowUp, assignee_id: int | None, *, expected_version: int) -> None:
    """A supervisor gives a pending follow-up to another account manager of the branch."""
    _check(actor, follow_up, expected_version, supervisor_only=True)
    old = follow_up.assignee
    user = db.session.get(User, assignee_id) if assignee_id else None
    if user is not None and user.id == old.id:
        raise InvalidInput({"assignee_id": ALREADY_THEIRS})
    if user is None or user.branch_id != follow_up.branch_id or user.role != "manager" or not user.active:
        raise InvalidInput({"assignee_id": NO_SUCH_COLLEAGUE})
    follow_up.assignee_id = user.id
    _flush()
    _audit(actor, "reassign", follow_up, old=old.display_name, new=user.display_name)


def propose_after_appointment(actor: User, appointment) -> None:
    """An appointment done: its staff member gets a follow-up three days later (once per appointment)."""
    due = clock.local(appointment.end_at).date() + timedelta(days=AFTER_APPOINTMENT_DAYS)
    stmt = rhythm.insert_ignoring_duplicates().values(
        branch_id=appointment.branch_id, customer_id=appointment.customer_id, assignee_id=appointment.staff_id,
        kind=FollowUpKind.AFTER_APPOINTMENT.value, due_on=due, status=FollowUpStatus.OPEN.value,
        note=(appointment.next_step or None), plan_key=f"appt:{appointment.id}", appointment_id=appointment.id,
        created_by_id=actor.id, created_at=clock.now(), version=1).on_conflict_do_nothing()
    if db.session.execute(stmt).rowcount:
        audit.record(actor, "follow_up_add", subject_type="follow_up", customer_id=appointment.customer_id,
                     branch_id=appointment.branch_id, kind=FollowUpKind.AFTER_APPOINTMENT.value,
                     due=due.isoformat(), appointment=appointment.id)
