"""Walk-ins (大堂来访): who came in, for what, what the lobby did, their place in the queue; the alert a
priority customer's walk-in sends to the owner (优质客户识别引导); and which specialists are present today."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core import clock
from app.core.extensions import db
from app.models.appointment import Appointment
from app.models.customer import Customer
from app.models.org import User
from app.models.types import UTCDateTime


class WalkInNeed(StrEnum):
    DEPOSIT = "deposit"
    WITHDRAWAL = "withdrawal"
    TRANSFER = "transfer"
    WEALTH = "wealth"
    LOAN = "loan"
    CARD = "card"
    CORPORATE = "corporate"
    ENQUIRY = "enquiry"
    COMPLAINT = "complaint"
    OTHER = "other"


class WalkInOutcome(StrEnum):
    SERVED = "served"
    HANDED_OFF = "handed_off"
    BOOKED = "booked"
    LEFT = "left"


class QueueStatus(StrEnum):
    WAITING = "waiting"
    SERVING = "serving"
    DONE = "done"
    LEFT = "left"


WALK_IN_NEED_LABELS = {
    WalkInNeed.DEPOSIT: _l("Deposit"),
    WalkInNeed.WITHDRAWAL: _l("Withdrawal"),
    WalkInNeed.TRANSFER: _l("Transfer"),
    WalkInNeed.WEALTH: _l("Wealth management"),
    WalkInNeed.LOAN: _l("Loan"),
    WalkInNeed.CARD: _l("Card"),
    WalkInNeed.CORPORATE: _l("Corporate banking"),
    WalkInNeed.ENQUIRY: _l("Enquiry"),
    WalkInNeed.COMPLAINT: _l("Complaint"),
    WalkInNeed.OTHER: _l("Other"),
}
WALK_IN_OUTCOME_LABELS = {
    WalkInOutcome.SERVED: _l("Served"),
    WalkInOutcome.HANDED_OFF: _l("Handed to a specialist"),
    WalkInOutcome.BOOKED: _l("Appointment booked"),
    WalkInOutcome.LEFT: _l("Left without service"),
}
QUEUE_STATUS_LABELS = {
    QueueStatus.WAITING: _l("Waiting"),
    QueueStatus.SERVING: _l("Being served"),
    QueueStatus.DONE: _l("Done"),
    QueueStatus.LEFT: _l("Left"),
}
OPEN_QUEUE_STATUSES = (QueueStatus.WAITING.value, QueueStatus.SERVING.value)


class WalkIn(db.Model):
    """One visit to the branch lobby, logged by a lobby officer."""

    __tablename__ = "walk_in"
    __table_args__ = (
        # The hidden key of the form that logged it: a second submit of the same form finds the first walk-in.
        UniqueConstraint("branch_id", "submission_key", name="uq_walk_in_submission"),
        # One queue number per branch per (branch-local) day.
        UniqueConstraint("branch_id", "day", "queue_no", name="uq_walk_in_queue_no"),
        Index("ix_walk_in_branch_day_status", "branch_id", "day", "queue_status"),  # today's queue
        Index("ix_walk_in_branch_arrived", "branch_id", "arrived_at"),  # the log's date range
        Index("ix_walk_in_customer_arrived", "customer_id", "arrived_at"),
        Index("ix_walk_in_logged_by_arrived", "logged_by_id", "arrived_at"),
        # Deleting an appointment checks the walk-ins that booked it: without it, a scan of every walk-in per row.
        Index("ix_walk_in_appointment", "appointment_id", postgresql_where=text("appointment_id IS NOT NULL"),
              sqlite_where=text("appointment_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"))  # None: an anonymous visitor
    visitor_name: Mapped[str | None] = mapped_column(String(20))  # surname and title only (王女士)
    logged_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    arrived_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    day: Mapped[date] = mapped_column(Date)  # the branch-local day of arrived_at (the queue number's day)
    queue_no: Mapped[int] = mapped_column(Integer)
    need: Mapped[str] = mapped_column(String(12))
    outcome: Mapped[str | None] = mapped_column(String(12))  # WalkInOutcome once the lobby or the queue decided
    queue_status: Mapped[str] = mapped_column(String(8), default=QueueStatus.WAITING.value)
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    served_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    handed_to_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # the specialist (handed to or booked with)
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id"))  # the hand-off's referral
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointment.id"))  # what "booked" booked
    submission_key: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    customer: Mapped[Customer | None] = relationship(foreign_keys=[customer_id])
    logged_by: Mapped[User] = relationship(foreign_keys=[logged_by_id])
    served_by: Mapped[User | None] = relationship(foreign_keys=[served_by_id])
    handed_to: Mapped[User | None] = relationship(foreign_keys=[handed_to_id])
    appointment: Mapped[Appointment | None] = relationship(foreign_keys=[appointment_id])

    def __repr__(self) -> str:
        return f"<WalkIn {self.id} #{self.queue_no} {self.queue_status}>"


class WalkInAlert(db.Model):
    """A priority customer walked in: their owner sees a banner until they dismiss it."""

    __tablename__ = "walk_in_alert"
    __table_args__ = (
        UniqueConstraint("walk_in_id", "user_id", name="uq_walk_in_alert_once"),
        Index("ix_walk_in_alert_user_seen", "user_id", "seen_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    walk_in_id: Mapped[int] = mapped_column(ForeignKey("walk_in.id", ondelete="CASCADE"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    walk_in: Mapped[WalkIn] = relationship()


class StaffPresence(db.Model):
    """A specialist (or the supervisor) marked present or away for one branch-local day. No row for a user
    and day means present: a branch that never uses the toggle keeps working."""

    __tablename__ = "staff_presence"
    __table_args__ = (
        UniqueConstraint("user_id", "day", name="uq_staff_presence_user_day"),
        Index("ix_staff_presence_branch_day", "branch_id", "day"),  # the lobby's picker: who is away today
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"))
    day: Mapped[date] = mapped_column(Date)  # Asia/Shanghai (DISPLAY_TIMEZONE) date
    present: Mapped[bool] = mapped_column(Boolean)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    changed_by: Mapped[User] = relationship(foreign_keys=[changed_by_id])

    def __repr__(self) -> str:
        return f"<StaffPresence {self.user_id} {self.day} {'present' if self.present else 'away'}>"
