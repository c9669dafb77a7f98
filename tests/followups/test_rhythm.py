"""The tier rhythm: completing a return visit plans the next (done day + the tier's days, TierRhythm row else
the default); a tier change moves the one pending return visit; a new customer gets its first; the admin's
days are checked 1–730; never two pending return visits, even when two writers plan at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from app.appointments.actions import mark_done
from app.appointments.booking import BookingRequest, book
from app.core import clock
from app.core.extensions import db
from app.core.refusals import InvalidInput, PolicyError
from app.customers.tiers import set_tier
from app.followups import rhythm, services
from app.models import FollowUp, TierRhythm
from tests.followups.conftest import MONDAY, TODAY, follow_ups, pending_return_visits


def test_a_new_customer_with_a_tier_gets_its_first_return_visit(world, make_customer, monday):
    customer = make_customer(world.manager)
    assert customer.tier == "C"
    (first,) = pending_return_visits(customer.id)
    assert (first.due_on, first.assignee_id, first.plan_key) == (TODAY + timedelta(days=180), world.manager.id,
                                                                 "first")


def test_completing_a_return_visit_plans_the_next_by_tier(monday, world, customer):
    (visit,) = pending_return_visits(customer.id)
    next_one = services.complete(world.manager, visit, "客户满意", expected_version=visit.version)
    db.session.commit()
    assert next_one is not None and next_one.due_on == TODAY + timedelta(days=180)  # tier C, no row: the default
    assert [f.status for f in follow_ups(customer_id=customer.id)] == ["done", "open"]


def test_the_admins_rhythm_row_wins_over_the_default(monday, world, customer):
    db.session.add(TierRhythm(tier="C", days=45, updated_at=clock.now()))
    db.session.commit()
    (visit,) = pending_return_visits(customer.id)
    next_one = services.complete(world.manager, visit, "已回访", expected_version=visit.version)
    assert next_one.due_on == TODAY + timedelta(days=45)


def test_a_tier_change_moves_the_pending_return_visit_and_never_adds_one(monday, world, customer):
    set_tier(world.manager, customer, "A", "资产提升")
    db.session.commit()
    (visit,) = pending_return_visits(customer.id)
    assert visit.due_on == TODAY + timedelta(days=30)
    set_tier(world.manager, customer, "B", "调整")
    db.session.commit()
    (visit,) = pending_return_visits(customer.id)
    assert visit.due_on == TODAY + timedelta(days=90)


def test_a_tier_change_counts_from_the_last_done_visit(monday, world, customer):
    (visit,) = pending_return_visits(customer.id)
    services.complete(world.manager, visit, "已回访", expected_version=visit.version)
    db.session.commit()
    clock.freeze(MONDAY + timedelta(days=20))
    set_tier(world.manager, customer, "A", "资产提升")
    db.session.commit()
    (visit,) = pending_return_visits(customer.id)
    assert visit.due_on == TODAY + timedelta(days=30)  # done on TODAY, A: 30 days after it


def test_a_tier_change_replans_a_customer_without_one(monday, world, customer):
    (visit,) = pending_return_visits(customer.id)
    services.cancel(world.manager, visit, "客户暂不需要", expected_version=visit.version)
    db.session.commit()
    set_tier(world.manager, customer, "A", "资产提升")
    db.session.commit()
    (visit,) = pending_return_visits(customer.id)
    assert visit.due_on == TODAY + timedelta(days=30)


def test_the_database_refuses_a_second_pending_return_visit(monday, world, customer):
    db.session.add(FollowUp(branch_id=customer.branch_id, customer_id=customer.id, assignee_id=world.manager.id,
                            kind="return_visit", due_on=TODAY, status="snoozed", snoozed_until=TODAY))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_planning_twice_moves_the_one_pending_visit(monday, world, customer):
    assert rhythm.plan_return_visit(customer, TODAY + timedelta(days=5), plan_key="x") == "moved"
    # A writer that lost the race: its INSERT finds the pending one and moves it instead of failing.
    db.session.execute(FollowUp.__table__.update().where(FollowUp.customer_id == customer.id).values(
        plan_key="gone"))
    assert rhythm._move_pending(customer.id, TODAY) == 1
    assert rhythm.plan_return_visit(customer, TODAY + timedelta(days=9), plan_key="gone") == "moved"
    db.session.commit()
    (visit,) = pending_return_visits(customer.id)
    assert visit.due_on == TODAY + timedelta(days=9)


def test_the_insert_that_loses_the_race_does_nothing_and_moves_the_winner(monday, world, customer, monkeypatch):
    """The pending row appears between the UPDATE (which found nothing) and the INSERT."""
    (visit,) = pending_return_visits(customer.id)
    db.session.delete(visit)
    db.session.commit()
    real_move = rhythm._move_pending
    calls = []

    def move_after_a_rival_inserted(customer_id, due, assignee_id=None):
        if not calls:
            calls.append(1)
            db.session.add(FollowUp(branch_id=customer.branch_id, customer_id=customer_id,
                                    assignee_id=world.manager.id, kind="return_visit", due_on=TODAY,
                                    status="open", plan_key="rival"))
            db.session.flush()
            return 0
        return real_move(customer_id, due, assignee_id)

    monkeypatch.setattr(rhythm, "_move_pending", move_after_a_rival_inserted)
    assert rhythm.plan_return_visit(customer, TODAY + timedelta(days=7), plan_key="mine") == "moved"
    db.session.commit()
    (visit,) = pending_return_visits(customer.id)
    assert (visit.plan_key, visit.due_on) == ("rival", TODAY + timedelta(days=7))


@pytest.mark.parametrize("value", ["0", "731", "abc", "", "-3", "1.5"])
def test_the_admin_rhythm_is_checked_1_to_730(world, value):
    with pytest.raises(InvalidInput) as refused:
        rhythm.set_rhythm(world.admin, {"A": value, "B": "90", "C": "180"})
    assert list(refused.value.errors) == ["days_A"]
    db.session.rollback()
    assert db.session.get(TierRhythm, "B") is None  # nothing half-written


def test_the_admin_sets_the_rhythm_and_only_the_admin(world):
    with pytest.raises(PolicyError):
        rhythm.set_rhythm(world.supervisor, {"A": "20", "B": "60", "C": "120"})
    rhythm.set_rhythm(world.admin, {"A": "20", "B": "60", "C": "730"})
    db.session.commit()
    assert rhythm.rhythm_days() == {"A": 20, "B": 60, "C": 730}


def test_an_appointment_done_proposes_a_follow_up_three_days_later(monday, world, customer):
    clock.freeze(MONDAY - timedelta(days=1))
    (appointment,) = book(world.manager, customer, BookingRequest(
        mode="direct", starts=(MONDAY + timedelta(hours=1),), minutes=30, place="branch", location=None,
        purpose="面谈"))
    db.session.commit()
    clock.freeze(MONDAY + timedelta(hours=2))
    mark_done(world.manager, appointment, "已面谈", "三天内确认金额")
    db.session.commit()
    (after,) = follow_ups(kind="after_appt")
    assert (after.due_on, after.assignee_id, after.plan_key, after.note) == (
        TODAY + timedelta(days=3), world.manager.id, f"appt:{appointment.id}", "三天内确认金额")
    services.propose_after_appointment(world.manager, appointment)  # once per appointment
    db.session.commit()
    assert len(follow_ups(kind="after_appt")) == 1


def test_reassigning_customers_hands_their_pending_follow_ups_to_the_new_owner(world, make_customer, monday):
    from app.customers.records import reassign_customers

    first, second = make_customer(world.manager), make_customer(world.manager)
    extra = services.add_follow_up(world.manager, first, services.NewFollowUp(kind="other", due_on=TODAY, note=None))
    db.session.commit()
    reassign_customers(world.supervisor, [first.id, second.id], world.colleague.id)
    db.session.commit()
    pending = [f for f in follow_ups() if f.status == "open"]
    assert len(pending) == 3 and {f.assignee_id for f in pending} == {world.colleague.id}
    assert follow_ups(id=extra.id)[0].version == 2
