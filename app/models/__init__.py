"""All models, imported here so Alembic and the app see one metadata."""

from app.models.audit import AuditEvent
from app.models.auth import LoginFailure, UserSession
from app.models.org import ROLE_LABELS, SPECIALTY_LABELS, Branch, Role, Specialty, Team, User

__all__ = [
    "ROLE_LABELS",
    "SPECIALTY_LABELS",
    "AuditEvent",
    "Branch",
    "LoginFailure",
    "Role",
    "Specialty",
    "Team",
    "User",
    "UserSession",
]
