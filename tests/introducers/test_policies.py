"""The introducer policies (app.core.policies, own section) and load_partner's answers, without HTTP."""

from __future__ import annotations

import pytest
from werkzeug.exceptions import Forbidden, NotFound

from app.core import policies
from app.core.extensions import db
from app.introducers import partners
from app.introducers.loaders import PURPOSES, load_partner
from tests.customers.test_policies import ROLES, actor

PARTNER_EXPECTED = {
    "can_view_partner": {"owner", "colleague", "supervisor", "admin"},
    "can_edit_partner": {"owner", "supervisor"},
    "can_archive_partner": {"owner", "supervisor"},
}


@pytest.fixture
def partner(world, make_partner):
    return make_partner(world.manager, name="链家")


@pytest.mark.parametrize("name", sorted(PARTNER_EXPECTED))
def test_partner_policies_by_role(world, partner, name):
    policy = getattr(policies, name)
    assert {who for who in ROLES if policy(actor(world, who), partner)} == PARTNER_EXPECTED[name]


def test_an_archived_partner_is_read_only(world, partner):
    partners.archive_partner(world.manager, partner)
    db.session.commit()
    assert not any(policies.can_edit_partner(actor(world, who), partner) for who in ROLES)
    assert policies.can_view_partner(world.colleague, partner)


@pytest.mark.parametrize(("name", "allowed"), [
    ("can_set_introducer", {"owner", "supervisor"}),
    ("can_ask_introductions", {"owner", "supervisor"}),
])
def test_customer_introducer_policies(world, customer, name, allowed):
    policy = getattr(policies, name)
    assert {who for who in ROLES if policy(actor(world, who), customer)} == allowed


@pytest.mark.parametrize(("name", "allowed"), [
    ("can_list_partners", {"owner", "colleague", "supervisor", "admin", "other_manager", "other_supervisor"}),
    ("can_create_partner", {"owner", "colleague", "supervisor", "other_manager", "other_supervisor"}),
    ("can_view_leaderboard", {"owner", "colleague", "supervisor", "admin", "other_manager", "other_supervisor"}),
])
def test_user_level_policies(world, name, allowed):
    policy = getattr(policies, name)
    assert {who for who in ROLES if policy(actor(world, who))} == allowed


def test_nodes_are_named_only_inside_their_branch(world):
    seen = {who for who in ROLES if policies.sees_node(actor(world, who), world.branch.id)}
    assert seen == {"owner", "colleague", "supervisor", "admin"}


@pytest.mark.parametrize("purpose", sorted(PURPOSES))
@pytest.mark.parametrize("who", ROLES)
def test_load_partner_answers_404_out_of_scope_and_403_out_of_policy(app, world, partner, purpose, who):
    user = actor(world, who)
    policy, refusal = PURPOSES[purpose]
    in_scope = who in ("owner", "colleague", "supervisor", "admin", "lobby")
    with app.test_request_context():
        if not in_scope:
            with pytest.raises(NotFound):
                load_partner(user, partner.id, purpose)
        elif policy(user, partner):
            assert load_partner(user, partner.id, purpose).id == partner.id
        else:
            with pytest.raises(NotFound if refusal == 404 else Forbidden):
                load_partner(user, partner.id, purpose)
        with pytest.raises(NotFound):
            load_partner(user, 0, purpose)
