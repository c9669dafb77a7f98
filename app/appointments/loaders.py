"""The one way a route gets an appointment: 404 outside the user's branch scope, 403 outside the policy."""

from __future__ import annotations

from flask import abort
from sqlalchemy.orm import joinedload

from app.core import policies
from app.core.extensions import db
from app.core.scoping import MAX_ID, in_branch_scope
from app.models import Appointment, Customer, User

PURPOSES = {
    "view": (policies.can_view_appointment, 404),
    "act": (policies.can_act_on_appointment, 403),
}


def load_appointment(user: User, appointment_id: int, purpose: str) -> Appointment:
    policy, refusal = PURPOSES[purpose]
    appointment = None
    if 0 < appointment_id <= MAX_ID:
        appointment = db.session.get(Appointment, appointment_id, options=[
            joinedload(Appointment.customer).joinedload(Customer.owner), joinedload(Appointment.staff)])
    if appointment is None or not in_branch_scope(user, appointment.branch_id):
        abort(404)
    if not policy(user, appointment):
        abort(refusal)
    return appointment
