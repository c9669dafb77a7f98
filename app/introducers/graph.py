"""Who introduced whom, read as a graph: the chain up to the root, one tree level, the yield of a tree, the
cycle test. Each is ONE statement (recursive CTEs written for SQLite and PostgreSQL alike), so its cost in
round trips does not grow with the depth of the chain or the size of the tree."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Integer, String, case, cast, func, literal, literal_column, select

from app.core.extensions import db
from app.models import Customer, Introduction, Partner, Referral, ReferralStatus

INTRO = Introduction.__table__
CUST = Customer.__table__
PARTNER = Partner.__table__
REF = Referral.__table__

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

    def parent_column(self):
        return INTRO.c.introducer_customer_id if self.kind == "c" else INTRO.c.introducer_partner_id


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


def chain(customer_id: int) -> list[ChainLink]:
    """Every introducer above the customer, nearest first, up to the root (a partner, or a customer that
    nobody introduced): one recursive statement whatever the depth."""
    up = (select(INTRO.c.introducer_customer_id.label("cid"), INTRO.c.introducer_partner_id.label("pid"),
                 ONE.label("depth"))
          .where(INTRO.c.customer_id == customer_id).cte("up", recursive=True))
    up = up.union_all(
        select(INTRO.c.introducer_customer_id, INTRO.c.introducer_partner_id, up.c.depth + 1)
        .where(INTRO.c.customer_id == up.c.cid, up.c.depth < MAX_DEPTH))
    stmt = (select(up.c.depth, up.c.cid, up.c.pid,
                   func.coalesce(CUST.c.name, PARTNER.c.name).label("name"),
                   func.coalesce(CUST.c.branch_id, PARTNER.c.branch_id).label("branch_id"),
                   func.coalesce(CUST.c.owner_id, PARTNER.c.owner_id).label("owner_id"),
                   CUST.c.tier, CUST.c.status, func.coalesce(CUST.c.mobile_masked, PARTNER.c.mobile_masked),
                   case((up.c.cid.is_not(None), converted_amount(up.c.cid)), else_=0))
            .select_from(up.outerjoin(CUST, CUST.c.id == up.c.cid).outerjoin(PARTNER, PARTNER.c.id == up.c.pid))
            .order_by(up.c.depth))
    return [ChainLink(*row) for row in db.session.execute(stmt)]


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


def level(parent: Ref, *, after: int = 0, per_page: int = LEVEL_PAGE) -> Level:
    """The customers `parent` introduced directly (a page of them, by id), each with its tier, status,
    converted amount and the size of its own subtree: one statement per level."""
    page = (select(INTRO.c.customer_id.label("id"))
            .where(parent.parent_column() == parent.id, INTRO.c.customer_id > after)
            .order_by(INTRO.c.customer_id).limit(per_page + 1).cte("page"))
    sub = select(page.c.id.label("root"), page.c.id.label("id"), ZERO.label("depth")).cte(
        "sub", recursive=True)
    sub = sub.union_all(select(sub.c.root, INTRO.c.customer_id, sub.c.depth + 1)
                        .where(INTRO.c.introducer_customer_id == sub.c.id, sub.c.depth < MAX_DEPTH))
    below = select(sub.c.root, (func.count() - 1).label("below")).group_by(sub.c.root).subquery()
    stmt = (select(CUST.c.id, CUST.c.name, CUST.c.branch_id, CUST.c.owner_id, CUST.c.tier, CUST.c.status,
                   CUST.c.mobile_masked, converted_amount(CUST.c.id), below.c.below)
            .select_from(below.join(CUST, CUST.c.id == below.c.root)).order_by(CUST.c.id))
    nodes = [TreeNode(*row) for row in db.session.execute(stmt)]
    more = nodes[per_page - 1].customer_id if len(nodes) > per_page else None
    return Level(nodes[:per_page], more)


# ---------------------------------------------------------------- yields


@dataclass
class Yield:
    direct: int = 0
    total: int = 0
    converted: int = 0
    amount: int = 0


def _tree_of(seeds):
    """Everyone below a set of seed introductions: rows (owner key, customer id, depth)."""
    tree = seeds.cte("tree", recursive=True)
    return tree.union_all(select(tree.c.key, INTRO.c.customer_id, tree.c.depth + 1)
                          .where(INTRO.c.introducer_customer_id == tree.c.id, tree.c.depth < MAX_DEPTH))


def _yield_columns(tree):
    return (func.sum(case((tree.c.depth == 1, 1), else_=0)), func.count(),
            func.sum(case((CUST.c.status.in_(CONVERTED_STATUSES), 1), else_=0)),
            func.sum(converted_amount(tree.c.id)))


def yield_of(introducer: Ref) -> Yield:
    """Introduced directly, in the whole tree, converted, converted amount: one statement."""
    seeds = select(cast(literal(str(introducer)), String).label("key"), INTRO.c.customer_id.label("id"),
                   ONE.label("depth")).where(introducer.parent_column() == introducer.id)
    tree = _tree_of(seeds)
    row = db.session.execute(select(*_yield_columns(tree)).select_from(
        tree.join(CUST, CUST.c.id == tree.c.id))).one()
    return Yield(*(int(v or 0) for v in row))


def yields_of(introducers: list[Ref]) -> dict[Ref, Yield]:
    """yield_of for many introducers at once (a leaderboard page): one statement seeded with all of them."""
    customers = [r.id for r in introducers if r.kind == "c"]
    partners = [r.id for r in introducers if r.kind == "p"]
    if not introducers:
        return {}
    key = case((INTRO.c.introducer_customer_id.is_not(None),
                literal("c:", String) + cast(INTRO.c.introducer_customer_id, String)),
               else_=literal("p:", String) + cast(INTRO.c.introducer_partner_id, String))
    seeds = select(key.label("key"), INTRO.c.customer_id.label("id"), ONE.label("depth")).where(
        (INTRO.c.introducer_customer_id.in_(customers or [-1])) | (INTRO.c.introducer_partner_id.in_(partners or [-1])))
    tree = _tree_of(seeds)
    stmt = (select(tree.c.key, *_yield_columns(tree)).select_from(tree.join(CUST, CUST.c.id == tree.c.id))
            .group_by(tree.c.key))
    found = {Ref.parse(row[0]): Yield(*(int(v or 0) for v in row[1:])) for row in db.session.execute(stmt)}
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

