"""Organisation: branches, teams and staff."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core import clock
from app.core.extensions import db
from app.models.types import UTCDateTime


class Role(StrEnum):
    LOBBY = "lobby"
    MANAGER = "manager"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Specialty(StrEnum):
    WEALTH = "wealth"
    RETAIL = "retail"
    CREDIT = "credit"
    CORPORATE = "corporate"


ROLE_LABELS = {
    Role.LOBBY: _l("Lobby staff"),
    Role.MANAGER: _l("Account manager"),
    Role.SUPERVISOR: _l("Supervisor"),
    Role.ADMIN: _l("Administrator"),
}

SPECIALTY_LABELS = {
    Specialty.WEALTH: _l("Wealth"),
    Specialty.RETAIL: _l("Retail"),
    Specialty.CREDIT: _l("Credit"),
    Specialty.CORPORATE: _l("Corporate"),
}


class Branch(db.Model):
    __tablename__ = "branch"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Referral rules the branch chooses: what an accepted referral gives the recipient (ReferralAccess),
    # and the working hours within which a referral must be accepted before it is overdue.
    referral_access: Mapped[str] = mapped_column(String(8), default="shared", server_default="shared")
    referral_accept_hours: Mapped[int] = mapped_column(Integer, default=4, server_default="4")

    teams: Mapped[list[Team]] = relationship(back_populates="branch", order_by="Team.name")

    def __repr__(self) -> str:
        return f"<Branch {self.code}>"


class Team(db.Model):
    __tablename__ = "team"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", use_alter=True))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")

    branch: Mapped[Branch] = relationship(back_populates="teams")
    leader: Mapped[User | None] = relationship(foreign_keys=[leader_id])

    def __repr__(self) -> str:
        return f"<Team {self.name}>"


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(60))
    employee_no: Mapped[str] = mapped_column(String(20), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    specialty: Mapped[str | None] = mapped_column(String(16))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    language: Mapped[str] = mapped_column(String(16), default="zh_Hans_CN", server_default="zh_Hans_CN")
    password_hash: Mapped[str] = mapped_column(String(255))
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    branch: Mapped[Branch | None] = relationship(foreign_keys=[branch_id])
    team: Mapped[Team | None] = relationship(foreign_keys=[team_id])

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    @property
    def role_label(self) -> str:
        return str(ROLE_LABELS.get(Role(self.role), self.role))

    @property
    def specialty_label(self) -> str:
        return str(SPECIALTY_LABELS[Specialty(self.specialty)]) if self.specialty else ""

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"
