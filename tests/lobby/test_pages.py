"""The lobby's pages without JavaScript, and the statements a page costs (fixed, whatever the rows)."""

from __future__ import annotations

from sqlalchemy import event, func, select

from app.core.extensions import db
from app.lobby import services
from app.models import AuditEvent, WalkIn
from tests.conftest import count_queries
from tests.customers.helpers import body
from tests.lobby.conftest import submission_key


def _log_many(world, n: int, customer=None) -> None:
    for _ in range(n):
        services.log_walk_in(world.lobby, customer, services.WalkInInput(
            need="loan", action="queue", submission_key=services.new_submission_key(),
            visitor_name=None if customer else "王女士"))
    db.session.commit()


def test_the_lookup_works_as_a_plain_form(lobby_client, customer):
    response = lobby_client.form("/lobby/lookup", {"mobile": "13812345678"})
    html = body(response)
    assert response.status_code == 200 and "<html" in html and 'data-testid="lobby-card"' in html
    key = submission_key(html)
    logged = lobby_client.form("/lobby/walk-ins", {"submission_key": key, "customer_id": str(customer.id),
                                                   "need": "deposit", "action": "served"})
    assert logged.status_code == 303 and logged.headers["Location"].endswith("/lobby")
    assert "已登记来访 1 号" in body(lobby_client.get("/lobby"))


def test_the_queue_costs_the_same_statements_for_3_or_30_walk_ins(world, lobby_client, customer):
    _log_many(world, 3, customer)
    lobby_client.get("/lobby/queue", headers={"HX-Request": "true"})  # warm: session, labels
    with count_queries() as few:
        lobby_client.get("/lobby/queue", headers={"HX-Request": "true"})
    _log_many(world, 27)
    with count_queries() as many:
        response = lobby_client.get("/lobby/queue", headers={"HX-Request": "true"})
    assert body(response).count('class="list-group-item" id="walk-in-') == 30
    assert len(many) == len(few) <= 6, many


def test_the_lookup_costs_a_fixed_number_of_statements(lobby_client, customer):
    lobby_client.hx("POST", "/lobby/lookup", {"mobile": "13812345678"})
    with count_queries() as statements:
        lobby_client.hx("POST", "/lobby/lookup", {"mobile": "13812345678"})
    assert len(statements) <= 10, statements
    assert db.session.scalar(select(func.count()).select_from(WalkIn)) == 0


def test_the_lookup_runs_on_one_connection_and_keeps_its_audit_row(lobby_client, customer):
    """A reading request's audit row commits on its own: committing it in the middle handed the connection
    back and took another (on PostgreSQL a ping, a BEGIN and a ROLLBACK more)."""
    def audit_rows() -> int:
        return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "number_search"))

    lobby_client.hx("POST", "/lobby/lookup", {"mobile": "13812345678"})  # warm: the CSRF token's page
    before = audit_rows()
    db.session.rollback()
    checkouts: list[object] = []

    def checked_out(*args) -> None:
        checkouts.append(args)

    event.listen(db.engine.pool, "checkout", checked_out)
    try:
        response = lobby_client.hx("POST", "/lobby/lookup", {"mobile": "13812345678"})
    finally:
        event.remove(db.engine.pool, "checkout", checked_out)
    assert response.status_code == 200 and 'data-testid="lobby-card"' in body(response)
    assert len(checkouts) == 1
    db.session.rollback()
    assert audit_rows() == before + 1
