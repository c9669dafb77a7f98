"""Every customer policy (app.core.policies) and the loader's answers, decided without HTTP."""

from __future__ import annotations

import pytest
from werkzeug.exceptions import Forbidden, NotFound

from app.core import policies
from app.core.extensions import db
from app.customers import records
from app.customers.loaders import PURPOSES, load_customer

ROLES = ("lobby", "owner", "colleague", "supervisor", "admin", "other_manager", "other_supervisor")


def actor(world, who: str):
    return {"owner": world.manager, "colleague": world.colleague, "lobby": world.lobby,
            "supervisor": world.supervisor, "admin": world.admin, "other_manager": world.other_manager,
            "other_supervisor": world.other_supervisor}[who]


# (policy, who may) for a customer of branch 1 owned by world.manager; everyone else may not.
EXPECTED = {
    "can_view_customer": {"owner", "colleague", "supervisor", "admin"},
    "can_view_card": {"lobby", "owner", "colleague", "supervisor", "admin"},
    "sees_full_record": {"owner", "supervisor", "admin"},
    "can_edit_customer": {"owner", "supervisor"},
    "can_reveal": {"owner", "supervisor", "admin"},
    "can_log_activity": {"owner", "supervisor"},
    "can_set_tier": {"owner", "supervisor"},
    "can_archive": {"owner", "supervisor"},
    "can_reassign": {"supervisor"},
    "can_restore": set(),  # only archived customers can be restored
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_customer_policies_by_role(world, customer, name):
    policy = getattr(policies, name)
    allowed = {who for who in ROLES if policy(actor(world, who), customer)}
    assert allowed == EXPECTED[name]


def test_an_archived_customer_is_restored_by_its_branch_supervisor_only(world, customer):
    records.archive_customer(world.manager, customer, "搬走了")
    db.session.commit()
    assert {who for who in ROLES if policies.can_restore(actor(world, who), customer)} == {"supervisor"}
    assert not policies.can_edit_customer(world.supervisor, customer)  # nothing changes an archived record
    assert not policies.can_log_activity(world.manager, customer)


@pytest.mark.parametrize(("name", "allowed"), [
    ("can_list_customers", {"owner", "colleague", "supervisor", "admin", "other_manager", "other_supervisor"}),
    ("can_create_customer", {"owner", "colleague", "supervisor", "other_manager", "other_supervisor"}),
    ("can_view_archived", {"supervisor", "other_supervisor"}),
    ("can_read_audit", {"supervisor", "admin", "other_supervisor"}),
    ("can_manage_tier_rules", {"admin"}),
])
def test_user_level_policies(world, name, allowed):
    policy = getattr(policies, name)
    assert {who for who in ROLES if policy(actor(world, who))} == allowed


def test_a_user_without_a_branch_sees_no_branch_record(world, customer):
    world.manager.branch_id = None
    assert not policies.can_view_customer(world.manager, customer)
    assert not policies.sees_full_record(world.manager, customer)
    db.session.rollback()


@pytest.mark.parametrize("purpose", sorted(PURPOSES))
def test_the_loader_answers_404_out_of_scope_and_403_out_of_policy(world, customer, purpose):
    policy, refusal = PURPOSES[purpose]
    assert load_customer(world.supervisor if purpose == "restore" else world.manager, customer.id, "view") is customer
    with pytest.raises(NotFound):
        load_customer(world.other_manager, customer.id, purpose)  # another branch: does not exist
    with pytest.raises(NotFound):
        load_customer(world.manager, 10**12, purpose)
    refused = next((actor(world, who) for who in ("colleague", "lobby", "owner")
                    if not policy(actor(world, who), customer)), None)
    if refused is not None:
        with pytest.raises(NotFound if refusal == 404 else Forbidden):
            load_customer(refused, customer.id, purpose)


def test_an_archived_customer_has_no_card(world, customer):
    records.archive_customer(world.manager, customer, "搬走了")
    db.session.commit()
    with pytest.raises(NotFound):
        load_customer(world.manager, customer.id, "card")
    assert load_customer(world.supervisor, customer.id, "restore") is customer
