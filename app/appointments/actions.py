"""What happens to a booked appointment: chosen, confirmed, cancelled, no-show, done, rescheduled. Each
service takes the acting user, checks the policy, moves the status through the transitions table and
audits onto the customer's timeline; the route commits."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.appointments import slots as slot_rules
from app.appointments import transitions
from app.appointments.booking import insert_blocking
from app.core import audit, clock, policies
from app.core.extensions import db
from app.core.refusals import InvalidInput, PolicyError
from app.core.validation import DATE_TOO_FAR
from app.followups import services as follow_up_services
from app.models import Appointment, User


def _audit(actor: User, action: str, appointment: Appointment, **details) -> None:
    audit.record(actor, f"appointment_{action}", subject_type="appointment", subject_id=appointment.id,
                 customer_id=appointment.customer_id, branch_id=appointment.branch_id,
                 when=slot_rules.to_local(appointment.start_at).strftime("%Y-%m-%d %H:%M"), **details)


def _move(actor: User, appointment: Appointment, action: str, **details) -> None:
    if not policies.can_act_on_appointment(actor, appointment):
        raise PolicyError(action)
    transitions.apply(appointment, action)
    appointment.updated_at = clock.now()
    _audit(actor, action, appointment, **details)


CHANGED_MEANWHILE = _l("This appointment was changed meanwhile (in another tab or by a colleague); it now shows "
                       "how it stands. Please check and try again.")


def expect_version(appointment: Appointment, posted: str | None) -> None:
    """Refuse an action taken on an older copy of the appointment than the one stored (optimistic check);
    a form without a version (an older page) is judged by the status table alone."""
    if posted and posted.strip() != str(appointment.version):
        raise InvalidInput({"version": CHANGED_MEANWHILE})


def offer_siblings(appointment: Appointment) -> list[Appointment]:
    """The other slots of the same offer (any status)."""
    if appointment.offer_id is None:
        return []
    return list(db.session.scalars(select(Appointment).where(
        Appointment.offer_id == appointment.offer_id, Appointment.id != appointment.id)))


def choose(actor: User, appointment: Appointment) -> list[Appointment]:
    """The customer picked this offered time: it is confirmed, the offer's other held time is released. A time
    that has passed cannot be chosen (the other may still be taken: it stays held)."""
    if appointment.start_at <= clock.now():
        raise InvalidInput({"status": slot_rules.TIME_PASSED})
    _move(actor, appointment, "choose")
    released = []
    for other in offer_siblings(appointment):
        if transitions.allowed(other, "release"):
            transitions.apply(other, "release")
            other.updated_at = appointment.updated_at
            released.append(other)
    return released


def confirm(actor: User, appointment: Appointment) -> None:
    _move(actor, appointment, "confirm")


def cancel(actor: User, appointment: Appointment, reason: str) -> None:
    """Cancel with a reason; cancelling one held time of an offer releases nothing else (the other stays)."""
    _move(actor, appointment, "cancel", reason=reason)
    appointment.cancel_reason = reason


def _started(appointment: Appointment) -> None:
    if appointment.start_at > clock.now():
        raise InvalidInput({"status": _("This appointment has not started yet.")})


def mark_no_show(actor: User, appointment: Appointment) -> None:
    _started(appointment)
    _move(actor, appointment, "no_show")


def mark_done(actor: User, appointment: Appointment, outcome: str, next_step: str | None) -> None:
    _started(appointment)
    _move(actor, appointment, "done")
    appointment.outcome = outcome
    appointment.next_step = next_step or None
    follow_up_services.propose_after_appointment(actor, appointment)


def reschedule(actor: User, appointment: Appointment, start: datetime) -> Appointment:
    """Move to a new time: the old row becomes "rescheduled" and points to its successor, which keeps the
    status (proposed or confirmed), place and purpose; the new time must be free (its own old time aside)."""
    if start <= clock.now():
        raise InvalidInput({"start": slot_rules.TIME_PASSED})
    if slot_rules.too_far(start):
        raise InvalidInput({"start": DATE_TOO_FAR})
    old_status = appointment.status
    _move(actor, appointment, "reschedule")
    length = appointment.end_at - appointment.start_at
    now = clock.now()
    successor = Appointment(
        branch_id=appointment.branch_id, customer_id=appointment.customer_id, staff_id=appointment.staff_id,
        start_at=start, end_at=start + length, place=appointment.place, location=appointment.location,
        purpose=appointment.purpose, status=old_status, booked_by_id=actor.id, booked_at=now, updated_at=now)
    db.session.flush()  # the old row stops blocking before the new one is checked against the calendar
    insert_blocking([successor])
    appointment.successor_id = successor.id
    _audit(actor, "booked_after_reschedule", successor, status=successor.status)
    return successor


