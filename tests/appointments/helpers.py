"""Helpers for appointment tests."""

from __future__ import annotations

from sqlalchemy import select

from app.core.extensions import db
from app.models import Appointment


def booking(*slots: str, mode: str = "offer", **extra) -> dict:
    return {"slots": list(slots), "mode": mode, "minutes": "30", "place": "branch", "location": "",
            "purpose": "理财方案面谈", **extra}


def appointments(**where) -> list[Appointment]:
    db.session.expire_all()
    stmt = select(Appointment).order_by(Appointment.start_at, Appointment.id)
    for name, value in where.items():
        stmt = stmt.where(getattr(Appointment, name) == value)
    return list(db.session.scalars(stmt))


def statuses() -> list[str]:
    return [a.status for a in appointments()]
