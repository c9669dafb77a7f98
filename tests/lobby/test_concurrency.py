"""The idempotent submit under concurrency: two threads post the same walk-in form (the same hidden key) at
once; one walk-in and one referral are written, and both answers show it. PostgreSQL: the unique
(branch_id, submission_key) constraint decides; SQLite: the write lock, taken at the first write, serialises the two."""

from __future__ import annotations

from sqlalchemy import func, select

from app.core import clock
from app.core.extensions import db
from app.customers import records
from app.models import Appointment, Branch, Referral, Role, User, WalkIn
from tests.customers.test_bankwide_unique import _race, _signed_in, concurrent_app  # noqa: F401
from tests.lobby.conftest import WEDNESDAY_10AM


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _branch_with_lobby():
    branch = Branch(code="E01", name="城东支行")
    db.session.add(branch)
    db.session.flush()
    lobby = User(username="lobby", display_name="王小燕", employee_no="E1", role=Role.LOBBY, branch_id=branch.id,
                 language="zh_Hans_CN", password_hash="x")
    db.session.add(lobby)
    db.session.commit()
    return lobby


def test_officers_logging_at_once_get_distinct_queue_numbers(concurrent_app):  # noqa: F811
    """Six walk-ins posted at once (different forms): six walk-ins numbered 1-6, and no request fails. Under read
    committed they all read the same highest number; the branch's queue lock takes them one at a time."""
    clock.freeze(WEDNESDAY_10AM)
    lobby = _branch_with_lobby()
    clients = [_signed_in(concurrent_app, lobby) for _ in range(6)]
    forms = [{"submission_key": f"form-{k}-abcdefghijkl", "visitor_name": "王女士", "need": "deposit",
              "action": "served"} for k in range(6)]
    results = _race([lambda c=c, f=f: c.hx("POST", "/lobby/walk-ins", f) for c, f in zip(clients, forms, strict=True)])
    assert [status for status, _ in results] == [200] * 6, results
    db.session.expire_all()
    assert sorted(db.session.scalars(select(WalkIn.queue_no))) == [1, 2, 3, 4, 5, 6]
    clock.freeze(None)


def test_two_threads_posting_the_same_form_log_one_walk_in(concurrent_app):  # noqa: F811
    clock.freeze(WEDNESDAY_10AM)
    lobby, _owner, credit, (customer, _) = _branch_with_staff()
    clients = [_signed_in(concurrent_app, lobby) for _ in range(2)]
    form = {"submission_key": "same-form-key-123456", "customer_id": str(customer.id), "need": "loan",
            "specialist_id": str(credit.id), "action": "handoff"}
    results = _race([lambda c=c: c.hx("POST", "/lobby/walk-ins", form) for c in clients])
    assert [status for status, _ in results] == [200, 200], results
    assert all('data-testid="walk-in-logged"' in text for _, text in results)
    db.session.expire_all()
    assert _count(WalkIn) == 1 and _count(Referral) == 1
    clock.freeze(None)


def _branch_with_staff():
    """A branch with its lobby officer, a wealth manager owning two customers and a credit manager."""
    branch = Branch(code="E01", name="城东支行")
    db.session.add(branch)
    db.session.flush()
    people = [User(username=username, display_name=name, employee_no=no, role=role, specialty=specialty,
                   branch_id=branch.id, language="zh_Hans_CN", password_hash="x")
              for username, name, no, role, specialty in (("lobby", "王小燕", "E1", Role.LOBBY, None),
                                                          ("m", "张伟", "E2", Role.MANAGER, "wealth"),
                                                          ("c", "李强", "E3", Role.MANAGER, "credit"))]
    db.session.add_all(people)
    db.session.commit()
    lobby, owner, credit = people
    customers = [records.create_customer(owner, records.CustomerData(
        kind="individual", name=name, source="walk_in", status="prospect", mobile=mobile))
        for name, mobile in (("赵六", "13712340000"), ("钱七", "13712340001"))]
    db.session.commit()
    return lobby, owner, credit, customers


def _booked_form(key: str, customer, owner) -> dict:
    return {"submission_key": key, "customer_id": str(customer.id), "need": "wealth", "specialist_id": str(owner.id),
            "booking": "1", "slot": "2026-12-03T09:00", "action": "booked"}


def test_the_same_booked_form_posted_twice_at_once_books_once(concurrent_app):  # noqa: F811
    clock.freeze(WEDNESDAY_10AM)
    lobby, owner, _credit, (customer, _) = _branch_with_staff()
    clients = [_signed_in(concurrent_app, lobby) for _ in range(2)]
    form = _booked_form("same-booking-key-1234", customer, owner)
    results = _race([lambda c=c: c.hx("POST", "/lobby/walk-ins", form) for c in clients])
    assert [status for status, _ in results] == [200, 200], results
    assert all('data-testid="walk-in-appointment"' in text for _, text in results)
    db.session.expire_all()
    assert _count(WalkIn) == 1 and _count(Appointment) == 1
    clock.freeze(None)


def test_two_officers_booking_the_same_time_get_one_appointment(concurrent_app):  # noqa: F811
    """Two walk-ins booked with the same specialist at the same time at once: one is booked, the other is told
    at the time field and writes nothing (PostgreSQL: the exclusion constraint; SQLite: the write lock)."""
    clock.freeze(WEDNESDAY_10AM)
    lobby, owner, _credit, customers = _branch_with_staff()
    clients = [_signed_in(concurrent_app, lobby) for _ in range(2)]
    forms = [_booked_form(f"booking-key-{k}-abcdefgh", c, owner) for k, c in enumerate(customers)]
    results = _race([lambda c=c, f=f: c.hx("POST", "/lobby/walk-ins", f) for c, f in zip(clients, forms, strict=True)])
    assert sorted(status for status, _ in results) == [200, 422], results
    db.session.expire_all()
    assert _count(WalkIn) == 1 and _count(Appointment) == 1
    clock.freeze(None)
