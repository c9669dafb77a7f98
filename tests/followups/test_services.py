"""Follow-up services without HTTP: add, complete (outcome required), snooze (never a past date), cancel
(reason), reassign (supervisor), the version check, audit rows and the customer's timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core.extensions import db
from app.core.refusals import InvalidInput, PolicyError
from app.customers.timeline import customer_timeline
from app.followups import services
from app.models import AuditEvent
from tests.followups.conftest import TODAY, follow_ups, pending_return_visits, plan


def _audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_add_plans_it_for_the_manager_with_an_audit_row_on_the_timeline(monday, world, customer):
    follow_up = services.add_follow_up(world.manager, customer, services.NewFollowUp(
        kind="other", due_on=TODAY + timedelta(days=2), note="补充收入证明"))
    db.session.commit()
    assert (follow_up.assignee_id, follow_up.status, follow_up.due_on) == (world.manager.id, "open", TODAY + timedelta(days=2))
    assert _audit("follow_up_add")[0].customer_id == customer.id
    entries, _more = customer_timeline(customer)
    assert any(e.kind == "audit" and e.item.action == "follow_up_add" for e in entries)


@pytest.mark.parametrize(("due", "field"), [(None, "due_on"), (TODAY - timedelta(days=1), "due_on"),
                                            (TODAY + timedelta(days=800), "due_on")])
def test_add_refuses_a_missing_past_or_far_date_and_writes_nothing(monday, world, customer, due, field):
    before = len(follow_ups())
    with pytest.raises(InvalidInput) as refused:
        services.add_follow_up(world.manager, customer, services.NewFollowUp(kind="other", due_on=due, note=None))
    db.session.rollback()
    assert field in refused.value.errors and len(follow_ups()) == before


def test_add_refuses_a_full_mobile_in_the_note(monday, world, customer):
    with pytest.raises(InvalidInput) as refused:
        services.add_follow_up(world.manager, customer, services.NewFollowUp(
            kind="other", due_on=TODAY, note="回电 13812345678"))
    assert "note" in refused.value.errors


def test_a_second_pending_return_visit_is_refused_with_a_message(monday, world, customer):
    assert len(pending_return_visits(customer.id)) == 1  # the new customer's first one
    with pytest.raises(InvalidInput) as refused:
        services.add_follow_up(world.manager, customer, services.NewFollowUp(kind="return_visit", due_on=TODAY,
                                                                             note=None))
    assert "kind" in refused.value.errors
    db.session.rollback()
    assert len(pending_return_visits(customer.id)) == 1


def test_a_colleague_who_does_not_work_the_customer_may_not_add(monday, world, customer):
    with pytest.raises(PolicyError):
        services.add_follow_up(world.colleague, customer, services.NewFollowUp(kind="other", due_on=TODAY,
                                                                               note=None))


def test_complete_needs_an_outcome(monday, world, customer):
    row = plan(customer, world.manager, due=TODAY)
    with pytest.raises(InvalidInput) as refused:
        services.complete(world.manager, row, "  ", expected_version=row.version)
    assert "outcome" in refused.value.errors
    db.session.rollback()
    assert follow_ups(id=row.id)[0].status == "open"


def test_complete_records_the_outcome_and_who_closed_it(monday, world, customer):
    row = plan(customer, world.manager, due=TODAY - timedelta(days=3))
    assert services.complete(world.manager, row, "已电话沟通", expected_version=row.version) is None
    db.session.commit()
    (done,) = follow_ups(id=row.id)
    assert (done.status, done.outcome, done.closed_by_id) == ("done", "已电话沟通", world.manager.id)
    assert _audit("follow_up_complete")


def test_a_stale_version_is_refused_as_changed_meanwhile(monday, world, customer):
    row = plan(customer, world.manager, due=TODAY)
    with pytest.raises(services.ChangedMeanwhile):
        services.complete(world.manager, row, "已沟通", expected_version=row.version + 1)


def test_a_closed_follow_up_cannot_be_completed_again(monday, world, customer):
    row = plan(customer, world.manager, due=TODAY, status="done")
    with pytest.raises(InvalidInput):
        services.complete(world.manager, row, "再次", expected_version=row.version)


def test_snooze_moves_it_to_a_later_day_and_refuses_a_past_one(monday, world, customer):
    row = plan(customer, world.manager, due=TODAY - timedelta(days=2))
    with pytest.raises(InvalidInput) as refused:
        services.snooze(world.manager, row, TODAY - timedelta(days=1), expected_version=row.version)
    assert "until" in refused.value.errors
    db.session.rollback()
    row = follow_ups(id=row.id)[0]
    services.snooze(world.manager, row, TODAY + timedelta(days=3), expected_version=row.version)
    db.session.commit()
    (snoozed,) = follow_ups(id=row.id)
    assert (snoozed.status, snoozed.snoozed_until, snoozed.due_on) == ("snoozed", TODAY + timedelta(days=3),
                                                                       TODAY + timedelta(days=3))


def test_cancel_needs_a_reason(monday, world, customer):
    row = plan(customer, world.manager, due=TODAY)
    with pytest.raises(InvalidInput):
        services.cancel(world.manager, row, "", expected_version=row.version)
    db.session.rollback()
    row = follow_ups(id=row.id)[0]
    services.cancel(world.manager, row, "客户已在柜台办理", expected_version=row.version)
    db.session.commit()
    assert follow_ups(id=row.id)[0].status == "cancelled"


def test_only_a_supervisor_reassigns_and_only_to_a_manager_of_the_branch(monday, world, customer):
    row = plan(customer, world.manager, due=TODAY)
    with pytest.raises(PolicyError):
        services.reassign(world.manager, row, world.colleague.id, expected_version=row.version)
    with pytest.raises(InvalidInput):
        services.reassign(world.supervisor, row, world.other_manager.id, expected_version=row.version)
    db.session.rollback()
    row = follow_ups(id=row.id)[0]
    services.reassign(world.supervisor, row, world.colleague.id, expected_version=row.version)
    db.session.commit()
    assert follow_ups(id=row.id)[0].assignee_id == world.colleague.id
    assert _audit("follow_up_reassign")


def test_another_branch_cannot_act(monday, world, customer):
    row = plan(customer, world.manager, due=TODAY)
    with pytest.raises(PolicyError):
        services.complete(world.other_manager, row, "x", expected_version=row.version)
