"""Staff and organisation changes; each takes the acting admin explicitly and only flushes."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.auth.passwords import hash_password
from app.auth.services import change_password, one_time_password, revoke_all_sessions
from app.core import audit, clock
from app.core.extensions import db
from app.core.refusals import InvalidInput
from app.models import (
    AuditEvent,
    Branch,
    LoginFailure,
    ReferralAccess,
    Role,
    Specialty,
    Team,
    User,
    UserSession,
)

# Who may lead a team (issue: "leader chosen from that branch's active supervisors/managers").
LEADER_ROLES = (Role.SUPERVISOR.value, Role.MANAGER.value)
# Changing these must end the user's sessions so the change holds from the next request (security.md A6).
SESSION_FIELDS = ("role", "branch_id", "active")


def _text(value: str | None) -> str:
    return (value or "").strip()


def _code(value: str | None) -> str:
    """Branch codes and 工号 compare case-insensitively, so they are stored upper-case."""
    return _text(value).upper()


def _apply(obj: Any, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set the attributes that differ; return {field: [old, new]} for the audit row."""
    changes: dict[str, list[Any]] = {}
    for field, new in values.items():
        old = getattr(obj, field)
        if old != new:
            changes[field] = [old, new]
            setattr(obj, field, new)
    return changes


def _exists(stmt: Select) -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(stmt.subquery())))


def _flush_unique(obj: Any, fields: dict[str, tuple[str, Any]]) -> None:
    """Flush inside a savepoint; if another admin won a race for a unique value, report it like the
    pre-check does. `fields` maps a column name found in the database error to (form field, message)."""
    try:
        with db.session.begin_nested():
            if obj is not None:
                db.session.add(obj)
            db.session.flush()
    except IntegrityError as exc:
        reason = str(exc.orig)
        for column, (field, message) in fields.items():
            if column in reason:
                raise InvalidInput({field: message}) from exc
        raise


BRANCH_CODE_TAKEN = _l("Another branch already uses this code.")
USERNAME_TAKEN = _l("This username is already taken.")
EMPLOYEE_NO_TAKEN = _l("Another user already has this employee number.")
BRANCH_UNIQUE = {"code": ("code", BRANCH_CODE_TAKEN)}
USER_UNIQUE = {"username": ("username", USERNAME_TAKEN), "employee_no": ("employee_no", EMPLOYEE_NO_TAKEN)}


def _active_staff(column, value: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(User).where(column == value, User.active.is_(True))
    ) or 0


# Branches


def _check_branch_code(code: str, branch: Branch | None = None) -> None:
    stmt = select(Branch.id).where(Branch.code == code)
    if branch is not None:
        stmt = stmt.where(Branch.id != branch.id)
    if _exists(stmt):
        raise InvalidInput({"code": BRANCH_CODE_TAKEN})


def _referral_rules(referral_access: str | None, referral_accept_hours: int | None) -> dict[str, Any]:
    """The branch's referral rules, checked (the form offers only valid values)."""
    rules: dict[str, Any] = {}
    if referral_access is not None:
        if referral_access not in {a.value for a in ReferralAccess}:
            raise InvalidInput({"referral_access": _l("Not a valid choice.")})
        rules["referral_access"] = referral_access
    if referral_accept_hours is not None:
        if not 1 <= referral_accept_hours <= 80:
            raise InvalidInput({"referral_accept_hours": _l("Between 1 and 80 working hours.")})
        rules["referral_accept_hours"] = referral_accept_hours
    return rules


def create_branch(actor: User, *, code: str, name: str, referral_access: str | None = None,
                  referral_accept_hours: int | None = None) -> Branch:
    """Add a branch (admin only)."""
    code, name = _code(code), _text(name)
    _check_branch_code(code)
    branch = Branch(code=code, name=name, active=True, **_referral_rules(referral_access, referral_accept_hours))
    _flush_unique(branch, BRANCH_UNIQUE)
    audit.record(actor, "branch_create", subject_type="branch", subject_id=branch.id, branch_id=branch.id,
                 changes={"code": [None, code], "name": [None, name]})
    return branch


def update_branch(actor: User, branch: Branch, *, code: str, name: str, referral_access: str | None = None,
                  referral_accept_hours: int | None = None) -> dict[str, list[Any]]:
    """Change a branch's code, name or referral rules (admin only)."""
    code, name = _code(code), _text(name)
    _check_branch_code(code, branch)
    changes = _apply(branch, {"code": code, "name": name, **_referral_rules(referral_access, referral_accept_hours)})
    if changes:
        _flush_unique(None, BRANCH_UNIQUE)
        audit.record(actor, "branch_update", subject_type="branch", subject_id=branch.id, branch_id=branch.id,
                     changes=changes)
    return changes



def _set_active(actor: User, record: Branch | Team | User, active: bool, *, branch_id: int | None,
                **details: Any) -> None:
    """Switch a branch, team or account on or off and audit it as <kind>_deactivate / <kind>_reactivate."""
    record.active = active
    db.session.flush()
    kind = record.__tablename__
    audit.record(actor, f"{kind}_{'reactivate' if active else 'deactivate'}", subject_type=kind,
                 subject_id=record.id, branch_id=branch_id, changes={"active": [not active, active]}, **details)

def deactivate_branch(actor: User, branch: Branch) -> bool:
    """Close a branch that has no active staff left; False if it was already inactive."""
    if not branch.active:
        return False
    staff = _active_staff(User.branch_id, branch.id)
    if staff:
        raise InvalidInput({"active": _l(
            "The branch still has %(count)d active staff. Move or deactivate them first.", count=staff)})
    _set_active(actor, branch, False, branch_id=branch.id)
    return True


def reactivate_branch(actor: User, branch: Branch) -> bool:
    """Reopen a branch; False if it was already active."""
    if branch.active:
        return False
    _set_active(actor, branch, True, branch_id=branch.id)
    return True


# Teams


def leader_candidates(branch: Branch, current: User | None = None) -> list[User]:
    """Active supervisors and managers of a branch (plus the current leader, so a form can show it)."""
    users = list(db.session.scalars(
        select(User).where(User.branch_id == branch.id, User.active.is_(True), User.role.in_(LEADER_ROLES))
        .order_by(User.display_name, User.id)
    ))
    if current is not None and current not in users:
        users.insert(0, current)
    return users


def _check_team(branch: Branch, name: str, leader_id: int | None, team: Team | None = None) -> User | None:
    errors: dict[str, Any] = {}
    same_name = select(Team.id).where(Team.branch_id == branch.id, func.lower(Team.name) == name.lower())
    if team is not None:
        same_name = same_name.where(Team.id != team.id)
    if _exists(same_name):
        errors["name"] = _l("This branch already has a team with this name.")
    leader = db.session.get(User, leader_id) if leader_id is not None else None
    unchanged = team is not None and leader is not None and team.leader_id == leader.id
    if leader_id is not None and not unchanged and (
        leader is None or leader.branch_id != branch.id or not leader.active or leader.role not in LEADER_ROLES
    ):
        errors["leader_id"] = _l("Choose an active supervisor or account manager of this branch.")
    if errors:
        raise InvalidInput(errors)
    return leader


def create_team(actor: User, branch: Branch, *, name: str, leader_id: int | None = None) -> Team:
    """Add a team to an active branch (admin only)."""
    name = _text(name)
    if not branch.active:
        raise InvalidInput({"name": _l("This branch is deactivated. Reactivate it first.")})
    leader = _check_team(branch, name, leader_id)
    team = Team(branch_id=branch.id, name=name, leader_id=leader.id if leader else None, active=True)
    db.session.add(team)
    db.session.flush()
    audit.record(actor, "team_create", subject_type="team", subject_id=team.id, branch_id=branch.id,
                 changes={"name": [None, name], "leader_id": [None, team.leader_id]})
    return team


def update_team(actor: User, team: Team, *, name: str, leader_id: int | None) -> dict[str, list[Any]]:
    """Rename a team or change its leader (admin only)."""
    name = _text(name)
    leader = _check_team(team.branch, name, leader_id, team)
    changes = _apply(team, {"name": name, "leader_id": leader.id if leader else None})
    if changes:
        db.session.flush()
        audit.record(actor, "team_update", subject_type="team", subject_id=team.id, branch_id=team.branch_id,
                     changes=changes)
    return changes


def deactivate_team(actor: User, team: Team) -> bool:
    """Close a team that has no active members left; False if it was already inactive."""
    if not team.active:
        return False
    members = _active_staff(User.team_id, team.id)
    if members:
        raise InvalidInput({"active": _l(
            "The team still has %(count)d active members. Move or deactivate them first.", count=members)})
    _set_active(actor, team, False, branch_id=team.branch_id)
    return True


def reactivate_team(actor: User, team: Team) -> bool:
    """Reopen a team of an active branch; False if it was already active."""
    if team.active:
        return False
    if not team.branch.active:
        raise InvalidInput({"active": _l("This branch is deactivated. Reactivate it first.")})
    _set_active(actor, team, True, branch_id=team.branch_id)
    return True


def _drop_leadership(actor: User, user: User) -> None:
    """A deactivated, moved or re-roled leader no longer leads teams they are not eligible for."""
    eligible = user.active and user.role in LEADER_ROLES
    stmt = select(Team).where(Team.leader_id == user.id)
    for team in db.session.scalars(stmt):
        if eligible and team.branch_id == user.branch_id:
            continue
        team.leader_id = None
        audit.record(actor, "team_update", subject_type="team", subject_id=team.id, branch_id=team.branch_id,
                     changes={"leader_id": [user.id, None]})


# Users


def _check_user(
    *,
    user: User | None,
    actor: User,
    username: str | None,
    employee_no: str,
    role: str,
    specialty: str | None,
    branch_id: int | None,
    team_id: int | None,
    language: str,
    active: bool,
) -> None:
    """Every rule on a staff account, collected so the form shows all problems at once."""
    errors: dict[str, Any] = {}
    if username is not None and _exists(select(User.id).where(User.username == username)):
        errors["username"] = USERNAME_TAKEN
    same_no = select(User.id).where(User.employee_no == employee_no)
    if user is not None:
        same_no = same_no.where(User.id != user.id)
    if _exists(same_no):
        errors["employee_no"] = EMPLOYEE_NO_TAKEN

    if role not in {r.value for r in Role}:
        errors["role"] = _l("Choose a role.")
    if role == Role.MANAGER and not specialty:
        errors["specialty"] = _l("An account manager needs a specialty.")
    elif role != Role.MANAGER and specialty:
        errors["specialty"] = _l("Only account managers have a specialty. Leave it empty.")
    elif specialty and specialty not in {s.value for s in Specialty}:
        errors["specialty"] = _l("Choose a specialty.")

    branch = db.session.get(Branch, branch_id) if branch_id is not None else None
    if branch_id is not None and branch is None:
        errors["branch_id"] = _l("Choose a branch.")
    elif branch is None and role != Role.ADMIN:
        errors["branch_id"] = _l("Every role except administrator belongs to a branch.")
    elif branch is not None and not branch.active and (user is None or user.branch_id != branch.id):
        errors["branch_id"] = _l("This branch is deactivated.")

    team = db.session.get(Team, team_id) if team_id is not None else None
    if team_id is not None:
        if team is None or branch is None or team.branch_id != branch.id:
            errors["team_id"] = _l("Choose a team of the selected branch.")
        elif not team.active and (user is None or user.team_id != team.id):
            errors["team_id"] = _l("This team is deactivated.")

    if language not in current_app.config["LANGUAGES"]:
        errors["language"] = _l("Choose a language.")

    if user is not None and user.id == actor.id:
        # An administrator locking themselves out could leave the bank with no administrator.
        if role != user.role:
            errors["role"] = _l("You cannot change your own role.")
        if not active:
            errors["active"] = _l("You cannot deactivate yourself.")
    if errors:
        raise InvalidInput(errors)


def create_user(
    actor: User,
    *,
    username: str,
    display_name: str,
    employee_no: str,
    role: str,
    specialty: str | None = None,
    branch_id: int | None = None,
    team_id: int | None = None,
    language: str = "zh_Hans_CN",
) -> tuple[User, str]:
    """Open a staff account (admin only); returns the user and their one-time password."""
    username = _text(username).lower()
    employee_no = _code(employee_no)
    specialty = specialty or None
    _check_user(user=None, actor=actor, username=username, employee_no=employee_no, role=role,
                specialty=specialty, branch_id=branch_id, team_id=team_id, language=language, active=True)
    password = one_time_password()
    user = User(
        username=username,
        display_name=_text(display_name),
        employee_no=employee_no,
        role=role,
        specialty=specialty,
        branch_id=branch_id,
        team_id=team_id,
        language=language,
        active=True,
        password_hash=hash_password(password),
        must_change_password=True,
    )
    _flush_unique(user, USER_UNIQUE)
    fields = ("username", "display_name", "employee_no", "role", "specialty", "branch_id", "team_id", "language")
    audit.record(actor, "user_create", subject_type="user", subject_id=user.id, branch_id=user.branch_id,
                 changes={f: [None, getattr(user, f)] for f in fields})
    return user, password


def update_user(
    actor: User,
    user: User,
    *,
    display_name: str,
    employee_no: str,
    role: str,
    specialty: str | None,
    branch_id: int | None,
    team_id: int | None,
    language: str,
    active: bool,
) -> dict[str, list[Any]]:
    """Change a staff account; a new role, branch or status ends the user's sessions at once."""
    employee_no = _code(employee_no)
    specialty = specialty or None
    _check_user(user=user, actor=actor, username=None, employee_no=employee_no, role=role, specialty=specialty,
                branch_id=branch_id, team_id=team_id, language=language, active=active)
    changes = _apply(user, {
        "display_name": _text(display_name),
        "employee_no": employee_no,
        "role": role,
        "specialty": specialty,
        "branch_id": branch_id,
        "team_id": team_id,
        "language": language,
        "active": active,
    })
    if not changes:
        return changes
    _flush_unique(None, USER_UNIQUE)
    details: dict[str, Any] = {}
    if any(f in changes for f in SESSION_FIELDS):
        details["sessions_ended"] = revoke_all_sessions(user)
        _drop_leadership(actor, user)
    audit.record(actor, "user_update", subject_type="user", subject_id=user.id, branch_id=user.branch_id,
                 changes=changes, **details)
    return changes


def deactivate_user(actor: User, user: User) -> bool:
    """Disable an account and end its sessions (never a delete); False if already inactive."""
    if user.id == actor.id:
        raise InvalidInput({"active": _l("You cannot deactivate yourself.")})
    if not user.active:
        return False
    user.active = False  # first: leadership and sessions follow from it, then the deactivation is audited
    ended = revoke_all_sessions(user)
    _drop_leadership(actor, user)
    _set_active(actor, user, False, branch_id=user.branch_id, sessions_ended=ended)
    return True


def reactivate_user(actor: User, user: User) -> bool:
    """Enable an account again; its branch must be active. False if already active."""
    if user.active:
        return False
    if user.branch is not None and not user.branch.active:
        raise InvalidInput({"active": _l("This branch is deactivated. Reactivate it first.")})
    _set_active(actor, user, True, branch_id=user.branch_id)
    return True


def reset_password(actor: User, user: User) -> str:
    """Give another user a new one-time password (ends their sessions, lifts a lock-out); returns it."""
    if user.id == actor.id:
        raise InvalidInput({"password": _l("Change your own password from your account menu.")})
    password = one_time_password()
    change_password(user, password, actor=actor)  # revokes the sessions and writes the audit row
    user.must_change_password = True
    # The lock-out message tells a locked-out user to ask an administrator: a reset must let them in.
    db.session.execute(delete(LoginFailure).where(LoginFailure.username == user.username))
    db.session.flush()
    return password


def revoke_user_sessions(actor: User, user: User) -> int:
    """Sign a user out everywhere; returns how many sessions ended."""
    ended = revoke_all_sessions(user)
    audit.record(actor, "user_sessions_revoke", subject_type="user", subject_id=user.id, branch_id=user.branch_id,
                 sessions_ended=ended)
    db.session.flush()
    return ended


# Reads for the admin pages


def user_list_query(*, q: str | None = None, branch_id: int | None = None, role: str | None = None,
                    status: str | None = None) -> Select:
    """Staff for the admin list, filtered; search matches username, name or 工号."""
    stmt = select(User).options(joinedload(User.branch), joinedload(User.team))
    if q:
        needle = q.strip().lower()
        stmt = stmt.where(or_(
            func.lower(User.username).contains(needle, autoescape=True),
            func.lower(User.display_name).contains(needle, autoescape=True),
            func.lower(User.employee_no).contains(needle, autoescape=True),
        ))
    if branch_id is not None:
        stmt = stmt.where(User.branch_id == branch_id)
    if role:
        stmt = stmt.where(User.role == role)
    if status == "active":
        stmt = stmt.where(User.active.is_(True))
    elif status == "inactive":
        stmt = stmt.where(User.active.is_(False))
    return stmt.order_by(User.active.desc(), User.username)


def live_session_count(user: User) -> int:
    """Sessions of a user that are neither revoked nor timed out."""
    now = clock.now()
    cfg = current_app.config
    return db.session.scalar(
        select(func.count()).select_from(UserSession).where(
            UserSession.user_id == user.id,
            UserSession.revoked_at.is_(None),
            UserSession.last_seen_at > now - cfg["SESSION_IDLE_TIMEOUT"],
            UserSession.created_at > now - cfg["SESSION_ABSOLUTE_TIMEOUT"],
        )
    ) or 0


def user_history(user: User, limit: int = 20) -> list[AuditEvent]:
    """The latest audit events about one account, newest first."""
    return list(db.session.scalars(
        select(AuditEvent).options(joinedload(AuditEvent.actor))
        .where(AuditEvent.subject_type == "user", AuditEvent.subject_id == user.id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    ))


def active_staff_by(column) -> dict[int, int]:
    """{branch or team id: active staff count} for the list pages."""
    rows = db.session.execute(
        select(column, func.count()).where(User.active.is_(True), column.is_not(None)).group_by(column)
    )
    return {key: count for key, count in rows}


def org_counts() -> dict[str, int]:
    """Counts for the admin dashboard."""
    def count(model, *where) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    counts = {
        "branches": count(Branch, Branch.active.is_(True)),
        "teams": count(Team, Team.active.is_(True)),
        "users": count(User, User.active.is_(True)),
        "inactive_users": count(User, User.active.is_(False)),
        "must_change_password": count(User, User.active.is_(True), User.must_change_password.is_(True)),
    }
    rows = db.session.execute(select(User.role, func.count()).where(User.active.is_(True)).group_by(User.role))
    counts.update({f"role_{role}": n for role, n in rows})
    return counts


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
