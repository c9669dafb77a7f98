"""Overdue: accept-by = sent + N working hours (Mon–Fri 09:00–12:00, 13:30–17:30 Beijing), with the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.core import clock
from app.core.extensions import db
from app.models import Branch
from app.referrals.hours import add_working_hours
from tests.conftest import sign_in
from tests.customers.helpers import body


def bj(y, m, d, h, mi=0) -> datetime:
    """A Beijing wall-clock time as UTC."""
    return datetime(y, m, d, h, mi, tzinfo=UTC) - timedelta(hours=8)


@pytest.mark.parametrize(("sent", "hours", "due"), [
    (bj(2026, 12, 2, 10), 4, bj(2026, 12, 2, 15, 30)),  # Wed morning: 2 h before lunch, 2 h after
    (bj(2026, 12, 2, 12, 15), 4, bj(2026, 12, 2, 17, 30)),  # sent in the lunch break: counts from 13:30
    (bj(2026, 12, 4, 16), 4, bj(2026, 12, 7, 11, 30)),  # Fri 16:00: 1.5 h, then Monday 2.5 h
    (bj(2026, 12, 5, 10), 4, bj(2026, 12, 7, 14, 30)),  # Saturday: from Monday 09:00
    (bj(2026, 12, 2, 20), 1, bj(2026, 12, 3, 10)),  # evening: next morning
    (bj(2026, 12, 2, 8), 7, bj(2026, 12, 2, 17, 30)),  # a whole working day is 7 hours
    (bj(2026, 12, 2, 8), 8, bj(2026, 12, 3, 10)),
])
def test_working_hours(app, sent, hours, due):
    assert add_working_hours(sent, hours) == due


def test_working_hours_come_from_config(app):
    app.config["REFERRAL_WORKING_HOURS"] = [["08:00", "18:00"]]
    app.config["REFERRAL_WORKDAYS"] = (0, 1, 2, 3, 4, 5)
    try:
        assert add_working_hours(bj(2026, 12, 5, 17), 2) == bj(2026, 12, 7, 9)  # Sat 17–18, then Mon 08–09
    finally:
        app.config["REFERRAL_WORKING_HOURS"] = [["09:00", "12:00"], ["13:30", "17:30"]]
        app.config["REFERRAL_WORKDAYS"] = (0, 1, 2, 3, 4)


def test_the_branch_sets_the_hours(world, customer, refer):
    world.branch.referral_accept_hours = 2
    db.session.commit()
    referral = refer(world.manager, customer)  # Wednesday 10:00
    assert referral.accept_due_at == bj(2026, 12, 2, 12)


def test_overdue_is_flagged_and_first_on_the_branch_list(app, world, customer, make_customer, refer, move):
    def branch_list(query: str = "") -> str:
        # signed in afresh at each moment: the clock jumps further than the session's idle limit
        return body(sign_in(app, world.supervisor).get("/referrals/?tab=branch" + query))

    late = refer(world.manager, customer)  # Wed 10:00, due 15:30
    clock.freeze(bj(2026, 12, 2, 11))
    fresh = refer(world.manager, make_customer(world.manager, name="李四"))  # due Thu 09:30
    clock.freeze(bj(2026, 12, 2, 11, 5))
    answered = refer(world.manager, make_customer(world.manager, name="王五"))
    move(world.colleague, answered, "accept")

    clock.freeze(bj(2026, 12, 2, 15, 29))
    page = branch_list()
    assert 'data-testid="overdue"' not in page
    clock.freeze(bj(2026, 12, 2, 15, 31))
    page = branch_list()
    assert page.count('data-testid="overdue"') == 1
    order = [page.index(f'id="referral-{r.id}"') for r in (late, answered, fresh)]
    assert order[0] == min(order), "the overdue referral comes first"
    assert order[1] < order[2], "then the newest"
    only = branch_list("&status=overdue")
    assert f'id="referral-{late.id}"' in only and f'id="referral-{fresh.id}"' not in only
    # An accepted referral is never overdue, however late.
    clock.freeze(bj(2026, 12, 9, 10))
    page = branch_list("&status=accepted")
    assert 'data-testid="overdue"' not in page


def test_branch_rules_on_the_admin_form(world, admin_client):
    response = admin_client.form(f"/admin/branches/{world.branch.id}/edit",
                                 {"code": "CD01", "name": "城东支行", "referral_access": "owner",
                                  "referral_accept_hours": "6"})
    assert response.status_code == 303
    db.session.expire_all()
    branch = db.session.get(Branch, world.branch.id)
    assert (branch.referral_access, branch.referral_accept_hours) == ("owner", 6)
    bad = admin_client.form(f"/admin/branches/{world.branch.id}/edit",
                            {"code": "CD01", "name": "城东支行", "referral_access": "steal", "referral_accept_hours": "0"})
    assert bad.status_code == 200
    db.session.expire_all()
    assert db.session.get(Branch, world.branch.id).referral_accept_hours == 6
