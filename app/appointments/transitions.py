"""Every status change an appointment may make, in one table: action -> (from statuses, to status)."""

from __future__ import annotations

from app.core import clock
from app.core.refusals import InvalidInput
from app.models import Appointment, AppointmentStatus

S = AppointmentStatus

TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "choose": (frozenset({S.HELD}), S.CONFIRMED),  # the customer picked this offered time
    "release": (frozenset({S.HELD}), S.RELEASED),  # the other offered time, when one is chosen
    "confirm": (frozenset({S.PROPOSED}), S.CONFIRMED),
    "cancel": (frozenset({S.PROPOSED, S.HELD, S.CONFIRMED}), S.CANCELLED),
    "no_show": (frozenset({S.CONFIRMED}), S.NO_SHOW),
    "done": (frozenset({S.CONFIRMED}), S.DONE),
    "reschedule": (frozenset({S.PROPOSED, S.CONFIRMED}), S.RESCHEDULED),
}

# Actions a person starts from an appointment row (release only follows a choice).
ROW_ACTIONS = ("choose", "confirm", "done", "no_show", "reschedule", "cancel")


def allowed(appointment: Appointment, action: str) -> bool:
    sources, _target = TRANSITIONS[action]
    return appointment.status in sources


def actions_for(appointment: Appointment) -> list[str]:
    """What a row offers; an offered time that has passed is not offered to be chosen (actions.choose refuses)."""
    passed = appointment.start_at is not None and appointment.start_at <= clock.now()
    return [action for action in ROW_ACTIONS if allowed(appointment, action) and not (action == "choose" and passed)]


def apply(appointment: Appointment, action: str) -> None:
    """Move the appointment by `action`, or refuse (the row changed meanwhile, or a forged request)."""
    if not allowed(appointment, action):
        from flask_babel import gettext as _

        raise InvalidInput({"status": _("This appointment can no longer be changed that way; the page shows "
                                        "its current status.")})
    appointment.status = TRANSITIONS[action][1]
