"""Referral credit against a hand-counted fixture; periods are days in Beijing (UTC+8), so a referral sent
at 00:30 on 1 December Beijing time (16:30 UTC on 30 November) is December's."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app.core import clock
from app.core.extensions import db
from app.models import Referral, Team
from app.referrals.credit import credit, period_of, total
from tests.conftest import sign_in
from tests.customers.helpers import body


def bj(y, m, d, h, mi=0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=UTC) - timedelta(hours=8)


@pytest.fixture
def fixture(world, make_user, make_customer):
    """R1–R5 in branch A, R6 in branch B (times in Beijing):
    R1 manager→colleague  sent 12-01 00:30, accepted 12-01 10:00, converted 12-03 (100,000)
    R2 manager→colleague  sent 11-30 23:59, accepted 12-01 09:30 (still accepted)
    R3 manager→credit2    sent 12-02 10:00, declined 12-02 11:00
    R4 colleague→manager  sent 12-07 10:00, accepted 12-07 11:00, converted 12-31 23:30 (50,000)
    R5 colleague→manager  sent 12-10 10:00, accepted 12-10 10:30, converted 2027-01-01 00:10 (70,000)
    R6 other branch       sent 12-02, converted 12-02 (999)"""
    team2 = Team(branch_id=world.branch.id, name="信贷团队")
    db.session.add(team2)
    db.session.flush()
    credit2 = make_user("manager", world.branch, specialty="credit", team=team2, username="credit2")
    other2 = make_user("manager", world.other_branch, username="other2")
    c = make_customer(world.manager)
    foreign = make_customer(world.other_manager)

    def ref(sender, recipient, sent, *, status, responded=None, finished=None, amount=None, customer=c, need="loan"):
        db.session.add(Referral(branch_id=customer.branch_id, customer_id=customer.id, sender_id=sender.id,
                                recipient_id=recipient.id, need=need, status=status, sent_at=sent,
                                accept_due_at=sent + timedelta(hours=4), responded_at=responded,
                                finished_at=finished, amount=amount, product="贷款" if amount else None))

    m, col = world.manager, world.colleague
    ref(m, col, bj(2026, 12, 1, 0, 30), status="converted", responded=bj(2026, 12, 1, 10),
        finished=bj(2026, 12, 3, 10), amount=100_000)
    ref(m, col, bj(2026, 11, 30, 23, 59), status="accepted", responded=bj(2026, 12, 1, 9, 30), need="card")
    ref(m, credit2, bj(2026, 12, 2, 10), status="declined", responded=bj(2026, 12, 2, 11))
    ref(col, m, bj(2026, 12, 7, 10), status="converted", responded=bj(2026, 12, 7, 11),
        finished=bj(2026, 12, 31, 23, 30), amount=50_000, need="wealth")
    ref(col, m, bj(2026, 12, 10, 10), status="converted", responded=bj(2026, 12, 10, 10, 30),
        finished=bj(2027, 1, 1, 0, 10), amount=70_000, need="insurance")
    ref(world.other_manager, other2, bj(2026, 12, 2, 10), status="converted", responded=bj(2026, 12, 2, 10),
        finished=bj(2026, 12, 2, 15), amount=999, customer=foreign)
    db.session.commit()
    return {"manager": m.id, "colleague": col.id, "credit2": credit2.id, "team1": world.team.id, "team2": team2.id}


def numbers(entry) -> tuple:
    return (entry.sent, entry.accepted, entry.converted, entry.converted_amount, entry.received,
            entry.received_converted)


def test_december_per_person(world, fixture):
    december = credit(period_of("month", date(2026, 12, 15)), group="person", scope=("branch", world.branch.id))
    #                                          sent acc conv amount  recv recv_conv
    assert numbers(december[fixture["manager"]]) == (2, 2, 1, 100_000, 2, 1)
    assert numbers(december[fixture["colleague"]]) == (2, 2, 1, 50_000, 1, 1)
    assert numbers(december[fixture["credit2"]]) == (0, 0, 0, 0, 1, 0)
    assert world.other_manager.id not in december


def test_week_and_day_boundaries(world, fixture):
    week = credit(period_of("week", date(2026, 12, 2)), group="person", scope=("branch", world.branch.id))
    assert period_of("week", date(2026, 12, 2)).start == date(2026, 11, 30)  # Monday
    assert numbers(week[fixture["manager"]])[:2] == (3, 2)  # R2 (23:59 on Monday 30 Nov) is in this week
    day = credit(period_of("day", date(2026, 12, 1)), group="person", scope=("person", fixture["manager"]))
    assert numbers(day[fixture["manager"]]) == (1, 2, 0, 0, 0, 0)
    assert set(day) == {fixture["manager"]}
    november = credit(period_of("month", date(2026, 11, 3)), group="person", scope=("branch", world.branch.id))
    assert numbers(november[fixture["manager"]])[:2] == (1, 0)
    january = credit(period_of("month", date(2027, 1, 20)), group="person", scope=("branch", world.branch.id))
    assert numbers(january[fixture["colleague"]]) == (0, 0, 1, 70_000, 0, 0)
    assert numbers(january[fixture["manager"]]) == (0, 0, 0, 0, 0, 1)


def test_range_team_and_branch(world, fixture):
    span = period_of("range", date(2026, 12, 1), date(2026, 12, 31))
    teams = credit(span, group="team", scope=("branch", world.branch.id))
    assert numbers(teams[fixture["team1"]]) == (4, 4, 2, 150_000, 3, 2)
    assert numbers(teams[fixture["team2"]]) == (0, 0, 0, 0, 1, 0)
    assert numbers(total(teams)) == (4, 4, 2, 150_000, 4, 2)
    branches = credit(span, group="branch")
    assert numbers(branches[world.branch.id]) == (4, 4, 2, 150_000, 4, 2)
    assert numbers(branches[world.other_branch.id]) == (1, 1, 1, 999, 1, 1)
    assert period_of("range", date(2026, 12, 31), date(2026, 12, 1)).start == date(2026, 12, 1)


def test_credit_is_two_grouped_statements(world, fixture, queries):
    branch_id = world.branch.id
    with queries() as statements:
        credit(period_of("month", date(2026, 12, 1)), group="person", scope=("branch", branch_id))
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 2 and all("GROUP BY" in s for s in selects)


def test_credit_page_per_role(app, world, fixture):
    clock.freeze(bj(2026, 12, 20, 10))
    manager = body(sign_in(app, world.manager).get("/referrals/credit?period=month"))
    assert manager.count('data-testid="credit-row"') == 1 and "100,000" in manager
    supervisor = body(sign_in(app, world.supervisor).get("/referrals/credit?period=month"))
    assert "150,000" in supervisor and "信贷团队" in supervisor and world.colleague.display_name in supervisor
    assert 'data-testid="credit-amount">999<' not in supervisor  # (a staff name may contain 999)
    admin = body(sign_in(app, world.admin).get("/referrals/credit?period=range&start=2026-12-01&end=2026-12-31"))
    assert "城东支行" in admin and "城西支行" in admin and "999" in admin
    odd = sign_in(app, world.manager).get("/referrals/credit?period=year&start=garbage")
    assert odd.status_code == 200
