"""Found in the try-out: a rescheduled appointment stays on the customer's panel as "已改期" (rescheduled), but
nothing on it says to when it moved: the link to its successor (kept as successor_id, "history kept") is never
shown, so the history reads as a dead end. Expected: the old row names (or links to) the new time."""

from __future__ import annotations

import re
from datetime import timedelta

from app.appointments.booking import BookingRequest, book
from app.core.extensions import db
from tests.appointments.conftest import MONDAY_8AM
from tests.appointments.helpers import appointments
from tests.customers.helpers import body


def test_the_rescheduled_row_says_where_it_moved(monday, world, customer, manager_client):
    first = book(world.manager, customer, BookingRequest(mode="direct", starts=(MONDAY_8AM + timedelta(hours=2),),
                                                         minutes=30, place="branch", location=None,
                                                         purpose="贷款咨询"))[0]
    db.session.commit()
    response = manager_client.hx("POST", f"/appointments/{first.id}/reschedule",
                                 {"version": str(first.version), "new_date": "2026-12-08", "new_time": "15:00"})
    assert response.status_code == 200
    old, new = appointments()
    assert old.successor_id == new.id
    page = body(manager_client.get(f"/appointments/customer/{customer.id}"))
    old_row = re.search(rf'<li[^>]*id="appointment-{old.id}".*?</li>', page, re.S)
    assert old_row, "the rescheduled appointment is not on the panel"
    text = old_row.group(0)
    assert "12月8日" in text or f"#appointment-{new.id}" in text, \
        "the rescheduled row does not say (or link to) the new time"


def test_demo_data_reschedules_to_an_appointment_of_the_same_customer(app):
    """The demo's rescheduled appointment points to the week's first confirmed one, which belongs to another
    customer (demo: 陆海燕's 12-01 meeting "moved" to 黄军's 12-02 meeting)."""
    from sqlalchemy import select

    from app.core.demo import build_demo
    from app.models import Appointment

    build_demo(customers_per_branch=12)
    db.session.commit()
    rows = {a.id: a for a in db.session.scalars(select(Appointment))}
    moved = [a for a in rows.values() if a.successor_id is not None]
    assert moved
    wrong = [(a.id, a.successor_id) for a in moved if rows[a.successor_id].customer_id != a.customer_id]
    assert wrong == [], f"rescheduled to another customer's appointment: {wrong}"
