"""Found in the try-out: on my day at 19:00 the held offer "10:30 today or 15:30 tomorrow" still offers
"customer chose this time" on the 10:30 that passed hours ago; pressing it confirms a meeting in the past and
releases tomorrow's time, the only one the customer can still take. Expected: a time that has passed cannot be
chosen (the same "that time is past" as when booking), and the other time stays held."""

from __future__ import annotations

from datetime import timedelta

from app.core import clock
from tests.appointments.conftest import MONDAY_8AM
from tests.appointments.helpers import appointments, booking, statuses


def test_a_passed_offered_time_cannot_be_chosen(monday, world, customer, client_for):
    manager_client = client_for(world.manager)
    manager_client.form(f"/appointments/customer/{customer.id}/book", booking("2026-12-07T10:30", "2026-12-08T15:30"))
    first, second = appointments()
    assert statuses() == ["held", "held"]

    clock.freeze(MONDAY_8AM + timedelta(hours=11))  # 19:00 in Beijing: 10:30 has passed
    manager_client = client_for(world.manager)  # signed in after the clock moved (sessions idle out)
    manager_client.hx("POST", f"/appointments/{first.id}/choose", {"version": str(first.version)})
    assert statuses() == ["held", "held"], "a time that had passed was confirmed and the future one released"
