"""The introducer leaderboard: introducers ranked by the introductions they made in a period, in the user's
branch (admin: any branch, or one); the page's yields come from one recursive statement seeded with the
page's introducers, so the cost follows the page, not the number of customers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, String, bindparam, cast, func, literal, null, select, union_all

from app.core import clock
from app.core.extensions import db
from app.core.scoping import branch_scope
from app.core.validation import day_param
from app.introducers.graph import Ref, Yield, yields_of
from app.introducers.nodes import Node, customer_node, partner_node
from app.models import Customer, Introduction, Partner, User

PER_PAGE = 25
PERIODS = {"month": _l("This month"), "quarter": _l("This quarter"), "year": _l("This year"),
           "range": _l("Dates")}

INTRO = Introduction.__table__


@dataclass
class Period:
    code: str = "month"
    start: date | None = None  # the first day, local time
    end: date | None = None  # the last day, local time

    @classmethod
    def from_args(cls, args) -> Period:
        code = args.get("period", "month")
        code = code if code in PERIODS else "month"
        today = clock.local(clock.now(), current_app.config["DISPLAY_TIMEZONE"]).date()
        if code == "range":
            start, end = day_param(args.get("from")), day_param(args.get("to"))
            if start and end and start <= end:
                return cls(code, start, end)
            code = "month"
        if code == "month":
            start = today.replace(day=1)
        elif code == "quarter":
            start = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
        else:
            start = today.replace(month=1, day=1)
        return cls(code, start, today)

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end + 1 day) as UTC instants of the display timezone's midnights."""
        tz = ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])
        start = datetime.combine(self.start, time(), tz)
        end = datetime.combine(self.end + timedelta(days=1), time(), tz)
        return start, end


@dataclass
class Row:
    rank: int
    node: Node
    in_period: int
    totals: Yield = field(default_factory=Yield)


@dataclass
class Board:
    rows: list[Row]
    period: Period
    page: int
    has_next: bool
    branch_id: int | None


def _scope_branch(user: User, branch_id: int | None) -> tuple[str, int | None]:
    scope, own = branch_scope(user)
    if scope == "all" and branch_id:
        return "branch", branch_id
    return scope, own


def _ranking(in_branch: bool):
    made = func.count().label("made")
    stmt = (select(INTRO.c.introducer_customer_id, INTRO.c.introducer_partner_id, made)
            .where(INTRO.c.introduced_at >= bindparam("start"), INTRO.c.introduced_at < bindparam("end"))
            .group_by(INTRO.c.introducer_customer_id, INTRO.c.introducer_partner_id)
            .order_by(made.desc(), func.coalesce(INTRO.c.introducer_customer_id, -1),
                      func.coalesce(INTRO.c.introducer_partner_id, -1))
            .offset(bindparam("offset", type_=Integer)).limit(bindparam("limit", type_=Integer)))
    return stmt.where(INTRO.c.branch_id == bindparam("branch_id")) if in_branch else stmt


# The page's three statements are built once with bound parameters, as graph.CHAIN is: building them for every
# request cost more than running them.
RANKING = {True: _ranking(True), False: _ranking(False)}


def board(user: User, period: Period, *, page: int = 1, branch_id: int | None = None) -> Board:
    """A page of introducers by introductions in the period (then by id), with their all-time yields."""
    scope, branch = _scope_branch(user, branch_id)
    if scope == "none":
        return Board([], period, page, False, None)
    start, end = period.bounds()
    ranked = db.session.execute(RANKING[scope == "branch"], {
        "start": start, "end": end, "branch_id": branch, "offset": (page - 1) * PER_PAGE,
        "limit": PER_PAGE + 1}).all()
    has_next = len(ranked) > PER_PAGE
    ranked = ranked[:PER_PAGE]
    refs = [Ref("c", cid) if cid else Ref("p", pid) for cid, pid, _made in ranked]
    totals = yields_of(refs)
    nodes = _nodes(user, refs)
    rows = [Row((page - 1) * PER_PAGE + i + 1, nodes[ref], made, totals[ref])
            for i, (ref, (_c, _p, made)) in enumerate(zip(refs, ranked, strict=True))]
    return Board(rows, period, page, has_next, branch_id if scope == "branch" and user.role == "admin" else None)


NODES = union_all(
    select(cast(literal("c"), String).label("kind"), Customer.id, Customer.name, Customer.branch_id, Customer.owner_id,
           Customer.tier, Customer.status, Customer.mobile_masked, cast(null(), String).label("category"))
    .where(Customer.id.in_(bindparam("customer_ids", expanding=True))),
    select(cast(literal("p"), String), Partner.id, Partner.name, Partner.branch_id, Partner.owner_id,
           cast(null(), String), cast(null(), String), Partner.mobile_masked, Partner.category)
    .where(Partner.id.in_(bindparam("partner_ids", expanding=True))))


def _nodes(user: User, refs: list[Ref]) -> dict[Ref, Node]:
    """The page's introducers as nodes: one statement for both kinds."""
    values = {"customer_ids": [r.id for r in refs if r.kind == "c"], "partner_ids": [r.id for r in refs if r.kind == "p"]}
    found: dict[Ref, Node] = {}
    for row in db.session.execute(NODES, values):
        if row[0] == "c":
            found[Ref("c", row.id)] = customer_node(user, id=row.id, name=row.name, branch_id=row.branch_id,
                                                    owner_id=row.owner_id, tier=row.tier, status=row.status,
                                                    mobile_masked=row.mobile_masked)
        else:
            found[Ref("p", row.id)] = partner_node(user, id=row.id, name=row.name, branch_id=row.branch_id,
                                                   category=row.category, mobile_masked=row.mobile_masked)
    return found
