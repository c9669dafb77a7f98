"""Follow-ups (回访/跟进), the return-visit rhythm per tier, and each user's calendar subscription.

A follow-up is one thing to do for one customer by one day. Those the system plans (the tier rhythm, birthdays,
post-loan checks, after an appointment) carry a `plan_key`: the unique index on (customer, kind, plan key) is
what makes `flask reminders run` idempotent, even when two servers run it at once.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core import clock
from app.core.extensions import db
from app.models.customer import Customer
from app.models.org import User
from app.models.types import UTCDateTime


class FollowUpKind(StrEnum):
    RETURN_VISIT = "return_visit"  # the tier rhythm: A every 30 days, B 90, C 180 by default
    AFTER_APPOINTMENT = "after_appt"
    WALK_IN_CALLBACK = "walk_in"
    POST_LOAN = "post_loan"  # 贷后检查
    BIRTHDAY = "birthday"
    DOCUMENT_EXPIRY = "doc_expiry"
    OTHER = "other"


class FollowUpStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    SNOOZED = "snoozed"  # open again on `snoozed_until`
    CANCELLED = "cancelled"


# Still to do: what my day lists and what the one-open-return-visit rule covers.
PENDING_FOLLOW_UP_STATUSES = (FollowUpStatus.OPEN.value, FollowUpStatus.SNOOZED.value)
PENDING_SQL = "status IN ('open', 'snoozed')"

FOLLOW_UP_KIND_LABELS = {
    FollowUpKind.RETURN_VISIT: _l("Return visit"),
    FollowUpKind.AFTER_APPOINTMENT: _l("After the appointment"),
    FollowUpKind.WALK_IN_CALLBACK: _l("Walk-in call-back"),
    FollowUpKind.POST_LOAN: _l("Post-loan check"),
    FollowUpKind.BIRTHDAY: _l("Birthday"),
    FollowUpKind.DOCUMENT_EXPIRY: _l("Document expiry"),
    FollowUpKind.OTHER: _l("Other"),
}
FOLLOW_UP_STATUS_LABELS = {
    FollowUpStatus.OPEN: _l("Open"),
    FollowUpStatus.DONE: _l("Done"),
    FollowUpStatus.SNOOZED: _l("Snoozed"),
    FollowUpStatus.CANCELLED: _l("Cancelled"),
}
DEFAULT_RHYTHM_DAYS = {"A": 30, "B": 90, "C": 180}
# The customer timeline's line for each follow-up audit action.
FOLLOW_UP_EVENT_LABELS = {
    "follow_up_add": _l("Follow-up planned"),
    "follow_up_complete": _l("Follow-up done"),
    "follow_up_snooze": _l("Follow-up snoozed"),
    "follow_up_cancel": _l("Follow-up cancelled"),
    "follow_up_reassign": _l("Follow-up given to a colleague"),
}


class FollowUp(db.Model):
    __tablename__ = "follow_up"
    __table_args__ = (
        Index("ix_follow_up_assignee_status_due", "assignee_id", "status", "due_on"),
        # My day and the badge: the pending ones in due order, read from the start and stopped after a page.
        Index("ix_follow_up_pending_assignee_due", "assignee_id", "due_on", "id",
              sqlite_where=text(PENDING_SQL), postgresql_where=text(PENDING_SQL)),
        Index("ix_follow_up_customer_due", "customer_id", "due_on"),  # the customer page
        Index("ix_follow_up_branch_status_due", "branch_id", "status", "due_on"),  # the supervisor's view
        Index("ix_follow_up_appointment", "appointment_id", sqlite_where=text("appointment_id IS NOT NULL"),
              postgresql_where=text("appointment_id IS NOT NULL")),  # deleting an appointment looks it up
        Index("uq_follow_up_plan", "customer_id", "kind", "plan_key", unique=True,
              sqlite_where=text("plan_key IS NOT NULL"), postgresql_where=text("plan_key IS NOT NULL")),
        # A customer has at most one return visit still to do: re-planning moves it, never adds a second.
        Index("uq_follow_up_pending_return_visit", "customer_id", unique=True,
              sqlite_where=text(f"kind = 'return_visit' AND {PENDING_SQL}"),
              postgresql_where=text(f"kind = 'return_visit' AND {PENDING_SQL}")),
        CheckConstraint("status <> 'snoozed' OR snoozed_until IS NOT NULL", name="snooze_has_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"))  # the customer's branch when planned
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    assignee_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[str] = mapped_column(String(16))
    due_on: Mapped[date] = mapped_column(Date)  # a day in Asia/Shanghai
    status: Mapped[str] = mapped_column(String(10), default=FollowUpStatus.OPEN.value)
    snoozed_until: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(300))  # what to do, typed by a person
    outcome: Mapped[str | None] = mapped_column(Text)  # what came of it, when done
    plan_key: Mapped[str | None] = mapped_column(String(40))  # set on system-planned rows; see the docstring
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointment.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # None: `flask reminders run`
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    customer: Mapped[Customer] = relationship()
    assignee: Mapped[User] = relationship(foreign_keys=[assignee_id])

    def __repr__(self) -> str:
        return f"<FollowUp {self.id} {self.kind} {self.due_on} {self.status}>"


class TierRhythm(db.Model):
    """Days between return visits for a tier, bank-wide; the admin edits them."""

    __tablename__ = "tier_rhythm"
    __table_args__ = (CheckConstraint("days BETWEEN 1 AND 730", name="days_in_range"),)

    tier: Mapped[str] = mapped_column(String(1), primary_key=True)
    days: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class CalendarFeed(db.Model):
    """A user's private calendar subscription: only the token's SHA-256 is kept; revoking deletes the row."""

    __tablename__ = "calendar_feed"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
