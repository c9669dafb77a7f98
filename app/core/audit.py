"""Write audit events: who did what to which record, from where (security.md G1)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import has_request_context, request
from sqlalchemy import insert

from app.core.extensions import db
from app.core.privacy import mask_details
from app.models import AuditEvent, User


def client_ip() -> str | None:
    """The caller's address as the WSGI server saw it (ProxyFix sets it behind a proxy)."""
    return request.remote_addr if has_request_context() else None


@dataclass(frozen=True)
class ActorSnapshot:
    """The actor's audit fields, read before a commit expires the user object."""

    id: int
    role: str
    branch_id: int | None


def snapshot(actor: User) -> ActorSnapshot:
    return ActorSnapshot(actor.id, actor.role, actor.branch_id)


def _row(actor: User | ActorSnapshot | None, action: str, *, subject_type: str | None = None,
         subject_id: int | None = None, customer_id: int | None = None, branch_id: int | None = None,
         **details: Any) -> dict[str, Any]:
    return {
        "actor_id": actor.id if actor is not None else None,
        "actor_role": actor.role if actor is not None else None,
        "branch_id": branch_id if branch_id is not None else (actor.branch_id if actor is not None else None),
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "customer_id": customer_id,
        "ip": client_ip(),
        "details": mask_details(details),  # a number typed into a reason or a note is still PFI
    }


def record(actor: User | ActorSnapshot | None, action: str, **fields: Any) -> AuditEvent:
    """Add one audit row to the current transaction; the caller's commit makes it durable.
    `fields`: subject_type, subject_id, customer_id, branch_id (default: the actor's), and any details."""
    event = AuditEvent(**_row(actor, action, **fields))
    db.session.add(event)
    return event


def record_now(actor: User | ActorSnapshot | None, action: str, **fields: Any) -> None:
    """Write one audit row at once, as a plain INSERT in the current transaction (no ORM object): for
    the rows written on every page view, where the unit of work cost more than the page's queries."""
    db.session.connection().execute(_INSERT, _row(actor, action, **fields))


_INSERT = insert(AuditEvent.__table__)  # built once; one row is a plain execute, not an executemany
