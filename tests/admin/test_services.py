"""Admin services without HTTP: the rules on staff, branches and teams, sessions and audit rows."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.admin import services
from app.admin.services import InvalidInput
from app.auth.passwords import verify_password
from app.auth.services import load_session, start_session
from app.core.extensions import db
from app.models import AuditEvent, Branch, LoginFailure, Team, User, UserSession


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def live_sessions(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(UserSession).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None))) or 0


def user_fields(world, **overrides) -> dict:
    fields = {
        "username": " Li.Na ",
        "display_name": " 李娜 ",
        "employee_no": " e3001 ",
        "role": "manager",
        "specialty": "wealth",
        "branch_id": world.branch.id,
        "team_id": world.team.id,
        "language": "zh_Hans_CN",
    }
    fields.update(overrides)
    return fields


def edit_fields(user: User, **overrides) -> dict:
    fields = {
        "display_name": user.display_name,
        "employee_no": user.employee_no,
        "role": user.role,
        "specialty": user.specialty,
        "branch_id": user.branch_id,
        "team_id": user.team_id,
        "language": user.language,
        "active": user.active,
    }
    fields.update(overrides)
    return fields


def refused(call, *args, **kwargs) -> dict:
    with pytest.raises(InvalidInput) as caught:
        call(*args, **kwargs)
    return caught.value.errors


# Creating users


def test_create_user_normalises_and_audits_without_the_password(world):
    user, password = services.create_user(world.admin, **user_fields(world))
    assert (user.username, user.display_name, user.employee_no) == ("li.na", "李娜", "E3001")
    assert user.must_change_password and user.active
    assert verify_password(user.password_hash, password)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user_create"))
    assert (event.actor_id, event.subject_type, event.subject_id, event.branch_id) == (
        world.admin.id, "user", user.id, world.branch.id)
    assert event.details["changes"]["role"] == [None, "manager"]
    assert password not in str(event.details)


def test_every_problem_is_reported_at_once(world):
    errors = refused(services.create_user, world.admin, **user_fields(
        world, username="manager", employee_no=world.lobby.employee_no.lower(), specialty=None,
        team_id=None, language="fr"))
    assert set(errors) == {"username", "employee_no", "specialty", "language"}
    assert db.session.scalar(select(func.count()).select_from(User).where(User.username == "li.na")) == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"role": "manager", "specialty": None}, "specialty"),
        ({"role": "supervisor", "specialty": "credit"}, "specialty"),
        ({"role": "manager", "specialty": "gambling"}, "specialty"),
        ({"role": "lobby", "specialty": None, "branch_id": None, "team_id": None}, "branch_id"),
        ({"role": "owner", "specialty": None}, "role"),
        ({"branch_id": 999_999, "team_id": None}, "branch_id"),
        ({"team_id": 999_999}, "team_id"),
    ],
)
def test_role_branch_and_team_rules(world, overrides, field):
    assert field in refused(services.create_user, world.admin, **user_fields(world, **overrides))


def test_team_must_belong_to_the_branch(world):
    other_team = Team(branch_id=world.other_branch.id, name="West")
    db.session.add(other_team)
    db.session.flush()
    assert "team_id" in refused(services.create_user, world.admin, **user_fields(world, team_id=other_team.id))
    admin_with_team = user_fields(world, role="admin", specialty=None, branch_id=None, team_id=world.team.id)
    assert "team_id" in refused(services.create_user, world.admin, **admin_with_team)


def test_admin_without_branch_is_allowed(world):
    user, _ = services.create_user(world.admin, **user_fields(
        world, role="admin", specialty=None, branch_id=None, team_id=None))
    assert user.branch_id is None


def test_inactive_branch_or_team_cannot_take_new_staff(world):
    world.other_branch.active = False
    world.team.active = False
    db.session.flush()
    assert "branch_id" in refused(services.create_user, world.admin, **user_fields(
        world, branch_id=world.other_branch.id, team_id=None))
    assert "team_id" in refused(services.create_user, world.admin, **user_fields(world))
    # People already there may still be edited.
    services.update_user(world.admin, world.manager, **edit_fields(world.manager, display_name="changed"))


# Updating and deactivating users


def test_update_records_old_and_new_and_ends_sessions_only_for_role_branch_or_status(world):
    start_session(world.manager, ip=None, user_agent=None)
    db.session.flush()
    old_name, old_no = world.manager.display_name, world.manager.employee_no
    changes = services.update_user(world.admin, world.manager, **edit_fields(
        world.manager, display_name="新名字", employee_no="e9999", language="en"))
    assert changes == {
        "display_name": [old_name, "新名字"],
        "employee_no": [old_no, "E9999"],
        "language": ["zh_Hans_CN", "en"],
    }
    assert live_sessions(world.manager) == 1

    moved = services.update_user(world.admin, world.manager, **edit_fields(
        world.manager, branch_id=world.other_branch.id, team_id=None))
    assert moved["branch_id"] == [world.branch.id, world.other_branch.id]
    assert live_sessions(world.manager) == 0
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user_update")
                               .order_by(AuditEvent.id.desc())).first()
    assert event.details["sessions_ended"] == 1 and event.branch_id == world.other_branch.id


def test_update_without_changes_writes_nothing(world):
    assert services.update_user(world.admin, world.manager, **edit_fields(world.manager)) == {}
    assert actions() == []


def test_admin_cannot_demote_or_deactivate_themselves(world):
    errors = refused(services.update_user, world.admin, world.admin, **edit_fields(
        world.admin, role="supervisor", branch_id=world.branch.id, active=False))
    assert {"role", "active"} <= set(errors)
    assert "active" in refused(services.deactivate_user, world.admin, world.admin)
    assert world.admin.active and world.admin.role == "admin"


def test_deactivate_ends_sessions_and_leadership(world):
    world.team.leader_id = world.supervisor.id
    token = start_session(world.supervisor, ip=None, user_agent=None)
    db.session.flush()
    assert services.deactivate_user(world.admin, world.supervisor) is True
    assert not world.supervisor.active
    assert load_session(token) is None
    assert world.team.leader_id is None
    assert actions() == ["team_update", "user_deactivate"]
    assert services.deactivate_user(world.admin, world.supervisor) is False  # already done: no second row
    assert actions() == ["team_update", "user_deactivate"]


def test_role_change_drops_leadership_only_when_no_longer_eligible(world):
    world.team.leader_id = world.colleague.id
    db.session.flush()
    services.update_user(world.admin, world.colleague, **edit_fields(world.colleague, role="supervisor", specialty=None))
    assert world.team.leader_id == world.colleague.id  # a supervisor may still lead
    services.update_user(world.admin, world.colleague, **edit_fields(world.colleague, role="lobby", team_id=None))
    assert world.team.leader_id is None


def test_reactivate_needs_an_active_branch(world):
    services.deactivate_user(world.admin, world.lobby)
    world.branch.active = False
    db.session.flush()
    assert "active" in refused(services.reactivate_user, world.admin, world.lobby)
    world.branch.active = True
    assert services.reactivate_user(world.admin, world.lobby) is True
    assert world.lobby.active


# Passwords and sessions


def test_reset_password_revokes_sessions_and_lifts_the_lockout(world):
    start_session(world.manager, ip=None, user_agent=None)
    db.session.add(LoginFailure(username="manager", ip="10.0.0.1"))
    db.session.flush()
    password = services.reset_password(world.admin, world.manager)
    assert verify_password(world.manager.password_hash, password)
    assert world.manager.must_change_password
    assert live_sessions(world.manager) == 0
    assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 0
    assert actions() == ["password_reset"]


def test_admin_resets_their_own_password_through_their_account(world):
    assert "password" in refused(services.reset_password, world.admin, world.admin)


def test_revoke_user_sessions(world):
    for _ in range(3):
        start_session(world.lobby, ip=None, user_agent=None)
    db.session.flush()
    assert services.live_session_count(world.lobby) == 3
    assert services.revoke_user_sessions(world.admin, world.lobby) == 3
    assert services.live_session_count(world.lobby) == 0
    assert actions() == ["user_sessions_revoke"]


# Branches and teams


def test_branch_code_is_unique_ignoring_case(world):
    assert "code" in refused(services.create_branch, world.admin, code="cd01", name="x")
    branch = services.create_branch(world.admin, code=" nq01 ", name=" 南桥支行 ")
    assert (branch.code, branch.name, branch.active) == ("NQ01", "南桥支行", True)
    assert "code" in refused(services.update_branch, world.admin, branch, code="cx01", name="南桥支行")
    assert services.update_branch(world.admin, branch, code="NQ01", name="南桥支行") == {}
    assert db.session.scalar(select(func.count()).select_from(Branch)) == 3


def test_branch_deactivation_waits_for_its_staff(world):
    assert "active" in refused(services.deactivate_branch, world.admin, world.other_branch)
    for user in (world.other_manager, world.other_supervisor):
        services.deactivate_user(world.admin, user)
    assert services.deactivate_branch(world.admin, world.other_branch) is True
    assert "name" in refused(services.create_team, world.admin, world.other_branch, name="New")
    assert services.reactivate_branch(world.admin, world.other_branch) is True


def test_team_leader_must_be_an_active_supervisor_or_manager_of_the_branch(world):
    for leader in (world.other_supervisor, world.lobby, world.admin):
        assert "leader_id" in refused(services.create_team, world.admin, world.branch, name="T", leader_id=leader.id)
    assert "name" in refused(services.create_team, world.admin, world.branch, name="财富团队")
    team = services.create_team(world.admin, world.branch, name="信贷团队", leader_id=world.colleague.id)
    assert team.leader_id == world.colleague.id
    changes = services.update_team(world.admin, team, name="信贷团队", leader_id=None)
    assert changes == {"leader_id": [world.colleague.id, None]}


def test_team_deactivation_waits_for_its_members(world):
    assert "active" in refused(services.deactivate_team, world.admin, world.team)
    empty = services.create_team(world.admin, world.branch, name="Empty")
    assert services.deactivate_team(world.admin, empty) is True
    assert services.reactivate_team(world.admin, empty) is True
    assert actions() == ["team_create", "team_deactivate", "team_reactivate"]


def test_no_service_deletes_anything(world):
    before = {m: db.session.scalar(select(func.count()).select_from(m)) for m in (User, Branch, Team)}
    services.deactivate_user(world.admin, world.lobby)
    services.deactivate_user(world.admin, world.other_manager)
    services.deactivate_user(world.admin, world.other_supervisor)
    services.deactivate_branch(world.admin, world.other_branch)
    after = {m: db.session.scalar(select(func.count()).select_from(m)) for m in (User, Branch, Team)}
    assert after == before


def test_a_lost_uniqueness_race_is_reported_on_the_field(world, monkeypatch):
    # Another admin saved the same value between our check and our flush: the database still says no.
    monkeypatch.setattr(services, "_exists", lambda stmt: False)
    errors = refused(services.create_user, world.admin, **user_fields(world, username="manager"))
    assert set(errors) == {"username"}
    errors = refused(services.update_user, world.admin, world.manager, **edit_fields(
        world.manager, employee_no=world.lobby.employee_no))
    assert set(errors) == {"employee_no"}
    db.session.rollback()
    assert "code" in refused(services.create_branch, world.admin, code="CD01", name="again")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(User).where(User.username == "manager")) == 1
