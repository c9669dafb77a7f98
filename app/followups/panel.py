"""The customer page's follow-up panel: pending follow-ups first (soonest first), the latest closed ones."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.core import clock, policies
from app.core.extensions import db
from app.followups import presenters, services
from app.followups.forms import AddForm
from app.models import Customer, FollowUp, User

CLOSED_SHOWN = 10


def panel_context(user: User, customer: Customer, form: AddForm | None = None) -> dict:
    today = clock.local_today()
    full = policies.sees_full_record(user, customer)
    rows = list(db.session.scalars(
        select(FollowUp).options(joinedload(FollowUp.assignee)).where(FollowUp.customer_id == customer.id)
        .order_by(FollowUp.status.in_(presenters.PENDING).desc(), FollowUp.due_on, FollowUp.id)))
    # Each row's customer is the one already loaded: the many-to-one reads it from the identity map, no SQL.
    shown = [presenters.row_for(user, f, today, full=full) for f in rows]
    pending = [r for r in shown if r.pending]
    closed = sorted((r for r in shown if not r.pending), key=lambda r: r.due_on, reverse=True)[:CLOSED_SHOWN]
    can_add = policies.can_add_follow_up(user, customer)
    if can_add and form is None:
        form = AddForm(formdata=None)
    staff = [(s.id, s.display_name) for s in services.assignable_staff(user, customer)] \
        if can_add and policies.can_reassign_follow_ups(user) else []
    if form is not None:
        form.assignee_id.choices = staff
        if staff and form.assignee_id.data is None:
            form.assignee_id.data = customer.owner_id
    return {"customer": customer, "pending": pending, "closed": closed, "form": form, "can_add": can_add,
            "full": full, "today": today, "staff": staff, "where": "panel", "error": None, "notice": None}
