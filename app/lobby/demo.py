"""Demo walk-ins for `flask demo-data`: yesterday's whole lobby day across needs and hours, and this
morning's queue in progress (waiting, being served, done, one who left, an A-tier customer who alerted the
owner). Made through the services with the clock moved, so referrals, alerts and audit rows are what real
use writes."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.core import clock
from app.core.extensions import db
from app.core.refusals import InvalidInput
from app.lobby import services
from app.models import Customer, User, WalkInNeed

# (hour, minute, need, what the lobby did, the specialist, minutes until served (None: left), known customer?)
TODAY = (
    (9, 2, "deposit", "served", None, 0, True),
    (9, 10, "wealth", "handoff", "manager", 8, True),
    (9, 25, "loan", "handoff", "credit", None, True),  # being served
    (9, 31, "enquiry", "queue", None, -1, False),  # left
    (9, 40, "card", "queue", None, None, False),
    (9, 46, "wealth", "queue", None, None, True),  # A-tier: the owner was alerted
)


def _at(day, hour: int, minute: int) -> datetime:
    """`hour`:`minute` Beijing time on `day`, in UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hour - 8, minutes=minute)


def build_demo_walk_ins(users: dict[str, User], *, seed: int = 20261203) -> int:
    """Yesterday's and today's walk-ins of the east branch; returns how many were made."""
    rng = random.Random(seed)
    lobby = users["lobby"]
    pool = list(db.session.scalars(select(Customer).where(Customer.branch_id == lobby.branch_id,
                                                          Customer.archived_at.is_(None))
                                   .order_by(Customer.id).limit(60)))
    if not pool:
        return 0
    now = clock.now()
    today = (now + timedelta(hours=8)).date()
    made = 0
    try:
        yesterday = today - timedelta(days=1)
        needs = [n.value for n in WalkInNeed]
        for i in range(40):
            hour = rng.choice((9, 9, 10, 10, 10, 11, 11, 13, 14, 14, 15, 16))
            clock.freeze(_at(yesterday, hour, rng.randrange(60)))
            need = rng.choice(needs)
            action = rng.choice(("served", "served", "handoff", "queue", "queue", "booked"))
            specialist = users["credit"] if need in ("loan", "corporate") else users["manager"]
            walk_in = _log(lobby, pool[i % len(pool)] if rng.random() < 0.7 else None, need, action, specialist)
            if walk_in is None:
                continue
            made += 1
            if walk_in.queue_status == "waiting":
                clock.freeze(clock.now() + timedelta(minutes=rng.randrange(1, 25)))
                if rng.random() < 0.15:
                    services.mark_left(lobby, walk_in)
                else:
                    services.start(specialist, walk_in)
                    clock.freeze(clock.now() + timedelta(minutes=rng.randrange(5, 30)))
                    services.finish(specialist, walk_in)
        if _at(today, 9, 50) <= now:
            made += _today(users, pool[40:] or pool, today)
    finally:
        clock.freeze(None)
    db.session.flush()
    return made


def _log(lobby: User, customer, need: str, action: str, specialist: User):
    if customer is None and action == "booked":
        action = "served"
    try:
        walk_in, _created = services.log_walk_in(lobby, customer, services.WalkInInput(
            need=need, action=action, submission_key=services.new_submission_key(),
            visitor_name=None if customer else "王女士", specialist_id=specialist.id if action == "handoff" else None))
    except InvalidInput:
        return None
    return walk_in


def _today(users: dict[str, User], pool: list[Customer], today) -> int:
    made = 0
    priority = next((c for c in pool if c.tier == "A"), None)
    if priority is not None:  # the priority customer of the morning: their owner is alerted
        pool = [c for c in pool if c is not priority] + [priority]
    for i, (hour, minute, need, action, who, served_after, known) in enumerate(TODAY):
        clock.freeze(_at(today, hour, minute))
        customer = (pool[-1] if i == len(TODAY) - 1 else pool[i % len(pool)]) if known else None
        specialist = users[who] if who else users["manager"]
        walk_in = _log(users["lobby"], customer, need, action, specialist)
        if walk_in is None:
            continue
        made += 1
        if served_after == -1:
            clock.freeze(_at(today, hour, minute + 12))
            services.mark_left(users["lobby"], walk_in)
        elif served_after is None and action == "handoff":
            clock.freeze(_at(today, hour, minute + 5))
            services.start(specialist, walk_in)
        elif served_after and walk_in.queue_status == "waiting":
            clock.freeze(_at(today, hour, minute + served_after))
            services.start(specialist, walk_in)
            clock.freeze(_at(today, hour, minute + served_after + 15))
            services.finish(specialist, walk_in)
    return made
