"""The benchmark's appointments and follow-ups (issue 11): 100,000 appointments and 300,000 follow-ups.

Each manager's ~3,333 appointments fall on working days from about three years back to six weeks ahead,
on an hourly grid inside working hours, so none of the blocking ones overlap (PostgreSQL's exclusion
constraint checks that on COPY). Past ones are done, no-show, cancelled, rescheduled or released; coming ones
confirmed, proposed, cancelled or offered in held pairs. Every customer has three follow-ups: two closed in
the past and one still to do, which is overdue for about 4% of customers and due today for about 0.6%, so a
manager's "my day" lists some 150 follow-ups, as a busy one would.

The booking benchmark books offers of two times from BOOKING_FROM on (after the loaded calendar, and within the
two years ahead that booking accepts), one free pair per request; bench/load.py deletes those between runs.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

APPOINTMENTS_PER_BRANCH = 10_000
FOLLOW_UPS_PER_CUSTOMER = 3
ZONE = ZoneInfo("Asia/Shanghai")
# Starts on an hourly grid inside 09:00-12:00 and 13:30-17:30: a 30- or 60-minute meeting never overlaps the next.
GRID = (time(9, 0), time(10, 0), time(11, 0), time(13, 30), time(14, 30), time(15, 30), time(16, 30))
DAYS_BACK, DAYS_AHEAD = 1_050, 45
PAST = (("done", 70), ("no_show", 8), ("cancelled", 12), ("rescheduled", 5), ("released", 5))
COMING = (("confirmed", 60), ("proposed", 15), ("cancelled", 10), ("held", 15))
PURPOSES = ("理财产品到期续作面谈", "资产配置方案讲解", "经营贷需求了解", "信用卡额度提升面谈", "保险方案面谈", "房贷咨询")
PLACES = ("branch", "site", "phone", "video")
# The booking benchmark's offers start on the Monday after the loaded calendar's last day (DAYS_AHEAD from the
# day of the run or later) and end before booking's limit of two years ahead (app/core/validation.MAX_AHEAD_DAYS).
_AFTER_THE_CALENDAR = date.today() + timedelta(days=DAYS_AHEAD + 7)
BOOKING_FROM = _AFTER_THE_CALENDAR + timedelta(days=-_AFTER_THE_CALENDAR.weekday() % 7)
BOOKING_UNTIL = date.today() + timedelta(days=700)


def _pick(rng: random.Random, weights) -> str:
    return rng.choices([k for k, _ in weights], [w for _, w in weights])[0]


def _working_days(today: date) -> list[date]:
    days = (today + timedelta(days=d) for d in range(-DAYS_BACK, DAYS_AHEAD + 1))
    return [d for d in days if d.weekday() < 5]


def _utc(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=ZONE).astimezone(UTC)


def appointment_rows(customers_of: dict[int, list], rng: random.Random, now: datetime, count: int) -> list[dict]:
    """`count` appointments for the managers in `customers_of` (manager id -> their customers), spread evenly."""
    today = now.astimezone(ZONE).date()
    days = _working_days(today)
    cells = [(day, at) for day in days for at in GRID]
    rows: list[dict] = []
    managers = sorted(customers_of)
    for m, manager_id in enumerate(managers):
        mine = customers_of[manager_id]
        wanted = count // len(managers) + (1 if m < count % len(managers) else 0)
        chosen = sorted(rng.sample(cells, wanted))
        pending_offer: dict | None = None
        for day, at in chosen:
            start = _utc(day, at)
            future = start > now
            status = _pick(rng, COMING if future else PAST)
            customer = mine[rng.randrange(len(mine))]
            offer_id = None
            if status == "held":  # the second of a pair takes the first one's customer and offer
                if pending_offer is None:
                    pending_offer = {"offer_id": uuid.UUID(int=rng.getrandbits(128)).hex, "customer": customer}
                    offer_id = pending_offer["offer_id"]
                else:
                    offer_id, customer = pending_offer["offer_id"], pending_offer["customer"]
                    pending_offer = None
            minutes = 60 if rng.random() < 0.3 else 30
            place = PLACES[rng.randrange(len(PLACES))]
            rows.append({
                "branch_id": customer.branch_id, "customer_id": customer.id, "staff_id": manager_id,
                "start_at": start, "end_at": start + timedelta(minutes=minutes), "place": place,
                "location": "客户公司会议室" if place == "site" else None,
                "purpose": PURPOSES[rng.randrange(len(PURPOSES))], "status": status, "offer_id": offer_id,
                "cancel_reason": "客户临时出差" if status == "cancelled" else None,
                "outcome": "客户同意续作并增加配置" if status == "done" else None,
                "next_step": "三天内回访确认金额" if status == "done" else None, "successor_id": None,
                "booked_by_id": manager_id, "booked_at": start - timedelta(days=3),
                "updated_at": min(now, start + timedelta(hours=2)), "version": 1})
        if pending_offer is not None:  # an offer needs its second time: the lone one becomes a proposal
            rows[-1]["status"], rows[-1]["offer_id"] = "proposed", None
    return rows


def follow_up_rows(customers: list, rng: random.Random, now: datetime) -> list[dict]:
    """Three per customer: two closed (done or cancelled) and one to do, assigned to the customer's owner."""
    today = now.astimezone(ZONE).date()
    rows: list[dict] = []
    for c in customers:
        for n in range(FOLLOW_UPS_PER_CUSTOMER - 1):
            due = today - timedelta(days=30 + 200 * n + rng.randrange(0, 180))
            done = rng.random() < 0.85
            rows.append(_follow_up(c, "return_visit", due, "done" if done else "cancelled", now,
                                   plan_key=f"bench:{n}", closed=True,
                                   outcome="客户满意，约定下次回访" if done else None))
        roll = rng.random()
        if roll < 0.04:
            due = today - timedelta(days=rng.randrange(1, 60))
        elif roll < 0.046:
            due = today
        else:
            due = today + timedelta(days=rng.randrange(1, 180))
        kind = _pick(rng, (("return_visit", 80), ("post_loan", 5), ("birthday", 5), ("other", 10)))
        rows.append(_follow_up(c, kind, due, "open", now, plan_key=None if kind == "other" else "bench:next",
                               note="确认理财到期资金安排" if kind == "other" else None))
    return rows


def _follow_up(c, kind: str, due: date, status: str, now: datetime, *, plan_key: str | None, closed: bool = False,
               outcome: str | None = None, note: str | None = None) -> dict:
    planned = datetime.combine(due - timedelta(days=30), time(8), tzinfo=ZONE).astimezone(UTC)
    closed_at = datetime.combine(due, time(16), tzinfo=ZONE).astimezone(UTC) if closed else None
    return {"branch_id": c.branch_id, "customer_id": c.id, "assignee_id": c.owner_id, "kind": kind, "due_on": due,
            "status": status, "snoozed_until": None, "note": note, "outcome": outcome, "plan_key": plan_key,
            "appointment_id": None, "created_by_id": None, "created_at": min(planned, now),
            "closed_by_id": c.owner_id if closed else None, "closed_at": closed_at, "version": 1}


def booking_forms(count: int) -> list[str]:
    """Up to `count` offers of two free 30-minute times each, every day from BOOKING_FROM to BOOKING_UNTIL
    (seven a day, weekends too, as branches open on Saturdays: about 4,900, so that each of 16 clients walks a
    stretch longer than it books in one 18-second run)."""
    forms = []
    day = BOOKING_FROM
    starts = [time(9, 0), time(9, 30), time(10, 0), time(10, 30), time(11, 0), time(11, 30), time(13, 30),
              time(14, 0), time(14, 30), time(15, 0), time(15, 30), time(16, 0), time(16, 30), time(17, 0)]
    while len(forms) < count and day <= BOOKING_UNTIL:
        for a, b in zip(starts[::2], starts[1::2], strict=True):
            first, second = (f"{day.isoformat()}T{t.strftime('%H:%M')}" for t in (a, b))
            forms.append(f"mode=offer&slots={first}&slots={second}&minutes=30&place=branch"
                         "&purpose=%E7%90%86%E8%B4%A2%E9%9D%A2%E8%B0%88")
        day += timedelta(days=1)
    return forms[:count]
