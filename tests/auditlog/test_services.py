"""The audit log's presenter without HTTP: the customer's name as the reader may see it."""

from __future__ import annotations

from sqlalchemy import select

from app.auditlog import services
from app.core import clock
from app.core.extensions import db
from app.models import AuditEvent


def test_the_customer_name_follows_the_full_record_policy(app, world, customer):
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.customer_id == customer.id)).all()
    with app.test_request_context():
        assert {line.customer for line in services.present(world.supervisor, events)} == {"张三"}
        assert {line.customer for line in services.present(world.manager, events)} == {"张三"}  # the owner
        assert {line.customer for line in services.present(world.colleague, events)} == {"张*"}
        # Out of scope: no name at all, only that it was a customer.
        assert all("张" not in line.customer for line in services.present(world.other_supervisor, events))


def test_an_action_the_presenter_does_not_know_is_shown_masked(app, world):
    event = AuditEvent(at=clock.now(), actor_id=world.manager.id, actor_role="manager", branch_id=world.branch.id,
                       action="something_new", details={"note": "客户手机13812345678"})
    with app.test_request_context():
        (line,) = services.present(world.supervisor, [event])
    assert "13812345678" not in line.sentence and "5678" in line.sentence
    assert "something_new" not in line.action
