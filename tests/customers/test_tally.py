"""The kept count of each branch's active customers (app/models/tally.py) matches a real count after
every kind of write, and the unfiltered list shows it without counting."""

from __future__ import annotations

from sqlalchemy import func, select, text, update

from app.core.extensions import db
from app.customers import records
from app.models import Customer, CustomerTally
from app.models.tally import recount
from tests.customers.helpers import body


def tallies() -> dict[int, int]:
    db.session.expire_all()
    return dict(db.session.execute(select(CustomerTally.branch_id, CustomerTally.active)).all())


def real_counts() -> dict[int, int]:
    rows = db.session.execute(select(Customer.branch_id, func.count()).where(Customer.archived_at.is_(None))
                              .group_by(Customer.branch_id)).all()
    return dict(rows)


def assert_tally_is_true(world) -> None:
    kept = tallies()
    real = real_counts()
    for branch in (world.branch, world.other_branch):
        assert kept[branch.id] == real.get(branch.id, 0), (kept, real)


def test_a_new_branch_starts_at_zero(world):
    assert tallies()[world.branch.id] == 0
    assert tallies()[world.other_branch.id] == 0


def test_create_archive_restore_move_and_delete_keep_the_tally_true(world, make_customer):
    first = make_customer(world.manager, name="张一")
    make_customer(world.manager, name="张二")
    make_customer(world.other_manager, name="李三")
    assert tallies()[world.branch.id] == 2 and tallies()[world.other_branch.id] == 1

    records.archive_customer(world.supervisor, first, "moved away")
    db.session.commit()
    assert tallies()[world.branch.id] == 1
    records.restore_customer(world.supervisor, first)
    db.session.commit()
    assert tallies()[world.branch.id] == 2

    # A change that touches neither the branch nor the archive flag leaves the tally alone.
    first.notes = "called back"
    db.session.commit()
    assert tallies()[world.branch.id] == 2

    # Moving a customer between branches, and deleting one, as an import or a fix-up script might.
    db.session.execute(update(Customer).where(Customer.id == first.id).values(branch_id=world.other_branch.id))
    db.session.commit()
    assert tallies() == {world.branch.id: 1, world.other_branch.id: 2}
    db.session.execute(text("DELETE FROM activity"))
    db.session.execute(text("DELETE FROM follow_up"))  # a new customer's first return visit
    db.session.execute(text("DELETE FROM tier_change"))
    db.session.execute(text("DELETE FROM customer WHERE id = :id"), {"id": first.id})
    db.session.commit()
    assert_tally_is_true(world)


def test_recount_rebuilds_the_tally(world, make_customer):
    make_customer(world.manager, name="张一")
    db.session.execute(update(CustomerTally).values(active=999))
    recount(db.session.connection())
    db.session.commit()
    assert_tally_is_true(world)


def test_the_unfiltered_list_shows_the_tally_and_filtered_lists_count(world, make_customer, supervisor_client):
    for i in range(3):
        make_customer(world.manager, name=f"王{i}")
    make_customer(world.manager, name="赵四")
    assert "4" in body(supervisor_client.get("/customers/"))  # the kept tally
    # The tally is what the unfiltered total reads: change it behind the app's back to prove it.
    db.session.execute(update(CustomerTally).where(CustomerTally.branch_id == world.branch.id).values(active=7))
    db.session.commit()
    page = body(supervisor_client.get("/customers/"))
    assert 'data-testid="result-count">' in page and "7" in page.split('data-testid="result-count">')[1][:80]
    filtered = body(supervisor_client.get("/customers/?q=王"))
    assert "3" in filtered.split('data-testid="result-count">')[1][:80]  # a filter counts the rows


def test_a_missing_tally_row_falls_back_to_counting(world, make_customer, supervisor_client):
    for i in range(3):
        make_customer(world.manager, name=f"王{i}")
    db.session.execute(text("DELETE FROM customer_tally WHERE branch_id = :b"), {"b": world.branch.id})
    db.session.commit()
    response = supervisor_client.get("/customers/")
    assert response.status_code == 200
    assert "3" in body(response).split('data-testid="result-count">')[1][:80]
