"""Referral policies without HTTP: who may do each transition from each status, who sees a referral, and
what the shared access of an accepted referral gives (security.md A2, A8)."""

from __future__ import annotations

import pytest

from app.core import policies
from app.core.extensions import db
from app.models import CustomerShare, Referral, ReferralStatus

# action -> {status it may start from: the parts that may do it}; everything else is refused.
ALLOWED = {
    "accept": {"sent": {"recipient", "supervisor"}},
    "decline": {"sent": {"recipient", "supervisor"}},
    "withdraw": {"sent": {"sender"}},
    "contact": {"accepted": {"recipient", "supervisor"}},
    "convert": {"contacted": {"recipient", "supervisor"}},
    "close": {"contacted": {"recipient", "supervisor"}},
    "reassign": {"sent": {"supervisor"}},
}
WHO = ("sender", "recipient", "supervisor", "bystander", "lobby", "admin", "other_supervisor")
CASES = [(action, status.value, who) for action in ALLOWED for status in ReferralStatus for who in WHO]


@pytest.fixture
def people(world, make_user):
    bystander = make_user("manager", world.branch, specialty="retail")
    db.session.commit()
    return {"sender": world.manager, "recipient": world.colleague, "supervisor": world.supervisor,
            "bystander": bystander, "lobby": world.lobby, "admin": world.admin,
            "other_supervisor": world.other_supervisor}


def _referral(world, status: str) -> Referral:
    return Referral(id=1, branch_id=world.branch.id, customer_id=1, sender_id=world.manager.id,
                    recipient_id=world.colleague.id, need="loan", status=status, version=1)


@pytest.mark.parametrize(("action", "status", "who"), CASES, ids=[f"{a}-{s}-{w}" for a, s, w in CASES])
def test_transition_table_per_role_and_status(world, people, action, status, who):
    referral = _referral(world, status)
    expected = who in ALLOWED[action].get(status, set())
    assert policies.can_act_on_referral(people[who], referral, action) is expected


def test_unknown_action_is_refused(world, people):
    assert not policies.can_act_on_referral(people["supervisor"], _referral(world, "sent"), "delete")


@pytest.mark.parametrize(("who", "sees"), [("sender", True), ("recipient", True), ("supervisor", True),
                                           ("admin", True), ("bystander", False), ("lobby", False),
                                           ("other_supervisor", False)])
def test_who_sees_a_referral(world, people, who, sees):
    assert policies.can_see_referral(people[who], _referral(world, "sent")) is sees


def test_lobby_sees_the_referrals_it_sent(world):
    referral = _referral(world, "sent")
    referral.sender_id = world.lobby.id
    assert policies.can_see_referral(world.lobby, referral)
    assert not policies.can_act_on_referral(world.lobby, referral, "accept")
    assert policies.can_act_on_referral(world.lobby, referral, "withdraw")


def test_who_may_send_and_receive(world, customer, foreign_customer):
    for user in (world.lobby, world.manager, world.colleague, world.supervisor):
        assert policies.can_send_referral(user, customer)
    assert not policies.can_send_referral(world.admin, customer)
    assert not policies.can_send_referral(world.manager, foreign_customer)
    assert policies.can_receive_referral(world.colleague)
    assert not any(policies.can_receive_referral(u) for u in (world.lobby, world.supervisor, world.admin))


def test_shared_access_gives_the_full_record_and_editing(world, customer, make_user):
    colleague = world.colleague
    assert not policies.works_customer(colleague, customer)
    assert not policies.sees_full_record(colleague, customer)
    assert not policies.can_edit_customer(colleague, customer)
    db.session.add(CustomerShare(customer_id=customer.id, user_id=colleague.id))
    db.session.commit()
    db.session.expire(customer, ["shares"])
    assert policies.works_customer(colleague, customer)
    assert policies.sees_full_record(colleague, customer)
    assert policies.can_edit_customer(colleague, customer)
    assert policies.can_log_activity(colleague, customer) and policies.can_reveal(colleague, customer)
    assert not policies.can_reassign(colleague, customer)  # sharing is not supervising
    # A share never crosses the branch rule: moved to another branch, the colleague loses it.
    colleague.branch_id = world.other_branch.id
    assert not policies.sees_full_record(colleague, customer)
    assert not policies.can_edit_customer(colleague, customer)


def test_list_rule_reads_shares_in_one_query(world, make_customer, queries):
    mine = [make_customer(world.colleague) for _ in range(3)]
    theirs = [make_customer(world.manager) for _ in range(5)]
    db.session.add_all(CustomerShare(customer_id=c.id, user_id=world.colleague.id) for c in theirs[:2])
    db.session.commit()
    rows = [(c.owner_id, c.branch_id, c.id) for c in mine + theirs]
    their_ids = [row[2] for row in rows[3:]]
    assert world.colleague.role and world.supervisor.role  # loaded before counting
    with queries() as statements:
        rule = policies.full_record_rule(world.colleague, their_ids)
    assert len([s for s in statements if s.startswith("SELECT")]) == 1
    assert [rule(*row) for row in rows] == [True] * 3 + [True, True, False, False, False]
    with queries() as statements:
        policies.full_record_rule(world.supervisor, their_ids)
        policies.full_record_rule(world.colleague, [])
    assert statements == []
