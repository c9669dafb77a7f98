"""The append-only audit log (security.md G1, G2)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core import clock
from app.core.extensions import db
from app.models.org import User
from app.models.types import UTCDateTime

VIEW_ACTION = "customer_view"  # written on every view of a customer page


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_branch_at", "branch_id", "at"),
        # The audit log's customer (and customer + action) filter; the timeline reads the index below (0013).
        Index("ix_audit_event_customer_action_at", "customer_id", "action", "at"),
        Index("ix_audit_event_actor_at", "actor_id", "at"),
        Index("ix_audit_event_at", "at", "id"),  # admin's log of every branch, newest first
        # A customer's timeline: its audit entries without the page views, which it never shows (migration 0011).
        Index("ix_audit_event_customer_timeline", "customer_id", "at", "id",
              sqlite_where=text(f"action <> '{VIEW_ACTION}'"), postgresql_where=text(f"action <> '{VIEW_ACTION}'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    actor_role: Mapped[str | None] = mapped_column(String(16))
    branch_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str | None] = mapped_column(String(30))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    customer_id: Mapped[int | None] = mapped_column(Integer)
    ip: Mapped[str | None] = mapped_column(String(45))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship()
