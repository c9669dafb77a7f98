"""Found in the try-out: the audit log (supervisors and the compliance officer read it) has no words for the
appointment, follow-up, calendar-subscription and rhythm events. Each shows as "其他操作" (other action) with its
raw details: "状态: confirmed；when: 2026-12-24 10:00；staff: 张伟", "类型: other；due: 2026-12-10；assignee: 张伟",
"replaced: False": English keys and code values in the Chinese interface."""

from __future__ import annotations

import re
from datetime import timedelta

from app.appointments.booking import BookingRequest, book
from app.core.extensions import db
from app.followups import services as follow_ups
from tests.appointments.conftest import MONDAY_8AM
from tests.auditlog.test_routes import rows
from tests.customers.helpers import tr

RAW = re.compile(r"\b(when|staff|due|assignee|replaced|reason|confirmed|held|other|return_visit|True|False)\b")


def test_appointment_and_follow_up_events_read_as_chinese_sentences(world, customer, client_for):
    from app.core import clock

    clock.freeze(MONDAY_8AM)
    book(world.manager, customer, BookingRequest(mode="direct", starts=(MONDAY_8AM + timedelta(hours=2),), minutes=30,
                                                 place="branch", location=None, purpose="贷款咨询"))
    follow_ups.add_follow_up(world.manager, customer, follow_ups.NewFollowUp(
        kind="other", due_on=MONDAY_8AM.date() + timedelta(days=2), note="补充材料"))
    db.session.commit()
    supervisor_client = client_for(world.supervisor)  # signed in at the frozen moment
    seen = [r for r in rows(supervisor_client.get("/audit/")) if r["action"] != tr("Viewed a customer")]
    assert seen
    other = tr("Other action")
    assert [r["action"] for r in seen if r["action"] == other] == [], "events without a label"
    raw = [(r["action"], r["details"]) for r in seen if RAW.search(r["details"])]
    assert raw == [], f"English keys or codes in the details: {raw}"
