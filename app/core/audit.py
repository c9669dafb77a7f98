"""Write audit events: who did what to which record, from where (security.md G1)."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from sqlalchemy import insert

from app.core.extensions import db
from app.models import AuditEvent, User


def client_ip() -> str | None:
    """The caller's address as the WSGI server saw it (ProxyFix sets it behind a proxy)."""
    return request.remote_addr if has_request_context() else None


def record(actor: User | None, action: str, *, subject_type: str | None = None, subject_id: int | None = None,
           customer_id: int | None = None, branch_id: int | None = None, **details: Any) -> None:
    """Write one audit row in the current transaction; the caller's commit makes it durable. A plain INSERT
    (no ORM object), so a reading request can audit what it showed without becoming a writing one.
    `branch_id` defaults to the actor's; anything else given is kept as the event's details."""
    db.session.execute(insert(AuditEvent.__table__), {
        "actor_id": actor.id if actor is not None else None,
        "actor_role": actor.role if actor is not None else None,
        "branch_id": branch_id if branch_id is not None else (actor.branch_id if actor is not None else None),
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "customer_id": customer_id,
        "ip": client_ip(),
        "details": details,
    })
