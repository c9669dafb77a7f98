"""Reference data (the list's manager and team pickers, the tier rules) is kept per process
(app/core/refdata.py), but never stale after a change made in this process, and it expires on its own for
changes made elsewhere."""

from __future__ import annotations

from sqlalchemy import update

from app.core import refdata
from app.core.extensions import db
from app.models import User
from tests.customers.helpers import body


def owner_options(client) -> str:
    page = body(client.get("/customers/"))
    return page.split('id="f-owner"')[1].split("</select>")[0]


def test_a_new_manager_appears_in_the_owner_filter_at_once(world, make_user, supervisor_client):
    assert world.manager.display_name in owner_options(supervisor_client)
    newcomer = make_user("manager", world.branch, display_name="新来的经理")
    assert newcomer.display_name in owner_options(supervisor_client)


def test_a_deactivated_manager_leaves_the_owner_filter_at_once(world, supervisor_client):
    assert world.colleague.display_name in owner_options(supervisor_client)
    world.colleague.active = False
    db.session.commit()
    assert world.colleague.display_name not in owner_options(supervisor_client)


def test_changes_made_elsewhere_show_when_the_copy_expires(app, world, supervisor_client):
    assert world.colleague.display_name in owner_options(supervisor_client)
    # Another worker process renamed the manager: plain SQL, which this process's session never sees.
    db.session.execute(update(User).where(User.id == world.colleague.id).values(display_name="改名的经理"))
    db.session.commit()
    assert "改名的经理" not in owner_options(supervisor_client)  # still this process's copy
    saved = app.config["REFDATA_CACHE_SECONDS"]
    app.config["REFDATA_CACHE_SECONDS"] = 0  # as if the copy's time were up
    try:
        assert "改名的经理" in owner_options(supervisor_client)
    finally:
        app.config["REFDATA_CACHE_SECONDS"] = saved


def test_pickers_are_scoped_to_the_branch(world, supervisor_client):
    options = owner_options(supervisor_client)
    assert world.other_manager.display_name not in options
    assert refdata.managers(world.other_supervisor)  # the other branch has its own copy
    assert all(c.id != world.manager.id for c in refdata.managers(world.other_supervisor))


def test_tier_rules_are_forgotten_when_a_rule_changes(world):
    from app.customers import tiers

    before = refdata.tier_rules()
    rule = tiers.create_tier_rule(world.admin, tier="A", metric="products", threshold=9)
    db.session.commit()
    after = refdata.tier_rules()
    assert len(after) == len(before) + 1 and ("A", "products", 9) in after
    tiers.toggle_tier_rule(world.admin, rule)
    db.session.commit()
    assert ("A", "products", 9) not in refdata.tier_rules()
