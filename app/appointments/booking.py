"""book(): the one way an appointment (or an offer of two) is written, refusing any overlap with the staff
member's proposed, held or confirmed time. PostgreSQL: the exclusion constraint decides (a friendly check
runs first); SQLite: the write lock is taken before the same check runs (hold_write_lock), so no other booking can
interleave."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, exists, or_, select
from sqlalchemy.exc import IntegrityError

from app.appointments import slots as slot_rules
from app.core import audit, clock, policies, worker_copies
from app.core.extensions import db, hold_write_lock
from app.core.refusals import InvalidInput, PolicyError
from app.core.validation import DATE_TOO_FAR
from app.models import BLOCKING_STATUSES, Appointment, AppointmentStatus, Customer, Place, User

TAKEN = _l("This time is no longer free. Please choose another time.")
EXCLUSION_VIOLATION = "23P01"


class SlotTaken(InvalidInput):
    """The time overlaps the staff member's proposed, held or confirmed time (409)."""

    def __init__(self) -> None:
        super().__init__({"slots": str(TAKEN)})


@dataclass(frozen=True)
class BookingRequest:
    mode: str  # "offer" (two held), "direct" (one confirmed), "propose" (one proposed)
    starts: tuple[datetime, ...]  # aware UTC
    minutes: int
    place: str
    location: str | None
    purpose: str


MODE_STATUS = {"offer": AppointmentStatus.HELD, "direct": AppointmentStatus.CONFIRMED,
               "propose": AppointmentStatus.PROPOSED}
MODE_COUNT = {"offer": 2, "direct": 1, "propose": 1}


def staff_for(actor: User, customer: Customer) -> User:
    """Whose calendar the booking goes into: the manager booking, else (a supervisor) the customer's owner."""
    return actor if actor.role == "manager" else customer.owner


def _check_request(req: BookingRequest) -> None:
    wanted = MODE_COUNT[req.mode]
    if len(req.starts) != wanted:
        message = _("Choose exactly two times to offer.") if wanted == 2 else _("Choose exactly one time.")
        raise InvalidInput({"slots": message})
    if len(set(req.starts)) != len(req.starts):
        raise InvalidInput({"slots": _("The two times must be different.")})
    now = clock.now()
    if any(start <= now for start in req.starts):
        raise InvalidInput({"slots": str(slot_rules.TIME_PASSED)})
    if any(slot_rules.too_far(start) for start in req.starts):
        raise InvalidInput({"slots": str(DATE_TOO_FAR)})
    length = timedelta(minutes=req.minutes)
    ordered = sorted(req.starts)
    if len(ordered) == 2 and ordered[0] + length > ordered[1]:
        raise InvalidInput({"slots": _("The two times overlap; offer two separate times.")})


@lru_cache(maxsize=4)
def _overlap_statement(count: int):
    """Whether any of `count` times overlaps a blocking appointment of one staff member, in one statement.
    Built once per count, values bound: assembling the statement cost more than running it."""
    def overlap(i: int):
        return and_(Appointment.start_at < bindparam(f"end{i}"), Appointment.start_at > bindparam(f"earliest{i}"),
                    Appointment.end_at > bindparam(f"start{i}"))
    return select(exists().where(
        Appointment.staff_id == bindparam("staff_id"), Appointment.status.in_(BLOCKING_STATUSES),
        or_(*(overlap(i) for i in range(count))), Appointment.id.not_in(bindparam("ignore", expanding=True))))


def overlaps(staff_id: int, times: list[tuple[datetime, datetime]], *, ignore: tuple[int, ...] = ()) -> bool:
    """True when one of the (start, end) times overlaps the staff member's proposed, held or confirmed time."""
    values: dict = {"staff_id": staff_id, "ignore": list(ignore or (0,))}
    for i, (start, end) in enumerate(times):
        values.update({f"start{i}": start, f"end{i}": end, f"earliest{i}": start - slot_rules.LONGEST})
    return bool(db.session.scalar(_overlap_statement(len(times)), values))


def insert_blocking(rows: list[Appointment], *, ignore: tuple[int, ...] = ()) -> None:
    """Check and insert blocking appointments of one staff member; on a refusal the caller rolls the whole
    attempt back (put_on_form), so no savepoint is needed around the insert."""
    hold_write_lock()
    if overlaps(rows[0].staff_id, [(row.start_at, row.end_at) for row in rows], ignore=ignore):
        raise SlotTaken()
    db.session.add_all(rows)
    try:
        db.session.flush()
    except IntegrityError as exc:
        if getattr(exc.orig, "sqlstate", None) == EXCLUSION_VIOLATION:
            raise SlotTaken() from None  # a concurrent booking committed between the check and the insert
        raise


def book(actor: User, customer: Customer, req: BookingRequest) -> list[Appointment]:
    """Write the appointment(s) of `req` for `customer` in the staff member's calendar, or refuse."""
    if not policies.can_book_appointment(actor, customer):
        raise PolicyError("book")
    return _write(actor, customer, staff_for(actor, customer), req)


def book_from_lobby(actor: User, customer: Customer, staff: User, start: datetime, *, purpose: str,
                    minutes: int | None = None) -> Appointment:
    """The lobby's "appointment booked": one confirmed appointment with the specialist `staff` at `start`,
    through the same checks and insert as book() (the overlap rule, the exclusion constraint, the write lock)."""
    if not policies.can_book_from_lobby(actor, staff, customer):
        raise PolicyError("book from the lobby")
    req = BookingRequest(mode="direct", starts=(start,), minutes=minutes or default_minutes(),
                         place=Place.BRANCH.value, location=None, purpose=purpose)
    return _write(actor, customer, staff, req)[0]


def _write(actor: User, customer: Customer, staff: User, req: BookingRequest) -> list[Appointment]:
    """The one booking path: check the request, insert the rows without overlap, audit each."""
    _check_request(req)
    now = clock.now()
    offer_id = uuid.uuid4().hex if req.mode == "offer" else None
    length = timedelta(minutes=req.minutes)
    rows = [Appointment(branch_id=customer.branch_id, customer_id=customer.id, staff_id=staff.id,
                        start_at=start, end_at=start + length, place=req.place, location=req.location or None,
                        purpose=req.purpose, status=MODE_STATUS[req.mode].value, offer_id=offer_id,
                        booked_by_id=actor.id, booked_at=now, updated_at=now)
            for start in sorted(req.starts)]
    insert_blocking(rows)
    for row in rows:
        audit.record(actor, f"appointment_{req.mode}", subject_type="appointment", subject_id=row.id,
                     customer_id=customer.id, branch_id=customer.branch_id, status=row.status,
                     when=slot_rules.to_local(row.start_at).strftime("%Y-%m-%d %H:%M"), staff=staff.display_name)
    return rows


def default_minutes() -> int:
    return slot_rules.LENGTHS[0]


worker_copies.keep("booking overlap statements", _overlap_statement.cache_clear)
