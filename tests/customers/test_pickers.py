"""The list's manager and team pickers are kept per process (app/pickers.py), but never show a stale
list after a change made in this process, and expire on their own for changes made elsewhere."""

from __future__ import annotations

from sqlalchemy import update

from app import pickers
from app.extensions import db
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
    saved = app.config["PICKER_CACHE_SECONDS"]
    app.config["PICKER_CACHE_SECONDS"] = 0  # as if the copy's time were up
    try:
        assert "改名的经理" in owner_options(supervisor_client)
    finally:
        app.config["PICKER_CACHE_SECONDS"] = saved


def test_pickers_are_scoped_to_the_branch(world, supervisor_client):
    options = owner_options(supervisor_client)
    assert world.other_manager.display_name not in options
    assert pickers.managers(world.other_supervisor)  # the other branch has its own copy
    assert all(c.id != world.manager.id for c in pickers.managers(world.other_supervisor))
