"""The walk-in numbers of a date range: by need and by hour, waiting times (average, 90th percentile,
longest), served vs handed off vs left, per lobby officer. One read of the range's rows, counted here."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import select

from app.core import clock
from app.core.extensions import db
from app.core.scoping import branch_predicate
from app.models import Branch, User, WalkIn, WalkInOutcome

MAX_DAYS = 366


@dataclass
class Waits:
    count: int = 0
    average: float | None = None  # minutes
    p90: float | None = None
    longest: float | None = None


@dataclass
class OfficerRow:
    name: str
    total: int = 0
    outcomes: Counter = field(default_factory=Counter)


@dataclass
class Numbers:
    start: date
    end: date
    total: int
    by_need: list[tuple[str, int]]
    by_hour: list[tuple[int, int]]
    outcomes: dict[str, int]
    waits: Waits
    officers: list[OfficerRow]
    busiest_hour: int
    branches: list[OfficerRow]  # the same counts per branch (several only for admin)


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (p90: the value 90% of the waits do not exceed)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def wait_minutes(walk_in) -> float | None:
    """Arrival to the start of service; a walk-in that left waited until it left; the lobby's own service
    (served or booked at the desk) waited nothing."""
    end = walk_in.started_at or walk_in.finished_at
    if end is None:
        return None
    return max(0.0, (end - walk_in.arrived_at).total_seconds() / 60)


def walk_in_numbers(user: User, start: date, end: date) -> Numbers:
    """The numbers of the user's branch (admin: every branch) from `start` to `end`, both included."""
    tz = current_app.config["DISPLAY_TIMEZONE"]
    rows = db.session.execute(
        select(WalkIn.need, WalkIn.outcome, WalkIn.arrived_at, WalkIn.started_at, WalkIn.finished_at,
               User.display_name.label("officer"), Branch.name.label("branch"))
        .join(User, User.id == WalkIn.logged_by_id).join(Branch, Branch.id == WalkIn.branch_id)
        .where(branch_predicate(user, WalkIn.branch_id), WalkIn.day >= start, WalkIn.day <= end)).all()
    needs, hours, outcomes = Counter(), Counter(), Counter()
    officers: dict[str, OfficerRow] = defaultdict(lambda: OfficerRow(""))
    branches: dict[str, OfficerRow] = defaultdict(lambda: OfficerRow(""))
    waits = []
    for row in rows:
        needs[row.need] += 1
        hours[clock.local(row.arrived_at, tz).hour] += 1
        outcome = row.outcome or "open"
        outcomes[outcome] += 1
        officer = officers[row.officer]
        officer.name = row.officer
        officer.total += 1
        officer.outcomes[outcome] += 1
        branch = branches[row.branch]
        branch.name = row.branch
        branch.total += 1
        branch.outcomes[outcome] += 1
        wait = wait_minutes(row)
        if wait is not None:
            waits.append(wait)
    summary = Waits(len(waits), round(sum(waits) / len(waits), 1) if waits else None,
                    round(percentile(waits, 0.9), 1) if waits else None, round(max(waits), 1) if waits else None)
    hour_list = [(h, hours[h]) for h in range(min(hours, default=9), max(hours, default=17) + 1)]
    return Numbers(start, end, len(rows), needs.most_common(), hour_list,
                   {o.value: outcomes[o.value] for o in WalkInOutcome} | {"open": outcomes["open"]}, summary,
                   sorted(officers.values(), key=lambda o: (-o.total, o.name)),
                   max(hours.values(), default=0), sorted(branches.values(), key=lambda b: b.name))
