"""Staff and organisation changes; each takes the acting admin explicitly and only flushes."""

from __future__ import annotations

from sqlalchemy import func, select

from app import audit
from app.auth.passwords import hash_password
from app.auth.services import one_time_password
from app.extensions import db
from app.models import Role, User


def create_first_admin(*, username: str, display_name: str, employee_no: str) -> str:
    """Create an administrator from the command line; returns the one-time password."""
    username = username.strip().lower()
    if db.session.scalar(select(func.count()).select_from(User).where(User.username == username)):
        raise ValueError(f"user {username!r} already exists")
    if db.session.scalar(select(func.count()).select_from(User).where(User.employee_no == employee_no)):
        raise ValueError(f"employee number {employee_no!r} is already used")
    password = one_time_password()
    user = User(
        username=username,
        display_name=display_name,
        employee_no=employee_no,
        role=Role.ADMIN.value,
        password_hash=hash_password(password),
        must_change_password=True,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(None, "user_create", subject_type="user", subject_id=user.id, via="cli", role=user.role)
    return password
