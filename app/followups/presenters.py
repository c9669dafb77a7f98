"""What a follow-up row shows, computed once: labels, days overdue, the customer as the viewer may see it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from app.core import policies
from app.core.extensions import db
from app.core.labels import LABELS
from app.core.privacy import mask, mask_numbers_in_text
from app.models import FollowUp, User

PENDING = ("open", "snoozed")


@dataclass(slots=True)
class FollowUpRow:
    id: int
    version: int
    kind: str
    kind_label: str
    status: str
    status_label: str
    due_on: date
    days_overdue: int
    due_today: bool
    note: str | None
    outcome: str | None
    customer_id: int
    customer_label: str
    customer_tier: str | None
    assignee_name: str
    pending: bool
    can_act: bool
    can_reassign: bool
    error: str | None = None
    open_action: str | None = None
    typed: str | None = None  # a refused outcome or reason, back in its field (numbers masked by the form)
    details: FollowUpDetails | None = None  # filled when the row is opened in place


@dataclass(slots=True)
class FollowUpDetails:
    planned_by: str | None  # None: planned by the system (the rhythm, the nightly reminders)
    planned_at: datetime
    customer_mobile: str | None  # the stored mask only
    appointment_id: int | None


def row_for(viewer: User, follow_up: FollowUp, today: date, *, full: bool | None = None) -> FollowUpRow:
    """One row (customer and assignee loaded with it); lists pass `full` from one full_record_rule."""
    customer = follow_up.customer
    if full is None:
        full = policies.sees_full_record(viewer, customer)
    pending = follow_up.status in PENDING
    overdue = (today - follow_up.due_on).days if pending else 0
    return FollowUpRow(
        id=follow_up.id, version=follow_up.version, kind=follow_up.kind,
        kind_label=LABELS.follow_up_kind.get(follow_up.kind, ""), status=follow_up.status,
        status_label=LABELS.follow_up_status.get(follow_up.status, ""), due_on=follow_up.due_on,
        days_overdue=max(overdue, 0), due_today=pending and overdue == 0,
        note=mask_numbers_in_text(follow_up.note, 1 if full else 2) if follow_up.note else None,
        outcome=mask_numbers_in_text(follow_up.outcome, 1 if full else 2) if follow_up.outcome and full else None,
        customer_id=customer.id, customer_label=customer.name if full else mask("name", customer.name),
        customer_tier=customer.tier, assignee_name=follow_up.assignee.display_name, pending=pending,
        can_act=pending and policies.can_act_on_follow_up(viewer, follow_up),
        can_reassign=pending and policies.can_reassign_follow_ups(viewer)
        and policies.can_act_on_follow_up(viewer, follow_up))


def opened(viewer: User, follow_up: FollowUp, today: date) -> FollowUpRow:
    """The row opened in place: who planned it and when, the customer's masked mobile, its appointment."""
    row = row_for(viewer, follow_up, today)
    planner = db.session.get(User, follow_up.created_by_id) if follow_up.created_by_id else None
    row.details = FollowUpDetails(planned_by=planner.display_name if planner else None,
                                  planned_at=follow_up.created_at, customer_mobile=follow_up.customer.mobile_masked,
                                  appointment_id=follow_up.appointment_id)
    return row
