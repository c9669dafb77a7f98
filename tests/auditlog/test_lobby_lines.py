"""Found in the lobby try-out: the audit log has no words for the lobby's events. A logged walk-in shows as
"其他操作" (other action) with its raw details "need: wealth；done: handoff；queue_no: 14；handed_to: 张伟；
booked_with: None；appointment_id: None；alerted: 3" (English keys, codes, None and a user id), and so do the
queue's call, start, finish and left."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.core.extensions import db
from app.lobby import services as lobby
from app.models import WalkIn
from tests.auditlog.test_routes import rows
from tests.customers.helpers import tr

RAW = re.compile(r"\b(need|done|queue_no|handed_to|booked_with|appointment_id|alerted|None|handoff|queue|wealth|"
                 r"deposit|True|False)\b")
LOBBY_ACTIONS = ("Logged a walk-in", "Called a walk-in", "Started serving a walk-in", "Finished serving a walk-in",
                 "Recorded that a walk-in left")


def test_lobby_events_read_as_chinese_sentences(world, customer, client_for):
    customer.tier = "A"
    db.session.commit()
    handed, _ = lobby.log_walk_in(world.lobby, customer, lobby.WalkInInput(
        need="wealth", action="handoff", submission_key="audit-1", specialist_id=world.colleague.id))
    queued, _ = lobby.log_walk_in(world.lobby, None, lobby.WalkInInput(
        need="deposit", action="queue", submission_key="audit-2", visitor_name="王女士"))
    db.session.commit()
    lobby.call(world.colleague, handed)
    lobby.start(world.colleague, handed)
    lobby.finish(world.colleague, handed)
    lobby.mark_left(world.lobby, db.session.scalars(select(WalkIn).where(WalkIn.id == queued.id)).one())
    db.session.commit()
    seen = [r for r in rows(client_for(world.supervisor).get("/audit/")) if r["action"] in
            {tr(label) for label in LOBBY_ACTIONS} | {tr("Other action")}]
    assert sorted(r["action"] for r in seen) == sorted(tr(label) for label in
                                                       (*LOBBY_ACTIONS[:1], *LOBBY_ACTIONS))
    raw = [(r["action"], r["details"]) for r in seen if RAW.search(r["details"])]
    assert raw == [], f"English keys or codes in the details: {raw}"
    logged = {r["details"] for r in seen if r["action"] == tr("Logged a walk-in")}
    assert tr("Handed to %(name)s.", name=world.colleague.display_name) in " ".join(logged)
    assert tr("The owner was alerted.") in " ".join(logged)
