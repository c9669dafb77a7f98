"""A customer's timeline: activities, tier changes and record changes, newest first, one statement a page."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import (
    Integer,
    Text,
    and_,
    bindparam,
    cast,
    literal,
    literal_column,
    null,
    or_,
    select,
    union_all,
)

from app.core import worker_copies
from app.core.extensions import db
from app.core.scoping import MAX_ID
from app.models import (
    APPOINTMENT_EVENT_LABELS,
    FOLLOW_UP_EVENT_LABELS,
    Activity,
    AuditEvent,
    Customer,
    TierChange,
    User,
)
from app.models.audit import VIEW_ACTION
from app.referrals.transitions import ALL_AUDIT_ACTIONS as REFERRAL_AUDIT_ACTIONS

TIMELINE_ACTIONS = ("customer_create", "customer_update", "customer_archive", "customer_restore",
                    "customer_reassign", "introducer_change", *APPOINTMENT_EVENT_LABELS, *REFERRAL_AUDIT_ACTIONS,
                    *FOLLOW_UP_EVENT_LABELS)


@dataclass(slots=True)
class TimelineEntry:
    at: datetime
    kind: str  # activity | tier | audit
    actor_name: str | None  # None: the system
    item: Any  # ActivityItem, TierItem or AuditItem
    rank: int  # with `at` and `id`, the entry's place in the timeline (the "show older" cursor)
    id: int


class ActivityItem(NamedTuple):
    kind: str
    outcome: str | None
    note: str | None


class TierItem(NamedTuple):
    from_tier: str | None
    to_tier: str
    reason: str | None


class AuditItem(NamedTuple):
    action: str
    details: dict

    @classmethod
    def from_columns(cls, action: str, details: str | None, _unused: None) -> AuditItem:
        return cls(action, (json.loads(details) if details else None) or {})  # stored JSON null: no details


_STAFF = User.__table__
# What each kind of entry shows: (table, three columns, the actor's column, the extra condition, the item
# built from the three columns). The three selects share one column layout, so the timeline is one
# UNION ALL statement; a kind's position here is its rank among entries of the same moment.
TIMELINE_SOURCES = {
    "activity": (Activity.__table__, ("kind", "outcome", "note"), "user_id", None, ActivityItem),
    "tier": (TierChange.__table__, ("from_tier", "to_tier", "reason"), "user_id", None, TierItem),
    "audit": (AuditEvent.__table__, ("action", "details", None), "actor_id",
              # `<> 'customer_view'`, written into the SQL (a bound value would not do: the planner cannot match a
              # parameter to the partial index's condition), lets both engines read the index without page views
              lambda t: and_(t.c.action != literal_column(f"'{VIEW_ACTION}'"), t.c.action.in_(TIMELINE_ACTIONS)),
              AuditItem.from_columns),
}
_ITEM_MAKERS = [source[4] for source in TIMELINE_SOURCES.values()]


@dataclass(frozen=True)
class TimelineCursor:
    """Where "show older" continues: after the entry at (at, rank, id) in the timeline's order."""

    at: datetime
    rank: int = len(TIMELINE_SOURCES)  # a link without rank and id means: strictly before `at`
    id: int = 0


@lru_cache(maxsize=2)
def _timeline_statement(older: bool):
    """The newest entries of every kind for a customer (bound: customer_id, limit; for older pages the
    cursor's before, before_rank, before_id), as plain rows: built once, no ORM objects for what is only
    printed. Each kind takes its newest `limit` from its own (customer_id, at) index; the union is sorted
    by (at desc, rank, id desc) and cut again."""
    parts = []
    for rank, (table, columns, actor_column, extra, _make) in enumerate(TIMELINE_SOURCES.values()):
        values = [cast(table.c[name], Text) if name else null() for name in columns]
        stmt = (select(table.c.at, literal(rank, Integer).label("rank"), table.c.id,
                       _STAFF.c.display_name.label("actor_name"),
                       *(value.label(f"v{i}") for i, value in enumerate(values)))
                .select_from(table.outerjoin(_STAFF, _STAFF.c.id == table.c[actor_column]))
                .where(table.c.customer_id == bindparam("customer_id"))
                .order_by(table.c.at.desc(), table.c.id.desc()).limit(bindparam("limit", type_=Integer)))
        if extra is not None:
            stmt = stmt.where(extra(table))
        if older:
            before = bindparam("before", type_=table.c.at.type)
            same_moment_later = or_(literal(rank, Integer) > bindparam("before_rank", type_=Integer),
                                    and_(literal(rank, Integer) == bindparam("before_rank", type_=Integer),
                                         table.c.id < bindparam("before_id", type_=Integer)))
            # `at <= before` keeps the index range; the rest skips what the previous page showed.
            stmt = stmt.where(table.c.at <= before, or_(table.c.at < before, same_moment_later))
        parts.append(select(*stmt.subquery().c))
    union = union_all(*parts).subquery()
    return (select(*union.c).order_by(union.c.at.desc(), union.c.rank, union.c.id.desc())
            .limit(bindparam("limit", type_=Integer)))


# Dates a cursor may carry: anything outside cannot be a timeline entry, and some engines cannot bind it.
EARLIEST, LATEST = datetime(1900, 1, 1, tzinfo=UTC), datetime(9999, 1, 1, tzinfo=UTC)


class BadCursor(ValueError):
    """A garbled or out-of-range "show older" link."""


def cursor_from(args) -> TimelineCursor:
    """The "show older" link's cursor: the last entry shown (its time, kind rank and id)."""
    try:
        before = datetime.fromisoformat(args.get("before", ""))
        if before.tzinfo is None:
            before = before.replace(tzinfo=UTC)  # the links carry UTC; a hand-typed date means UTC too
        before = before.astimezone(UTC)
    except (ValueError, OverflowError):
        raise BadCursor("before") from None
    if not EARLIEST <= before < LATEST:
        raise BadCursor("before out of range")
    if "before_rank" not in args and "before_id" not in args:
        return TimelineCursor(before)
    rank, entry_id = args.get("before_rank", ""), args.get("before_id", "")
    if not (rank.isascii() and rank.isdigit() and int(rank) < len(TIMELINE_SOURCES)
            and entry_id.isascii() and entry_id.isdigit() and 0 < int(entry_id) <= MAX_ID):
        raise BadCursor("rank or id")
    return TimelineCursor(before, int(rank), int(entry_id))


worker_copies.keep("timeline statements", _timeline_statement.cache_clear)


def customer_timeline(customer: Customer, *, before: TimelineCursor | None = None,
                      limit: int = 30) -> tuple[list[TimelineEntry], bool]:
    """The newest `limit` things that happened to a customer (after `before`): one statement, any length."""
    values = {"customer_id": customer.id, "limit": limit + 1}
    if before is not None:
        values.update(before=before.at, before_rank=before.rank, before_id=before.id)
    rows = db.session.connection().execute(_timeline_statement(before is not None), values).all()
    kinds = list(TIMELINE_SOURCES)
    entries = [TimelineEntry(at, kinds[rank], actor_name, _ITEM_MAKERS[rank](first, second, third), rank, entry_id)
               for at, rank, entry_id, actor_name, first, second, third in rows]
    return entries[:limit], len(entries) > limit
