"""Who introduced whom, read as a graph: the chain up to the root, one tree level, the yield of a tree, the
cycle test. Each is ONE statement (the chain and the cycle test are recursive CTEs written for SQLite and
PostgreSQL alike; sizes and yields come from the tally kept by app/introducers/tally.py), so its cost does not
grow with the depth of the chain or the size of the tree."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Integer, bindparam, case, func, literal_column, select

from app.core.extensions import db
from app.models import Customer, IntroducerTally, Introduction, Partner, Referral, ReferralStatus

INTRO = Introduction.__table__
CUST = Customer.__table__
PARTNER = Partner.__table__
REF = Referral.__table__
TALLY = IntroducerTally.__table__

MAX_DEPTH = 10_000  # a guard: a corrupt row making a loop still ends the recursion
# A node "converted" when the prospect became a customer (dormant ones did once).
CONVERTED_STATUSES = ("customer", "dormant")
LEVEL_PAGE = 50  # children shown per expanded node; "show more" pages on by id
# Inline SQL integers: a bound parameter in a recursive CTE's first term may be typed otherwise on PostgreSQL.
ONE = literal_column("1", Integer)
ZERO = literal_column("0", Integer)


@dataclass(frozen=True)
class Ref:
    """An introducer: a customer ("c") or a partner ("p")."""

    kind: str
    id: int

    @classmethod
    def parse(cls, raw: str | None) -> Ref | None:
        """"c:12" / "p:3" from a form or a URL; anything else is None."""
        if not raw or len(raw) > 14 or raw[:2] not in ("c:", "p:"):
            return None
        digits = raw[2:]
        if not digits.isascii() or not digits.isdigit() or not 0 < int(digits) <= 2**31 - 1:
            return None
        return cls(raw[0], int(digits))

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"


def converted_amount(customer_id_column):
    """The sum of a customer's converted referrals (Referral is read-only here), as a correlated subquery."""
    return (select(func.coalesce(func.sum(REF.c.amount), 0))
            .where(REF.c.customer_id == customer_id_column, REF.c.status == ReferralStatus.CONVERTED.value)
            .scalar_subquery())


# ---------------------------------------------------------------- the chain up to the root


@dataclass
class ChainLink:
    depth: int  # 1 = who introduced the customer, 2 = who introduced them, ...
    customer_id: int | None
    partner_id: int | None
    name: str
    branch_id: int
    owner_id: int
    tier: str | None
    status: str | None
    mobile_masked: str | None
    amount: int


def _chain_statement():
    up = (select(INTRO.c.introducer_customer_id.label("cid"), INTRO.c.introducer_partner_id.label("pid"),
                 ONE.label("depth"))
          .where(INTRO.c.customer_id == bindparam("customer_id")).cte("up", recursive=True))
    up = up.union_all(
        select(INTRO.c.introducer_customer_id, INTRO.c.introducer_partner_id, up.c.depth + 1)
        .where(INTRO.c.customer_id == up.c.cid, up.c.depth < MAX_DEPTH))
    return (select(up.c.depth, up.c.cid, up.c.pid,
                   func.coalesce(CUST.c.name, PARTNER.c.name).label("name"),
                   func.coalesce(CUST.c.branch_id, PARTNER.c.branch_id).label("branch_id"),
                   func.coalesce(CUST.c.owner_id, PARTNER.c.owner_id).label("owner_id"),
                   CUST.c.tier, CUST.c.status, func.coalesce(CUST.c.mobile_masked, PARTNER.c.mobile_masked),
                   case((up.c.cid.is_not(None), converted_amount(up.c.cid)), else_=0))
            .select_from(up.outerjoin(CUST, CUST.c.id == up.c.cid).outerjoin(PARTNER, PARTNER.c.id == up.c.pid))
            .order_by(up.c.depth))


# Built once with bound parameters: SQLAlchemy keeps an immutable statement's cache key, and building this one
# anew cost twenty times more than running it (bench/LEARNED.md).
CHAIN = _chain_statement()


def chain(customer_id: int) -> list[ChainLink]:
    """Every introducer above the customer, nearest first, up to the root (a partner, or a customer that
    nobody introduced): one recursive statement whatever the depth."""
    return [ChainLink(*row) for row in db.session.execute(CHAIN, {"customer_id": customer_id})]


# ---------------------------------------------------------------- one level of the tree


@dataclass
class TreeNode:
    customer_id: int
    name: str
    branch_id: int
    owner_id: int
    tier: str
    status: str
    mobile_masked: str | None
    amount: int
    below: int  # everyone this node introduced, directly and down its own tree


@dataclass
class Level:
    nodes: list[TreeNode]
    more_after: int | None  # the id to page on from, when the level has more children


def _level_statement(parent_column):
    return (select(CUST.c.id, CUST.c.name, CUST.c.branch_id, CUST.c.owner_id, CUST.c.tier, CUST.c.status,
                   CUST.c.mobile_masked, converted_amount(CUST.c.id), func.coalesce(TALLY.c.total, 0))
            .select_from(INTRO.join(CUST, CUST.c.id == INTRO.c.customer_id)
                         .outerjoin(TALLY, TALLY.c.customer_id == INTRO.c.customer_id))
            .where(parent_column == bindparam("parent_id"), INTRO.c.customer_id > bindparam("after"))
            .order_by(INTRO.c.customer_id).limit(bindparam("limit")))


# One statement per kind of parent, built once (see CHAIN).
LEVEL = {"c": _level_statement(INTRO.c.introducer_customer_id), "p": _level_statement(INTRO.c.introducer_partner_id)}


def level(parent: Ref, *, after: int = 0, per_page: int = LEVEL_PAGE) -> Level:
    """The customers `parent` introduced directly (a page of them, by id), each with its tier, status,
    converted amount and the size of its own subtree (kept in the tally): one statement per level."""
    rows = db.session.execute(LEVEL[parent.kind], {"parent_id": parent.id, "after": after, "limit": per_page + 1})
    nodes = [TreeNode(*row) for row in rows]
    more = nodes[per_page - 1].customer_id if len(nodes) > per_page else None
    return Level(nodes[:per_page], more)


# ---------------------------------------------------------------- yields


@dataclass
class Yield:
    direct: int = 0
    total: int = 0
    converted: int = 0
    amount: int = 0


def _yield_statement(column):
    return select(TALLY.c.direct, TALLY.c.total, TALLY.c.converted, TALLY.c.amount).where(column == bindparam("id"))


YIELD = {"c": _yield_statement(TALLY.c.customer_id), "p": _yield_statement(TALLY.c.partner_id)}  # see CHAIN


def yield_of(introducer: Ref) -> Yield:
    """Introduced directly, in the whole tree, converted, converted amount: one row of the tally."""
    row = db.session.execute(YIELD[introducer.kind], {"id": introducer.id}).first()
    return Yield(*(int(v) for v in row)) if row else Yield()


YIELDS = select(TALLY.c.customer_id, TALLY.c.partner_id, TALLY.c.direct, TALLY.c.total, TALLY.c.converted,
                TALLY.c.amount).where(TALLY.c.customer_id.in_(bindparam("customer_ids", expanding=True))
                                      | TALLY.c.partner_id.in_(bindparam("partner_ids", expanding=True)))  # see CHAIN


def yields_of(introducers: list[Ref]) -> dict[Ref, Yield]:
    """yield_of for many introducers at once (a leaderboard page): one statement."""
    if not introducers:
        return {}
    values = {"customer_ids": [r.id for r in introducers if r.kind == "c"],
              "partner_ids": [r.id for r in introducers if r.kind == "p"]}
    found = {(Ref("c", row[0]) if row[0] is not None else Ref("p", row[1])): Yield(*(int(v) for v in row[2:]))
             for row in db.session.execute(YIELDS, values)}
    return {ref: found.get(ref, Yield()) for ref in introducers}


def introduced_counts(customer_id: int) -> tuple[int, int]:
    """(directly, in the whole tree): what the tier rules' "customers introduced" measures compare."""
    found = yield_of(Ref("c", customer_id))
    return found.direct, found.total


# ---------------------------------------------------------------- cycles


def would_loop(customer_id: int, introducer_customer_id: int) -> bool:
    """Whether `customer_id` is the proposed introducer or anywhere above it (the proposed introducer was
    introduced by the customer, directly or down the chain): one recursive statement."""
    up = (select(CUST.c.id.label("id"), ZERO.label("depth"))
          .where(CUST.c.id == introducer_customer_id).cte("above", recursive=True))
    up = up.union_all(select(INTRO.c.introducer_customer_id, up.c.depth + 1)
                      .where(INTRO.c.customer_id == up.c.id, INTRO.c.introducer_customer_id.is_not(None),
                             up.c.depth < MAX_DEPTH))
    return db.session.execute(select(up.c.id).where(up.c.id == customer_id).limit(1)).first() is not None

