"""Specialists present today: the toggle (oneself; the supervisor for a colleague), who may not, the rule that
nobody marked means present, the audit sentence, and the lobby's picker listing only those present."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.auditlog.services import present as audit_lines
from app.core.extensions import db
from app.lobby import presence
from app.models import AuditEvent, StaffPresence
from tests.customers.helpers import body, tr
from tests.lobby.conftest import submission_key


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _toggle(client, user_id: int, present: str, **kw):
    return client.hx("POST", f"/lobby/presence/{user_id}", {"present": present, "back": "queue"}, **kw)


def test_nobody_marked_means_present(world):
    assert presence.is_present(world.colleague) and presence.is_present(world.manager)
    assert presence.away_ids(world.branch.id) == set()
    assert all(row.present for row in presence.roster(world.lobby))


def test_a_specialist_marks_themselves_away_and_back(colleague_client, world):
    response = _toggle(colleague_client, world.colleague.id, "0")
    html = body(response)
    assert response.status_code == 200 and "<html" not in html and 'id="staff-presence"' in html
    state = re.search(rf'data-testid="presence-state-{world.colleague.id}">([^<]+)<', html).group(1)
    assert state == tr("away")
    row = db.session.scalars(select(StaffPresence)).one()
    assert (row.user_id, row.branch_id, row.present, row.changed_by_id, row.day.isoformat()) == (
        world.colleague.id, world.branch.id, False, world.colleague.id, "2026-12-02")
    assert not presence.is_present(world.colleague) and presence.away_ids(world.branch.id) == {world.colleague.id}
    _toggle(colleague_client, world.colleague.id, "1")
    db.session.expire_all()
    assert _count(StaffPresence) == 1 and presence.is_present(world.colleague)
    assert _count(AuditEvent, AuditEvent.action == "staff_presence") == 2


def test_without_javascript_the_toggle_returns_to_the_page(colleague_client, world):
    response = colleague_client.form(f"/lobby/presence/{world.colleague.id}", {"present": "0", "back": "my_day"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/my-day")
    response = colleague_client.form(f"/lobby/presence/{world.colleague.id}", {"present": "1", "back": "elsewhere"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/lobby/queue")
    assert colleague_client.form(f"/lobby/presence/{world.colleague.id}", {"present": "maybe"}).status_code == 400


def test_the_supervisor_sets_a_colleagues_presence(supervisor_client, world):
    assert _toggle(supervisor_client, world.colleague.id, "0").status_code == 200
    row = db.session.scalars(select(StaffPresence)).one()
    assert (row.user_id, row.present, row.changed_by_id) == (world.colleague.id, False, world.supervisor.id)
    assert _toggle(supervisor_client, world.supervisor.id, "0").status_code == 200  # and their own


def test_who_may_not_set_presence(lobby_client, manager_client, client_for, world):
    assert _toggle(lobby_client, world.colleague.id, "0").status_code == 403  # lobby staff: nobody's
    assert _toggle(lobby_client, world.lobby.id, "0").status_code == 403  # lobby staff are not specialists
    assert _toggle(manager_client, world.colleague.id, "0").status_code == 403  # a manager: only their own
    other = client_for(world.other_manager)
    assert _toggle(other, world.colleague.id, "0").status_code == 404  # another branch's: nobody there
    assert _toggle(client_for(world.other_supervisor), world.colleague.id, "0").status_code == 404
    assert _toggle(manager_client, 987654, "0").status_code == 404
    assert _count(StaffPresence) == 0 and _count(AuditEvent, AuditEvent.action == "staff_presence") == 0


def test_the_toggle_is_on_the_queue_page_and_my_day(colleague_client, supervisor_client, lobby_client, world):
    queue_page = body(colleague_client.get("/lobby/queue"))
    assert f'data-testid="presence-toggle-{world.colleague.id}"' in queue_page
    assert f'data-testid="presence-toggle-{world.manager.id}"' not in queue_page  # a manager sets only their own
    my_day = body(colleague_client.get("/my-day"))
    assert f'data-testid="presence-toggle-{world.colleague.id}"' in my_day and 'value="my_day"' in my_day
    team = body(supervisor_client.get("/lobby/queue"))
    assert all(f'data-testid="presence-toggle-{u.id}"' in team for u in (world.manager, world.colleague))
    lobby = body(lobby_client.get("/lobby/queue"))
    assert 'data-testid="staff-presence"' in lobby and 'data-testid="presence-toggle-' not in lobby
    assert world.other_manager.display_name not in team


def test_the_audit_log_says_it_in_a_sentence(app, supervisor_client, world):
    _toggle(supervisor_client, world.colleague.id, "0")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "staff_presence")).one()
    with app.test_request_context():
        line = audit_lines(world.supervisor, [event])[0]
    assert line.sentence == tr("%(user)s marked away for %(day)s.", user=world.colleague.display_name,
                               day="2026-12-02")
    assert line.action == tr("Marked present or away")


def test_the_lobbys_picker_leaves_those_away_unselectable(lobby_client, customer, world):
    presence.set_presence(world.colleague, world.colleague, False)
    db.session.commit()
    html = body(lobby_client.hx("POST", "/lobby/lookup", {"mobile": "13812345678"}))
    key = submission_key(html)
    html = body(lobby_client.hx("POST", "/lobby/walk-ins/form", {"submission_key": key,
                                                                  "customer_id": str(customer.id), "need": "loan"}))
    picker = html.split("<select")[1].split("</select>")[0]
    present_part, away_part = picker.split(tr("Away today"))
    assert world.manager.display_name in present_part and world.colleague.display_name not in present_part
    assert re.search(rf'<option disabled value="{world.colleague.id}">|<option[^>]*value="{world.colleague.id}"'
                     r'[^>]*disabled', away_part)
    # Back present: the credit colleague is suggested first again.
    presence.set_presence(world.colleague, world.colleague, True)
    db.session.commit()
    html = body(lobby_client.hx("POST", "/lobby/walk-ins/form", {"submission_key": key,
                                                                  "customer_id": str(customer.id), "need": "loan"}))
    picker = html.split("<select")[1].split("</select>")[0]
    assert tr("Away today") not in picker
    assert picker.index(world.colleague.display_name) < picker.index(world.manager.display_name)
