"""The queue (call the next, start, finish, left; the self-refreshing component; the TV screen), the walk-in
numbers against hand-counted fixtures, and the hand-off's credit for the lobby officer."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.core import clock
from app.core.extensions import db
from app.lobby import numbers, services
from app.models import Customer, WalkIn
from app.referrals import credit, workflow
from tests.customers.helpers import body
from tests.lobby.conftest import WEDNESDAY_10AM


def log(world, customer: Customer | None = None, *, need="loan", action="queue", specialist=None, key=None,
        visitor="王女士"):
    walk_in, _created = services.log_walk_in(world.lobby, customer, services.WalkInInput(
        need=need, action=action, submission_key=key or services.new_submission_key(),
        visitor_name=None if customer else visitor, specialist_id=specialist.id if specialist else None))
    db.session.commit()
    return walk_in


def test_queue_numbers_count_per_branch_per_day(world, customer):
    first, second = log(world, customer), log(world)
    assert (first.queue_no, second.queue_no) == (1, 2)
    clock.freeze(WEDNESDAY_10AM + timedelta(days=1))
    assert log(world).queue_no == 1


def test_the_specialist_calls_the_customer_handed_to_them_first(app, world, customer, client_for):
    anyone = log(world)
    mine = log(world, customer, specialist=world.colleague, action="handoff")
    client = client_for(world.colleague)
    response = client.hx("POST", "/lobby/queue/next")
    assert response.status_code == 200 and 'id="lobby-queue"' in body(response)
    db.session.expire_all()
    assert db.session.get(WalkIn, mine.id).called_at is not None
    assert db.session.get(WalkIn, anyone.id).called_at is None
    client.hx("POST", f"/lobby/queue/{mine.id}/start")
    clock.freeze(WEDNESDAY_10AM + timedelta(minutes=12))
    page = body(client.get("/lobby/queue", headers={"HX-Request": "true"}))
    assert "12 分钟" in page and world.colleague.display_name in page
    client.hx("POST", f"/lobby/queue/{mine.id}/finish")
    db.session.expire_all()
    done = db.session.get(WalkIn, mine.id)
    assert (done.queue_status, done.outcome, done.served_by_id) == ("done", "handed_off", world.colleague.id)


def test_finishing_a_walk_in_not_being_served_is_a_conflict(world, client_for):
    walk_in = log(world)
    response = client_for(world.colleague).hx("POST", f"/lobby/queue/{walk_in.id}/finish")
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(WalkIn, walk_in.id).queue_status == "waiting"


def test_the_lobby_records_a_customer_who_left(world, lobby_client):
    walk_in = log(world)
    lobby_client.hx("POST", f"/lobby/queue/{walk_in.id}/left")
    db.session.expire_all()
    left = db.session.get(WalkIn, walk_in.id)
    assert (left.queue_status, left.outcome) == ("left", "left")


def test_the_queue_refreshes_itself_as_one_component(world, lobby_client, customer):
    log(world, customer)
    page = body(lobby_client.get("/lobby/queue"))
    assert page.count('hx-trigger="every 5s') == 1 and 'id="lobby-queue" hx-get="/lobby/queue"' in page
    fragment = body(lobby_client.get("/lobby/queue", headers={"HX-Request": "true"}))
    assert fragment.lstrip().startswith("<div id=\"lobby-queue\"") or "<html" not in fragment


def test_the_tv_screen_shows_numbers_and_surname_only(world, lobby_client, customer):
    serving = log(world, customer)
    serving.queue_status, serving.started_at = "serving", clock.now()
    db.session.commit()
    log(world)
    page = body(lobby_client.get("/lobby/queue?screen=tv"))
    assert 'data-testid="lobby-tv"' in page and "张女士" in page
    assert "张三" not in page and "138****" not in page and "贷款" not in page
    assert 'data-testid="user-menu"' not in page and "<nav" not in page, "a wall screen shows no menu or user name"


def test_numbers_against_hand_counted_walk_ins(world, customer, client_for, make_user):
    # 10:00 arrive, start 10:10 (10 min); 10:00 served at the desk (0 min); 11:00 arrive, left 11:30 (30 min).
    a = log(world, customer)
    clock.freeze(WEDNESDAY_10AM + timedelta(minutes=10))
    services.start(world.colleague, a)
    services.finish(world.colleague, a)
    clock.freeze(WEDNESDAY_10AM)
    log(world, need="deposit", action="served")
    clock.freeze(WEDNESDAY_10AM + timedelta(hours=1))
    c = log(world, need="loan")
    clock.freeze(WEDNESDAY_10AM + timedelta(hours=1, minutes=30))
    services.mark_left(world.lobby, c)
    db.session.commit()
    result = numbers.walk_in_numbers(world.lobby, date(2026, 12, 2), date(2026, 12, 2))
    assert result.total == 3
    assert dict(result.by_need) == {"loan": 2, "deposit": 1}
    assert dict(result.by_hour) == {10: 2, 11: 1}
    assert (result.outcomes["served"], result.outcomes["left"], result.outcomes["handed_off"]) == (2, 1, 0)
    assert (result.waits.average, result.waits.p90, result.waits.longest) == (13.3, 30.0, 30.0)
    assert [(o.name, o.total) for o in result.officers] == [(world.lobby.display_name, 3)]
    page = body(client_for(world.lobby).get("/lobby/log?start=2026-12-02&end=2026-12-02"))  # signed in now
    assert "共 3 位来访" in page and "13.3 分钟" in page
    assert [(b.name, b.total) for b in result.branches] == [(world.branch.name, 3)]
    # Another branch sees none of them; admin sees them per branch.
    assert numbers.walk_in_numbers(world.other_manager, date(2026, 12, 2), date(2026, 12, 2)).total == 0
    west_lobby = make_user("lobby", world.other_branch)
    services.log_walk_in(west_lobby, None, services.WalkInInput("deposit", "served", "west-key", visitor_name="赵先生"))
    db.session.commit()
    by_branch = numbers.walk_in_numbers(world.admin, date(2026, 12, 2), date(2026, 12, 2)).branches
    assert sorted((b.name, b.total) for b in by_branch) == sorted([(world.branch.name, 3), (world.other_branch.name, 1)])
    assert numbers.walk_in_numbers(world.lobby, date(2026, 12, 2), date(2026, 12, 2)).total == 3


def test_percentile_is_nearest_rank():
    assert numbers.percentile(list(range(1, 11)), 0.9) == 9
    assert numbers.percentile([5.0], 0.9) == 5.0
    assert numbers.percentile([], 0.9) is None


def test_a_converted_hand_off_credits_the_lobby_officer(world, customer):
    walk_in = log(world, customer, specialist=world.colleague, action="handoff")
    from app.models import Referral

    referral = db.session.get(Referral, walk_in.referral_id)
    for action, given in (("accept", {}), ("contact", {}), ("convert", {"product": "房贷", "amount": "500000"})):
        workflow.act(world.colleague, referral, action, expected_version=referral.version,
                     given=workflow.ActionInput(**given))
    db.session.commit()
    table = credit.credit(credit.period_of("day", date(2026, 12, 2)), group="person")
    assert (table[world.lobby.id].sent, table[world.lobby.id].converted, table[world.lobby.id].converted_amount) == (
        1, 1, 500000)


@pytest.mark.parametrize("tiers", [("A",), ("A", "B")])
def test_the_alert_tiers_are_configurable(app, world, customer, tiers):
    app.config["LOBBY_ALERT_TIERS"] = tiers
    try:
        customer.tier = "B"
        db.session.commit()
        log(world, customer)
        from app.models import WalkInAlert

        assert len(db.session.scalars(select(WalkInAlert)).all()) == (1 if "B" in tiers else 0)
    finally:
        app.config["LOBBY_ALERT_TIERS"] = ("A",)


def test_the_queue_shows_the_latest_thirty_finished_and_counts_them_all(world, customer):
    from app.lobby import queue

    for _ in range(33):
        log(world, action="served")
    waiting = log(world)
    called = log(world, customer)
    services.start(world.manager, services.call(world.manager, called))
    db.session.commit()
    today = queue.todays_queue(world.lobby)
    assert [r.id for r in today.waiting] == [waiting.id] and [r.id for r in today.serving] == [called.id]
    assert len(today.done) == queue.DONE_SHOWN and today.done_count == 33
