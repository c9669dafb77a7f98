"""`flask reminders run`: the follow-ups the system plans for one day, set-based and idempotent.

For the day D (default: tomorrow in Asia/Shanghai, so a nightly run prepares the coming day):

- Return visits (回访): every active customer with a tier, no pending return visit, and whose rhythm gap has
  elapsed by D (days since the last done return visit, else since the customer was created, ≥ the tier's
  days) gets one due on D, plan key "gap:D".
- Birthdays (生日): individuals whose birthday (derived from the ID number when the record is saved) falls on
  D get one due on D, plan key "birthday:YEAR". Someone born on 29 February is greeted on 28 February in a
  year without a 29th (the day stays in their birth month and never comes after the birthday has passed).
- Post-loan checks (贷后检查): the seed 小贷公司销售部管理制度 makes the salesperson responsible for 贷后管理, "定期
  跟踪客户贷款使用情况，检查客户是否按合同约定用途使用贷款", and reviews the sales staff each natural quarter.
  Yinjian's record of a loan paid out is a referral of need "loan" converted with a product and an amount,
  its finished_at being the day the loan was won. So the first check (loan use as contracted) falls 30
  days after that day, then one each quarter (every 90 days) for the first year: days 30, 120, 210, 300
  after the loan, plan key "loan:REFERRAL:N" (N = 1..4).

The assignee is the customer's owner. Every kind is one INSERT ... SELECT ... ON CONFLICT DO NOTHING (a
fixed number of statements whatever the number of customers), and the unique indexes (customer, kind,
plan key) and (one pending return visit per customer) make a second run, or a run on another server at the
same moment, insert nothing twice and fail on nothing.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Date, Integer, String, and_, cast, exists, extract, func, literal, or_, select

from app.core import clock
from app.core.extensions import db
from app.followups import rhythm
from app.models import Customer, FollowUp, FollowUpKind, FollowUpStatus, Referral
from app.models.types import UTCDateTime

POST_LOAN_DAYS = (30, 120, 210, 300)
FU = FollowUp.__table__
INSERTED_COLUMNS = ("branch_id", "customer_id", "assignee_id", "kind", "due_on", "status", "plan_key",
                    "created_at", "version")
PENDING = (FollowUpStatus.OPEN.value, FollowUpStatus.SNOOZED.value)


@dataclass(frozen=True)
class RunResult:
    day: date
    return_visits: int
    birthdays: int
    post_loan: int


def coming_day() -> date:
    return clock.local_today() + timedelta(days=1)


def _start_of(day: date) -> datetime:
    """Midnight of a local day, as the aware moment stored columns compare with."""
    return datetime.combine(day, time(0), ZoneInfo(current_app.config["DISPLAY_TIMEZONE"]))


def _insert(select_stmt) -> int:
    stmt = rhythm.insert_ignoring_duplicates().from_select(INSERTED_COLUMNS, select_stmt).on_conflict_do_nothing()
    return db.session.execute(stmt).rowcount


def _constant_columns(kind: str, day: date, plan_key):
    return (literal(kind, String), literal(day, Date), literal(FollowUpStatus.OPEN.value, String),
            plan_key, literal(clock.now(), UTCDateTime), literal(1, Integer))


def plan_return_visits(day: date) -> int:
    last_done = (select(FU.c.customer_id, func.max(FU.c.closed_at).label("last_at"))
                 .where(FU.c.kind == FollowUpKind.RETURN_VISIT.value, FU.c.status == FollowUpStatus.DONE.value)
                 .group_by(FU.c.customer_id).subquery())
    since = func.coalesce(last_done.c.last_at, Customer.created_at)
    # Gap elapsed by `day`: the last contact's local day + days <= day, i.e. before the midnight after day - days.
    elapsed = or_(*(and_(Customer.tier == tier, since < literal(_start_of(day - timedelta(days=days - 1)),
                                                                 UTCDateTime))
                    for tier, days in rhythm.rhythm_days().items()))
    pending = exists().where(FU.c.customer_id == Customer.id, FU.c.kind == FollowUpKind.RETURN_VISIT.value,
                             FU.c.status.in_(PENDING))
    stmt = (select(Customer.branch_id, Customer.id, Customer.owner_id,
                   *_constant_columns(FollowUpKind.RETURN_VISIT.value, day, literal(f"gap:{day}", String)))
            .select_from(Customer).outerjoin(last_done, last_done.c.customer_id == Customer.id)
            .where(Customer.archived_at.is_(None), Customer.tier.is_not(None), ~pending, elapsed))
    return _insert(stmt)


def birthday_days(day: date) -> list[tuple[int, int]]:
    """The (month, day) birthdays greeted on `day`: 29 February falls on 28 February in other years."""
    days = [(day.month, day.day)]
    if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
        days.append((2, 29))
    return days


def plan_birthdays(day: date) -> int:
    on_day = or_(*(and_(extract("month", Customer.birthday) == month, extract("day", Customer.birthday) == dom)
                   for month, dom in birthday_days(day)))
    stmt = (select(Customer.branch_id, Customer.id, Customer.owner_id,
                   *_constant_columns(FollowUpKind.BIRTHDAY.value, day, literal(f"birthday:{day.year}", String)))
            .where(Customer.archived_at.is_(None), Customer.birthday.is_not(None), on_day))
    return _insert(stmt)


def plan_post_loan(day: date) -> int:
    created = 0
    for number, offset in enumerate(POST_LOAN_DAYS, start=1):
        loan_day = day - timedelta(days=offset)
        plan_key = literal("loan:", String) + cast(Referral.id, String) + literal(f":{number}", String)
        stmt = (select(Customer.branch_id, Customer.id, Customer.owner_id,
                       *_constant_columns(FollowUpKind.POST_LOAN.value, day, plan_key))
                .select_from(Referral).join(Customer, Customer.id == Referral.customer_id)
                .where(Referral.need == "loan", Referral.status == "converted", Referral.amount.is_not(None),
                       Referral.finished_at >= _start_of(loan_day),
                       Referral.finished_at < _start_of(loan_day + timedelta(days=1)),
                       Customer.archived_at.is_(None)))
        created += _insert(stmt)
    return created


def run(day: date | None = None) -> RunResult:
    """Plan everything due on `day` (default: the coming day); the caller commits."""
    day = day or coming_day()
    return RunResult(day, plan_return_visits(day), plan_birthdays(day), plan_post_loan(day))
