"""Appointments (约见): a staff member meets a customer at a time and place.

An offer of two times is two appointment rows of status "held" sharing one `offer_id`: both block the
staff member's calendar until the customer chooses; the chosen one becomes "confirmed", the other "released".
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import DDL, CheckConstraint, ForeignKey, Index, Integer, String, Text, event, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core import clock
from app.core.extensions import db
from app.models.customer import Customer
from app.models.org import Branch, User
from app.models.types import UTCDateTime


class AppointmentStatus(StrEnum):
    PROPOSED = "proposed"  # one time put to the customer, waiting for their yes
    HELD = "held"  # one of the two times offered, waiting for the customer's choice
    CONFIRMED = "confirmed"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    RESCHEDULED = "rescheduled"  # moved: `successor_id` is the new appointment
    RELEASED = "released"  # the offered time the customer did not choose


# What blocks the staff member's calendar: the no-double-booking rule covers exactly these.
BLOCKING_STATUSES = (AppointmentStatus.PROPOSED.value, AppointmentStatus.HELD.value,
                     AppointmentStatus.CONFIRMED.value)
BLOCKING_SQL = "status IN ('proposed', 'held', 'confirmed')"


class Place(StrEnum):
    BRANCH = "branch"
    CUSTOMER_SITE = "site"
    PHONE = "phone"
    VIDEO = "video"


APPOINTMENT_STATUS_LABELS = {
    AppointmentStatus.PROPOSED: _l("Proposed"),
    AppointmentStatus.HELD: _l("Offered, held"),
    AppointmentStatus.CONFIRMED: _l("Confirmed"),
    AppointmentStatus.DONE: _l("Done"),
    AppointmentStatus.NO_SHOW: _l("No-show"),
    AppointmentStatus.CANCELLED: _l("Cancelled"),
    AppointmentStatus.RESCHEDULED: _l("Rescheduled"),
    AppointmentStatus.RELEASED: _l("Not chosen, released"),
}
# The customer timeline's line for each appointment audit action.
APPOINTMENT_EVENT_LABELS = {
    "appointment_offer": _l("Time offered (held)"),
    "appointment_direct": _l("Appointment booked"),
    "appointment_propose": _l("Appointment proposed"),
    "appointment_choose": _l("Customer chose the time"),
    "appointment_confirm": _l("Appointment confirmed"),
    "appointment_cancel": _l("Appointment cancelled"),
    "appointment_no_show": _l("Customer did not come"),
    "appointment_done": _l("Appointment done"),
    "appointment_reschedule": _l("Appointment moved"),
    "appointment_booked_after_reschedule": _l("New time after moving"),
}
PLACE_LABELS = {
    Place.BRANCH: _l("At the branch"),
    Place.CUSTOMER_SITE: _l("At the customer's site"),
    Place.PHONE: _l("By phone"),
    Place.VIDEO: _l("By video"),
}


class Appointment(db.Model):
    __tablename__ = "appointment"
    __table_args__ = (
        Index("ix_appointment_staff_start", "staff_id", "start_at"),  # the overlap check, free slots
        Index("ix_appointment_customer_start", "customer_id", "start_at"),  # the customer page's panel
        Index("ix_appointment_branch_start", "branch_id", "start_at"),
        Index("ix_appointment_offer", "offer_id"),
        # Foreign keys pointing at appointment: deleting one looks its references up (migrations 0015, 0016).
        Index("ix_appointment_successor", "successor_id", sqlite_where=text("successor_id IS NOT NULL"),
              postgresql_where=text("successor_id IS NOT NULL")),
        CheckConstraint("end_at > start_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"))  # the customer's branch when booked
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(8), default=Place.BRANCH.value)
    location: Mapped[str | None] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12))
    offer_id: Mapped[str | None] = mapped_column(String(32))  # shared by the two held slots of one offer
    cancel_reason: Mapped[str | None] = mapped_column(String(300))
    outcome: Mapped[str | None] = mapped_column(Text)
    next_step: Mapped[str | None] = mapped_column(String(300))
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("appointment.id"))
    booked_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    customer: Mapped[Customer] = relationship()
    staff: Mapped[User] = relationship(foreign_keys=[staff_id])
    booked_by: Mapped[User] = relationship(foreign_keys=[booked_by_id])
    branch: Mapped[Branch] = relationship()

    def __repr__(self) -> str:
        return f"<Appointment {self.id} {self.status}>"


# PostgreSQL refuses overlapping blocking appointments of one staff member (security.md R2, §5); the
# migration creates the same constraint. SQLite checks under its write lock (appointments.booking, hold_write_lock).
EXCLUSION_NAME = "ex_appointment_no_double_booking"
EXCLUSION_DDL = (f"ALTER TABLE appointment ADD CONSTRAINT {EXCLUSION_NAME} EXCLUDE USING gist "
                 f"(staff_id WITH =, tsrange(start_at, end_at) WITH &&) WHERE ({BLOCKING_SQL})")
event.listen(Appointment.__table__, "after_create",
             DDL("CREATE EXTENSION IF NOT EXISTS btree_gist").execute_if(dialect="postgresql"))
event.listen(Appointment.__table__, "after_create", DDL(EXCLUSION_DDL).execute_if(dialect="postgresql"))
