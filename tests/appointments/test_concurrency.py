"""No double-booking under concurrency (security.md R2, §4.1, §5): 20 managers' sessions (threads released
by one barrier, each with its own client, session and database connection) book the same staff member's
same slot at once. Exactly one succeeds; every other gets the clear refusal (409, "this time is no longer
free"), never a 5xx or "database is locked"; one appointment and one audit row are written. The same for
overlapping (not identical) intervals. SQLite: the write lock (hold_write_lock) + the check; PostgreSQL: the exclusion
constraint."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from app.core import clock
from app.core.extensions import db
from app.customers import records
from app.models import Appointment, AuditEvent, Branch, Role, User
from tests.appointments.conftest import MONDAY_8AM
from tests.appointments.helpers import booking
from tests.conftest import USING_POSTGRES
from tests.customers.helpers import tr
from tests.customers.test_bankwide_unique import _race, _signed_in, concurrent_app  # noqa: F401

BOOKERS = 20
TAKEN = "This time is no longer free. Please choose another time."


@pytest.fixture
def branch_with_supervisors(concurrent_app):  # noqa: F811
    """One manager owning one customer, and 20 supervisors of the branch (a supervisor books into the
    owner's calendar), so 20 different sessions aim at one calendar."""
    clock.freeze(MONDAY_8AM)
    branch = Branch(code="E01", name="城东支行")
    db.session.add(branch)
    db.session.flush()
    people = [User(username=f"u{i}", display_name=f"员工{i}", employee_no=f"E{i:05d}",
                   role=Role.MANAGER if i == 0 else Role.SUPERVISOR, specialty="wealth" if i == 0 else None,
                   branch_id=branch.id, language="zh_Hans_CN", password_hash="x") for i in range(BOOKERS + 1)]
    db.session.add_all(people)
    db.session.commit()
    manager = people[0]
    customer = records.create_customer(manager, records.CustomerData(
        kind="individual", name="赵六", source="walk_in", status="prospect", mobile="13712340000"))
    db.session.commit()
    yield manager, people[1:], customer
    clock.freeze(None)


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.mark.parametrize("shape", ["same_slot", "overlapping"])
def test_twenty_simultaneous_bookings_of_one_slot_give_one_success(concurrent_app, branch_with_supervisors,  # noqa: F811
                                                                   shape):
    manager, supervisors, customer = branch_with_supervisors
    clients = [_signed_in(concurrent_app, s) for s in supervisors]
    # overlapping: 10:00-10:30 and 10:15-10:45 alternate (typed times, 30 minutes each).
    forms = [booking(mode="direct", typed_date="2026-12-07",
                     typed_time="10:15" if shape == "overlapping" and i % 2 else "10:00") for i in range(BOOKERS)]
    url = f"/appointments/customer/{customer.id}/book"
    results = _race([lambda c=c, f=f: c.form(url, f) for c, f in zip(clients, forms, strict=True)])

    statuses = Counter(status for status, _ in results)
    assert statuses == {303: 1, 409: BOOKERS - 1}, [(s, b[:300]) for s, b in results if s not in (303, 409)]
    with concurrent_app.test_request_context():
        refusal = tr(TAKEN)
    for status, page in results:
        assert "database is locked" not in page
        if status == 409:
            assert refusal in page
    db.session.rollback()
    assert _count(Appointment, Appointment.staff_id == manager.id) == 1
    assert _count(AuditEvent, AuditEvent.action == "appointment_direct") == 1


def test_the_database_itself_refuses_an_overlap_on_postgresql(concurrent_app, branch_with_supervisors):  # noqa: F811
    """The constraint, not the check, is the guarantee: a raw insert past the service fails."""
    if not USING_POSTGRES:
        pytest.skip("the exclusion constraint is PostgreSQL's")
    from datetime import timedelta

    from sqlalchemy.exc import IntegrityError

    manager, supervisors, customer = branch_with_supervisors
    start = MONDAY_8AM + timedelta(hours=3)
    row = dict(branch_id=customer.branch_id, customer_id=customer.id, staff_id=manager.id, place="branch",
               purpose="面谈", booked_by_id=manager.id, booked_at=MONDAY_8AM, updated_at=MONDAY_8AM)
    db.session.add(Appointment(start_at=start, end_at=start + timedelta(minutes=30), status="held", **row))
    db.session.commit()
    db.session.add(Appointment(start_at=start + timedelta(minutes=15), end_at=start + timedelta(minutes=45),
                               status="confirmed", **row))
    with pytest.raises(IntegrityError, match="ex_appointment_no_double_booking"):
        db.session.commit()
    db.session.rollback()
    # A cancelled appointment does not block.
    db.session.add(Appointment(start_at=start, end_at=start + timedelta(minutes=30), status="cancelled", **row))
    db.session.commit()
