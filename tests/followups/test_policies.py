"""Follow-up policies without HTTP: who may add, act on and reassign, and who has a my day."""

from __future__ import annotations

import pytest

from app.core import policies
from app.core.extensions import db
from app.models import CustomerShare
from tests.followups.conftest import TODAY, plan


@pytest.mark.parametrize(("who", "allowed"), [("lobby", False), ("manager", True), ("colleague", False),
                                              ("supervisor", True), ("admin", False), ("other_manager", False)])
def test_who_may_add(world, customer, who, allowed):
    assert policies.can_add_follow_up(getattr(world, who), customer) is allowed


def test_a_colleague_sharing_the_customer_may_add(world, customer):
    customer.shares.append(CustomerShare(user_id=world.colleague.id, granted_at=customer.created_at))
    db.session.commit()
    assert policies.can_add_follow_up(world.colleague, customer)


def test_nobody_adds_to_an_archived_customer(world, customer):
    customer.archived_at = customer.created_at
    assert not policies.can_add_follow_up(world.manager, customer)
    assert not policies.can_add_follow_up(world.supervisor, customer)


@pytest.mark.parametrize(("who", "allowed"), [("lobby", False), ("manager", True), ("colleague", True),
                                              ("supervisor", True), ("admin", False), ("other_manager", False)])
def test_who_may_act_on_a_follow_up_given_to_the_colleague(world, customer, who, allowed):
    row = plan(customer, world.colleague, due=TODAY)  # the colleague is the assignee, the manager the owner
    assert policies.can_act_on_follow_up(getattr(world, who), row) is allowed


def test_only_supervisors_reassign_and_managers_and_supervisors_have_a_my_day(world):
    assert [policies.can_reassign_follow_ups(world.by_role(r)) for r in ("lobby", "manager", "supervisor", "admin")] \
        == [False, False, True, False]
    assert [policies.has_my_day(world.by_role(r)) for r in ("lobby", "manager", "supervisor", "admin")] \
        == [False, True, True, False]
