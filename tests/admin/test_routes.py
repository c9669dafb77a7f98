"""Admin pages over HTTP: who may reach them, and what each change does to records and sessions."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import url_for
from sqlalchemy import func, select, text

from app.core import clock
from app.core.extensions import db
from app.models import AuditEvent, Branch, Team, User, UserSession

OTP_RE = re.compile(r'data-testid="one-time-password">([^<]+)</code>')
# Pages that only read (or show a form whose POST is the change); every other admin route is POST-only.
READ_ENDPOINTS = {
    "admin.index", "admin.branches", "admin.new_branch", "admin.edit_branch", "admin.teams", "admin.new_team",
    "admin.edit_team", "admin.users", "admin.new_user", "admin.user", "admin.edit_user", "admin.reset_password",
    "admin.team_options", "admin.tier_rules", "admin.tier_rhythm",
}


def admin_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("admin.")]


def url_of(app, world, rule) -> str:
    # rule_id 1 need not exist: refused callers never reach the lookup, and it is a POST-only route.
    ids = {"branch_id": world.other_branch.id, "team_id": world.team.id, "user_id": world.manager.id, "rule_id": 1}
    with app.test_request_context():
        return url_for(rule.endpoint, **{arg: ids[arg] for arg in rule.arguments})


def path(response) -> str:
    return urlsplit(response.headers.get("Location", "")).path


def field_error(html: str, field_id: str) -> bool:
    """True when the `field` macro drew at least one error under the field."""
    return re.search(rf'<div id="{field_id}-errors"[^>]*><div>', html) is not None


def audit_rows(action: str, subject_id: int | None = None) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.action == action)
    if subject_id is not None:
        stmt = stmt.where(AuditEvent.subject_id == subject_id)
    return list(db.session.scalars(stmt))


def reload(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def new_user_data(world, **overrides) -> dict:
    data = {
        "username": "Wang.Fang",
        "display_name": "王芳",
        "employee_no": "e2001",
        "role": "manager",
        "specialty": "credit",
        "branch_id": str(world.branch.id),
        "team_id": str(world.team.id),
        "language": "en",
    }
    data.update(overrides)
    return data


def edit_data(user: User, **overrides) -> dict:
    data = {
        "display_name": user.display_name,
        "employee_no": user.employee_no,
        "role": user.role,
        "specialty": user.specialty or "",
        "branch_id": str(user.branch_id or ""),
        "team_id": str(user.team_id or ""),
        "language": user.language,
        "active": "y" if user.active else "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if not (k == "active" and v == "")}


def sign_in_with_form(client, username: str, password: str):
    client._token_page = "/login"
    client.forget_csrf()
    return client.form("/login", {"username": username, "password": password})


# Access


@pytest.mark.parametrize("role", ["lobby", "manager", "supervisor"])
def test_non_admins_get_403_on_every_admin_route(app, world, client_for, role):
    client = client_for(world.by_role(role))
    client.csrf_token(client._token_page)
    rules = admin_rules(app)
    assert len(rules) >= 20
    wrong = []
    for rule in rules:
        url = url_of(app, world, rule)
        for method in sorted({"GET", "POST"} & rule.methods):
            for htmx in (False, True):
                if method == "GET":
                    response = client.get(url, headers={"HX-Request": "true"} if htmx else None)
                else:
                    response = client.form(url, {"username": "x", "code": "X"}, htmx=htmx)
                if response.status_code != 403:
                    wrong.append(f"{method}{' htmx' if htmx else ''} {url}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.subject_type.in_(("user", "branch", "team")))) == 0
    assert reload(world.manager).active


def test_anonymous_callers_are_sent_to_login(app, world, anon):
    for rule in admin_rules(app):
        if "GET" in rule.methods:
            response = anon.get(url_of(app, world, rule))
            assert response.status_code == 302, rule.endpoint
            assert path(response) == "/login"


def test_admin_can_open_every_page(app, world, admin_client):
    for rule in admin_rules(app):
        if "GET" in rule.methods:
            response = admin_client.get(url_of(app, world, rule))
            assert response.status_code == 200, rule.endpoint


def test_no_delete_and_no_change_on_get(app, world, admin_client):
    for rule in admin_rules(app):
        assert not {"DELETE", "PUT", "PATCH"} & rule.methods, rule.endpoint
        if "GET" in rule.methods:
            assert rule.endpoint in READ_ENDPOINTS, f"{rule.endpoint} accepts GET but is not a read-only page"
    response = admin_client.get(f"/admin/users/{world.manager.id}/deactivate")
    assert response.status_code == 405
    assert admin_client.get(f"/admin/branches/{world.other_branch.id}/deactivate").status_code == 405
    assert reload(world.manager).active
    assert reload(world.other_branch).active


def test_post_without_csrf_token_is_refused(world, admin_client):
    response = admin_client.post(f"/admin/users/{world.manager.id}/deactivate")
    assert response.status_code == 400
    hx = admin_client.post(f"/admin/users/{world.manager.id}/deactivate", headers={"HX-Request": "true"})
    assert hx.status_code == 400
    assert hx.headers.get("HX-Refresh") == "true"
    created = admin_client.post("/admin/users/new", data=new_user_data(world))
    assert created.status_code == 400
    assert reload(world.manager).active
    assert db.session.scalar(select(User).where(User.username == "wang.fang")) is None


def test_user_forms_need_a_fresh_login(world, admin_client):
    clock.freeze(clock.now() + timedelta(minutes=16))
    response = admin_client.get("/admin/users/new")
    assert response.status_code == 302
    assert path(response) == "/reauthenticate"
    assert admin_client.get(f"/admin/users/{world.manager.id}/edit").status_code == 302
    assert admin_client.get("/admin/users").status_code == 200


# Creating staff


def test_create_user_shows_the_one_time_password_once_and_it_signs_in(app, world, admin_client, anon):
    response = admin_client.form("/admin/users/new", new_user_data(world))
    assert response.status_code == 200
    assert "Location" not in response.headers
    html = response.get_data(as_text=True)
    password = OTP_RE.search(html).group(1)
    assert len(password) >= 16

    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.username == "wang.fang"))
    assert (user.display_name, user.employee_no, user.role, user.specialty) == ("王芳", "E2001", "manager", "credit")
    assert (user.branch_id, user.team_id, user.language, user.active) == (world.branch.id, world.team.id, "en", True)
    assert user.must_change_password
    assert user.password_hash.startswith("$argon2id$")

    rows = audit_rows("user_create", user.id)
    assert len(rows) == 1 and rows[0].actor_id == world.admin.id
    assert rows[0].details["changes"]["username"] == [None, "wang.fang"]
    everything_logged = json.dumps([r.details for r in db.session.scalars(select(AuditEvent))])
    assert password not in everything_logged

    # Shown once: not on the account page, not in the list.
    assert password not in admin_client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert password not in admin_client.get("/admin/users").get_data(as_text=True)

    login = sign_in_with_form(anon, "Wang.Fang", password)
    assert login.status_code == 302
    assert path(login) == "/account/password"


def test_duplicate_username_and_employee_number_are_shown_next_to_the_fields(world, admin_client):
    before = db.session.scalar(select(func.count()).select_from(User))
    response = admin_client.form(
        "/admin/users/new", new_user_data(world, username="MANAGER", employee_no=world.colleague.employee_no.lower())
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-testid="one-time-password"' not in html
    assert field_error(html, "username")
    assert field_error(html, "employee_no")
    assert not field_error(html, "display_name")
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(User)) == before
    assert not audit_rows("user_create")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"role": "manager", "specialty": ""}, "specialty"),
        ({"role": "lobby", "specialty": "wealth", "team_id": ""}, "specialty"),
        ({"role": "supervisor", "branch_id": "", "team_id": "", "specialty": ""}, "branch_id"),
        ({"role": "lobby", "specialty": ""}, None),
    ],
    ids=["manager-without-specialty", "lobby-with-specialty", "supervisor-without-branch", "lobby-ok"],
)
def test_role_rules_on_create(world, admin_client, overrides, field):
    response = admin_client.form("/admin/users/new", new_user_data(world, **overrides))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    created = db.session.scalar(select(User).where(User.username == "wang.fang"))
    if field is None:
        assert created is not None and 'data-testid="one-time-password"' in html
    else:
        assert created is None
        assert field_error(html, field)


def test_team_of_another_branch_is_refused(world, admin_client):
    other_team = Team(branch_id=world.other_branch.id, name="West team")
    db.session.add(other_team)
    db.session.commit()
    response = admin_client.form("/admin/users/new", new_user_data(world, team_id=str(other_team.id)))
    assert response.status_code == 200
    assert field_error(response.get_data(as_text=True), "team_id")
    assert db.session.scalar(select(User).where(User.username == "wang.fang")) is None


def test_admin_needs_no_branch(world, admin_client):
    response = admin_client.form(
        "/admin/users/new", new_user_data(world, role="admin", specialty="", branch_id="", team_id="")
    )
    assert 'data-testid="one-time-password"' in response.get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.username == "wang.fang"))
    assert user.role == "admin" and user.branch_id is None


def test_team_options_lists_only_that_branchs_active_teams(world, admin_client):
    db.session.add_all([
        Team(branch_id=world.other_branch.id, name="West team"),
        Team(branch_id=world.branch.id, name="Closed team", active=False),
    ])
    db.session.commit()
    html = admin_client.get(f"/admin/team-options?branch_id={world.branch.id}",
                            headers={"HX-Request": "true"}).get_data(as_text=True)
    assert f'value="{world.team.id}"' in html
    assert "West team" not in html and "Closed team" not in html and "<html" not in html


# Editing, deactivating, sessions


def test_deactivation_ends_the_users_live_session(world, admin_client, client_for):
    victim = client_for(world.manager)
    assert victim.get("/my-day").status_code == 200

    response = admin_client.form(f"/admin/users/{world.manager.id}/deactivate")
    assert response.status_code == 303
    assert path(response) == f"/admin/users/{world.manager.id}"

    after = victim.get("/my-day")
    assert after.status_code == 302 and path(after) == "/login"
    user = reload(world.manager)
    assert not user.active
    assert db.session.scalar(select(func.count()).select_from(UserSession).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None))) == 0
    (row,) = audit_rows("user_deactivate", user.id)
    assert row.details["changes"] == {"active": [True, False]}
    assert row.details["sessions_ended"] == 1
    # Never deleted: the account is still listed.
    assert world.manager.username in admin_client.get("/admin/users?status=inactive").get_data(as_text=True)


def test_htmx_deactivate_returns_the_card_and_the_flash(world, admin_client):
    response = admin_client.hx("POST", f"/admin/users/{world.lobby.id}/deactivate")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert 'id="user-card"' in html and 'data-active="false"' in html
    assert 'id="flash" class="flash-area" hx-swap-oob="true"' in html
    assert "HX-Request" in response.headers.get("Vary", "")


def test_reactivate(world, admin_client):
    world.lobby.active = False
    db.session.commit()
    response = admin_client.form(f"/admin/users/{world.lobby.id}/reactivate")
    assert response.status_code == 303
    assert reload(world.lobby).active
    assert len(audit_rows("user_reactivate", world.lobby.id)) == 1


def test_admin_cannot_deactivate_themselves(world, admin_client):
    response = admin_client.form(f"/admin/users/{world.admin.id}/deactivate")
    assert response.status_code == 303
    assert reload(world.admin).active
    assert not audit_rows("user_deactivate")
    assert admin_client.get("/admin/").status_code == 200

    edit = admin_client.form(f"/admin/users/{world.admin.id}/edit", edit_data(world.admin, active=""))
    assert edit.status_code == 200
    assert field_error(edit.get_data(as_text=True), "active")
    demote = admin_client.form(
        f"/admin/users/{world.admin.id}/edit", edit_data(world.admin, role="supervisor", branch_id=str(world.branch.id))
    )
    assert field_error(demote.get_data(as_text=True), "role")
    assert reload(world.admin).role == "admin"


def test_role_change_takes_effect_on_the_next_request(app, world, admin_client, client_for):
    victim = client_for(world.manager)
    assert victim.get("/my-day").status_code == 200

    response = admin_client.form(
        f"/admin/users/{world.manager.id}/edit", edit_data(world.manager, role="supervisor", specialty="")
    )
    assert response.status_code == 303
    assert path(response) == f"/admin/users/{world.manager.id}"

    gone = victim.get("/my-day")
    assert gone.status_code == 302 and path(gone) == "/login"
    user = reload(world.manager)
    assert user.role == "supervisor" and user.specialty is None
    again = client_for(user)
    assert again.get("/team").status_code == 200
    assert again.get("/lobby").status_code == 403  # (supervisors may open /my-day too)
    (row,) = audit_rows("user_update", user.id)
    assert row.details["changes"]["role"] == ["manager", "supervisor"]


def test_edit_without_role_branch_or_status_change_keeps_sessions(world, admin_client, client_for):
    victim = client_for(world.manager)
    response = admin_client.form(
        f"/admin/users/{world.manager.id}/edit", edit_data(world.manager, display_name="张伟伟", language="en")
    )
    assert response.status_code == 303
    assert victim.get("/my-day").status_code == 200
    user = reload(world.manager)
    assert (user.display_name, user.language, user.username) == ("张伟伟", "en", "manager")


def test_edit_refuses_duplicate_employee_number_and_saves_nothing(world, admin_client):
    response = admin_client.form(
        f"/admin/users/{world.manager.id}/edit",
        edit_data(world.manager, employee_no=world.colleague.employee_no, display_name="changed"),
    )
    assert response.status_code == 200
    assert field_error(response.get_data(as_text=True), "employee_no")
    assert reload(world.manager).display_name != "changed"


def test_username_cannot_be_changed_through_edit(world, admin_client):
    data = edit_data(world.manager)
    data["username"] = "hijack"
    assert admin_client.form(f"/admin/users/{world.manager.id}/edit", data).status_code == 303
    assert reload(world.manager).username == "manager"


def test_reset_password_ends_sessions_and_shows_a_new_password(world, admin_client, client_for, anon):
    victim = client_for(world.manager)
    assert victim.get("/my-day").status_code == 200
    confirm = admin_client.get(f"/admin/users/{world.manager.id}/reset-password")
    assert confirm.status_code == 200
    assert 'data-testid="reset-password-form"' in confirm.get_data(as_text=True)
    assert reload(world.manager).password_hash == world.manager.password_hash  # GET changed nothing

    response = admin_client.form(f"/admin/users/{world.manager.id}/reset-password")
    assert response.status_code == 200
    password = OTP_RE.search(response.get_data(as_text=True)).group(1)

    assert path(victim.get("/my-day")) == "/login"
    assert reload(world.manager).must_change_password
    assert len(audit_rows("password_reset", world.manager.id)) == 1
    login = sign_in_with_form(anon, "manager", password)
    assert path(login) == "/account/password"


def test_sign_out_everywhere(world, admin_client, client_for):
    first, second = client_for(world.lobby), client_for(world.lobby)
    response = admin_client.form(f"/admin/users/{world.lobby.id}/sign-out")
    assert response.status_code == 303
    assert path(first.get("/lobby")) == "/login"
    assert path(second.get("/lobby")) == "/login"
    assert reload(world.lobby).active
    (row,) = audit_rows("user_sessions_revoke", world.lobby.id)
    assert row.details["sessions_ended"] == 2


# Listing staff


def usernames(html: str) -> set[str]:
    return set(re.findall(r'data-testid="user-row" data-username="([^"]+)"', html))


def test_user_list_filters(world, admin_client):
    world.colleague.active = False
    db.session.commit()
    everyone = usernames(admin_client.get("/admin/users").get_data(as_text=True))
    assert {"lobby", "manager", "colleague", "admin", "manager2"} <= everyone
    assert usernames(admin_client.get(f"/admin/users?branch={world.other_branch.id}").get_data(as_text=True)) == {
        "manager2", "supervisor2"}
    assert usernames(admin_client.get("/admin/users?role=supervisor").get_data(as_text=True)) == {
        "supervisor", "supervisor2"}
    assert "colleague" not in usernames(admin_client.get("/admin/users?status=active").get_data(as_text=True))
    assert usernames(admin_client.get("/admin/users?status=inactive").get_data(as_text=True)) == {"colleague"}
    by_number = admin_client.get(f"/admin/users?q={world.other_manager.employee_no.lower()}")
    assert usernames(by_number.get_data(as_text=True)) == {"manager2"}
    assert usernames(admin_client.get("/admin/users?q=%25").get_data(as_text=True)) == set()
    # A filter value that does not parse is ignored, not an error page.
    assert admin_client.get("/admin/users?branch=abc&role=boss").status_code == 200


def test_user_list_active_search_returns_only_the_table(world, admin_client):
    response = admin_client.get("/admin/users?q=manager", headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and html.lstrip().startswith('<div id="user-table"')
    assert usernames(html) == {"manager", "manager2"}
    assert "HX-Request" in response.headers["Vary"]
    page = admin_client.get("/admin/users?q=manager").get_data(as_text=True)
    assert "<html" in page and 'hx-target="#user-table"' in page and 'hx-push-url="true"' in page


def test_user_list_pages(world, admin_client, make_user):
    for _ in range(55):
        make_user("lobby", world.branch)
    db.session.commit()
    first = admin_client.get("/admin/users?role=lobby").get_data(as_text=True)
    assert len(usernames(first)) == 50 and 'data-total="56"' in first
    assert "page=2" in first and "role=lobby" in first
    second = admin_client.get("/admin/users?role=lobby&page=2").get_data(as_text=True)
    assert len(usernames(second)) == 6


# Branches and teams


def test_branch_create_edit_and_duplicate_code(world, admin_client):
    response = admin_client.form("/admin/branches/new", {"code": "nq01", "name": "南桥支行"})
    assert response.status_code == 303
    branch = db.session.scalar(select(Branch).where(Branch.code == "NQ01"))
    assert path(response) == f"/admin/branches/{branch.id}/teams"
    assert len(audit_rows("branch_create", branch.id)) == 1

    duplicate = admin_client.form("/admin/branches/new", {"code": "cd01", "name": "Again"})
    assert duplicate.status_code == 200
    assert field_error(duplicate.get_data(as_text=True), "code")
    assert db.session.scalar(select(func.count()).select_from(Branch)) == 3

    clash = admin_client.form(f"/admin/branches/{branch.id}/edit", {"code": "CX01", "name": "南桥支行"})
    assert field_error(clash.get_data(as_text=True), "code")
    renamed = admin_client.form(f"/admin/branches/{branch.id}/edit", {"code": "NQ01", "name": "南桥"})
    assert renamed.status_code == 303
    assert reload(branch).name == "南桥"
    (row,) = audit_rows("branch_update", branch.id)
    assert row.details["changes"] == {"name": ["南桥支行", "南桥"]}


def test_branch_with_active_staff_cannot_be_deactivated(world, admin_client):
    response = admin_client.hx("POST", f"/admin/branches/{world.branch.id}/deactivate")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith(f'<tr id="branch-{world.branch.id}"')
    assert 'hx-swap-oob="true"' in html and "alert-danger" in html
    assert reload(world.branch).active


def test_empty_branch_is_deactivated_and_reactivated(world, admin_client, make_branch):
    branch = make_branch("空支行", "KZ01")
    db.session.commit()
    response = admin_client.form(f"/admin/branches/{branch.id}/deactivate")
    assert response.status_code == 303 and path(response) == "/admin/branches"
    assert not reload(branch).active
    hx = admin_client.hx("POST", f"/admin/branches/{branch.id}/reactivate")
    assert 'data-active="true"' in hx.get_data(as_text=True)
    assert reload(branch).active
    assert [len(audit_rows(a, branch.id)) for a in ("branch_deactivate", "branch_reactivate")] == [1, 1]


def test_team_create_with_leader_of_the_branch(world, admin_client):
    url = f"/admin/branches/{world.branch.id}/teams/new"
    wrong = admin_client.form(url, {"name": "信贷团队", "leader_id": str(world.other_supervisor.id)})
    assert wrong.status_code == 200
    assert field_error(wrong.get_data(as_text=True), "leader_id")
    lobby_leader = admin_client.form(url, {"name": "信贷团队", "leader_id": str(world.lobby.id)})
    assert field_error(lobby_leader.get_data(as_text=True), "leader_id")
    assert db.session.scalar(select(Team).where(Team.name == "信贷团队")) is None

    response = admin_client.form(url, {"name": "信贷团队", "leader_id": str(world.supervisor.id)})
    assert response.status_code == 303
    team = db.session.scalar(select(Team).where(Team.name == "信贷团队"))
    assert (team.branch_id, team.leader_id) == (world.branch.id, world.supervisor.id)
    assert len(audit_rows("team_create", team.id)) == 1


def test_team_edit_and_deactivate(world, admin_client):
    response = admin_client.form(f"/admin/teams/{world.team.id}/edit",
                                 {"name": "财富管理团队", "leader_id": str(world.colleague.id)})
    assert response.status_code == 303
    team = reload(world.team)
    assert (team.name, team.leader_id) == ("财富管理团队", world.colleague.id)

    busy = admin_client.form(f"/admin/teams/{world.team.id}/deactivate")
    assert busy.status_code == 303
    assert reload(world.team).active  # it still has active members

    empty = Team(branch_id=world.branch.id, name="Empty")
    db.session.add(empty)
    db.session.commit()
    hx = admin_client.hx("POST", f"/admin/teams/{empty.id}/deactivate")
    assert hx.get_data(as_text=True).lstrip().startswith(f'<tr id="team-{empty.id}"')
    assert not reload(empty).active


def test_dashboard_counts(world, admin_client):
    html = admin_client.get("/admin/").get_data(as_text=True)
    assert 'data-testid="count-branches">2<' in html
    assert 'data-testid="count-users">7<' in html
    assert 'data-testid="count-role-manager">3<' in html


def test_admin_pages_keep_the_database_unchanged_on_get(world, admin_client, app):
    tables = ("user", "branch", "team", "audit_event")

    def snapshot():
        return {t: db.session.execute(text(f'SELECT * FROM "{t}" ORDER BY id')).all() for t in tables}

    before = snapshot()
    for rule in admin_rules(app):
        if "GET" in rule.methods:
            admin_client.get(url_of(app, world, rule))
    db.session.expire_all()
    assert snapshot() == before


def test_signing_oneself_out_everywhere_navigates_to_login(world, admin_client):
    response = admin_client.hx("POST", f"/admin/users/{world.admin.id}/sign-out")
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/login"
    assert path(admin_client.get("/admin/")) == "/login"
