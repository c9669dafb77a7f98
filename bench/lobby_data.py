"""The benchmark's lobby (issue 12): 500,000 past walk-ins, 50,000 a branch over its last 250 working days
(200 a day, numbered in arrival order), and a queue in progress for the day the benchmark runs.

Past walk-ins are served at the counter, handed to a specialist (without a referral row: the referral
benchmark's inbox stays as it was loaded), booked or left, with waits of a few minutes; seven in ten are
customers of the branch, the rest anonymous visitors (surname and title). The queue rows carry submission keys
starting "queue-": QUEUE_FOR_TODAY moves them to the day of the run, so the queue page shows a morning's queue
whenever the database was loaded. The submit benchmark's walk-ins carry keys starting "bench-" and are deleted
before each of its runs and the queue's.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WALK_INS_PER_BRANCH = 50_000
DAYS = 250
PER_DAY = WALK_INS_PER_BRANCH // DAYS
ZONE = ZoneInfo("Asia/Shanghai")
NEEDS = (("deposit", 20), ("withdrawal", 18), ("transfer", 15), ("wealth", 12), ("loan", 8), ("card", 8),
         ("corporate", 4), ("enquiry", 10), ("complaint", 2), ("other", 3))
OUTCOMES = (("served", 70), ("handed_off", 18), ("booked", 4), ("left", 8))
VISITORS = ("王女士", "李先生", "张女士", "刘先生", "陈女士", "杨先生", "赵女士", "黄先生")
QUEUE_WAITING, QUEUE_SERVING, QUEUE_DONE = 8, 3, 12
SUBMITTED_BY_THE_BENCHMARK = "DELETE FROM walk_in WHERE submission_key LIKE 'bench-%'"


def _pick(rng: random.Random, weights) -> str:
    return rng.choices([k for k, _ in weights], [w for _, w in weights])[0]


def _past_days(today: date) -> list[date]:
    days, day = [], today - timedelta(days=1)
    while len(days) < DAYS:
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    return days


def _row(branch_id: int, customer, lobby_id: int, staff_ids: list[int], day: date, queue_no: int, arrived: datetime,
         need: str, status: str, outcome: str | None, rng: random.Random, key: str) -> dict:
    served_by = staff_ids[rng.randrange(len(staff_ids))] if status in ("serving", "done") else None
    started = arrived + timedelta(minutes=rng.randrange(1, 20)) if status in ("serving", "done") else None
    finished = started + timedelta(minutes=rng.randrange(3, 25)) if status == "done" else None
    if status == "left":
        finished = arrived + timedelta(minutes=rng.randrange(10, 40))
    return {"branch_id": branch_id, "customer_id": customer.id if customer else None,
            "visitor_name": None if customer else VISITORS[rng.randrange(len(VISITORS))], "logged_by_id": lobby_id,
            "arrived_at": arrived, "day": day, "queue_no": queue_no, "need": need, "outcome": outcome,
            "queue_status": status, "called_at": started, "started_at": started, "finished_at": finished,
            "served_by_id": served_by, "handed_to_id": served_by if outcome == "handed_off" else None,
            "referral_id": None, "submission_key": key, "version": 1}


def walk_in_rows(branch_id: int, customers: list, lobby_id: int, staff_ids: list[int], rng: random.Random,
                 now: datetime) -> list[dict]:
    """One branch's past walk-ins and its queue of the load's day."""
    today = now.astimezone(ZONE).date()
    rows: list[dict] = []
    for day in _past_days(today):
        opening = datetime.combine(day, time(9), tzinfo=ZONE).astimezone(UTC)
        for n in range(1, PER_DAY + 1):
            arrived = opening + timedelta(seconds=n * 8 * 3600 // PER_DAY + rng.randrange(60))
            customer = customers[rng.randrange(len(customers))] if rng.random() < 0.7 else None
            outcome = _pick(rng, OUTCOMES)
            rows.append(_row(branch_id, customer, lobby_id, staff_ids, day, n, arrived, _pick(rng, NEEDS),
                             "left" if outcome == "left" else "done", outcome, rng, f"load-{day}-{n}"))
    opening = datetime.combine(today, time(9), tzinfo=ZONE).astimezone(UTC)
    statuses = ["done"] * QUEUE_DONE + ["serving"] * QUEUE_SERVING + ["waiting"] * QUEUE_WAITING
    for n, status in enumerate(statuses, start=1):
        customer = customers[rng.randrange(len(customers))] if rng.random() < 0.7 else None
        rows.append(_row(branch_id, customer, lobby_id, staff_ids, today, n, opening + timedelta(minutes=4 * n),
                         _pick(rng, NEEDS), status, "served" if status == "done" else None, rng, f"queue-{n}"))
    return rows


def queue_for_today(today: date) -> str:
    """The statement that moves the loaded queue to `today` (the run's day in the branch's time zone)."""
    return f"UPDATE walk_in SET day = '{today.isoformat()}' WHERE submission_key LIKE 'queue-%'"


def submit_forms(customer_ids: list[int], count: int) -> list[str]:
    """`count` walk-in forms, each with its own submission key: a known customer served at the counter."""
    needs = ("deposit", "withdrawal", "transfer", "enquiry")
    return [f"customer_id={customer_ids[k % len(customer_ids)]}&need={needs[k % len(needs)]}&action=served"
            f"&submission_key=bench-{k}&visitor_name=&note=" for k in range(count)]
