"""Referral credit, both ways (the later targets work reuses this): for a period and a scope, what each
person, team or branch sent, got accepted and converted (and for how much) as sender, and received and
converted as recipient. Every number is counted in SQL (GROUP BY); a period is days in Asia/Shanghai."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, case, func, or_, select, true

from app.core.extensions import db
from app.models import Referral, ReferralStatus, User

PERIOD_KINDS = ("day", "week", "month", "range")
GROUPS = ("person", "team", "branch")


@dataclass(frozen=True)
class Period:
    kind: str
    start: date  # first day
    end: date  # last day (inclusive)

    def bounds(self, tz: str | None = None) -> tuple[datetime, datetime]:
        """[start 00:00, the day after end 00:00) in the display time zone, as aware datetimes."""
        zone = ZoneInfo(tz or current_app.config["DISPLAY_TIMEZONE"])
        return (datetime.combine(self.start, time(0), zone),
                datetime.combine(self.end + timedelta(days=1), time(0), zone))


def period_of(kind: str, anchor: date, end: date | None = None) -> Period:
    """The day, the week (Monday first), the month around `anchor`, or the range anchor..end."""
    if kind == "day":
        return Period(kind, anchor, anchor)
    if kind == "week":
        start = anchor - timedelta(days=anchor.weekday())
        return Period(kind, start, start + timedelta(days=6))
    if kind == "month":
        start = anchor.replace(day=1)
        following = (start + timedelta(days=32)).replace(day=1)
        return Period(kind, start, following - timedelta(days=1))
    last = end or anchor
    if last < anchor:
        anchor, last = last, anchor
    return Period("range", anchor, last)


@dataclass
class Credit:
    """One person's, team's or branch's referral numbers for a period."""

    key: int | None
    sent: int = 0  # referrals they sent in the period
    accepted: int = 0  # of theirs, accepted in the period
    converted: int = 0  # of theirs, converted in the period
    converted_amount: int = 0  # yuan won from those
    received: int = 0  # sent to them in the period
    received_converted: int = 0  # they converted in the period

    def add(self, other: Credit) -> None:
        for f in fields(self):
            if f.name != "key":
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def _within(column, start: datetime, end: datetime):
    return and_(column >= start, column < end)


def _sum(condition, value=1):
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)


def _scope_condition(scope: tuple[str, int | None]):
    kind, value = scope
    column = {"person": User.id, "team": User.team_id, "branch": User.branch_id}.get(kind)
    return column == value if column is not None else true()


def credit(period: Period, *, group: str, scope: tuple[str, int | None] = ("all", None)) -> dict[int | None, Credit]:
    """Credit per `group` ("person", "team", "branch" of the staff member) for staff inside `scope`
    (("person", id), ("team", id), ("branch", id) or ("all", None)): two GROUP BY statements, sender side
    and recipient side."""
    start, end = period.bounds()
    key = {"person": User.id, "team": User.team_id, "branch": User.branch_id}[group]
    converted = and_(Referral.status == ReferralStatus.CONVERTED.value, _within(Referral.finished_at, start, end))
    accepted = and_(Referral.status != ReferralStatus.DECLINED.value, _within(Referral.responded_at, start, end))
    sent = _within(Referral.sent_at, start, end)
    touched = or_(sent, _within(Referral.responded_at, start, end), _within(Referral.finished_at, start, end))
    result: dict[int | None, Credit] = {}
    as_sender = db.session.execute(
        select(key.label("key"), _sum(sent).label("sent"), _sum(accepted).label("accepted"),
               _sum(converted).label("converted"), _sum(converted, Referral.amount).label("amount"))
        .join(User, User.id == Referral.sender_id).where(touched, _scope_condition(scope)).group_by(key))
    for row in as_sender:
        result[row.key] = Credit(row.key, sent=int(row.sent), accepted=int(row.accepted),
                                 converted=int(row.converted), converted_amount=int(row.amount))
    as_recipient = db.session.execute(
        select(key.label("key"), _sum(sent).label("received"), _sum(converted).label("converted"))
        .join(User, User.id == Referral.recipient_id).where(touched, _scope_condition(scope)).group_by(key))
    for row in as_recipient:
        entry = result.setdefault(row.key, Credit(row.key))
        entry.received, entry.received_converted = int(row.received), int(row.converted)
    return result


def total(credits: dict[int | None, Credit]) -> Credit:
    """The sum of a credit table (a branch total from its people)."""
    overall = Credit(None)
    for entry in credits.values():
        overall.add(entry)
    return overall
