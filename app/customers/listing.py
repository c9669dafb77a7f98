"""The customer list query: one Core statement per page, built once per filter shape (which filters, which
sort, whose scope) with the values bound; the capped count rides along as an uncorrelated scalar subquery.
Why this shape: bench/LEARNED.md."""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import Integer, and_, bindparam, false, func, literal_column, select, true, union_all
from sqlalchemy.sql import operators

from app.core import policies, worker_copies
from app.core.scoping import branch_scope
from app.customers.name_keys import term_range
from app.models import Branch, Customer, CustomerNameKey, CustomerShare, CustomerTally, User

CUSTOMER = Customer.__table__
STAFF = User.__table__
TALLY = CustomerTally.__table__
NAME_KEY = CustomerNameKey.__table__
BRANCH = Branch.__table__
SHARE = CustomerShare.__table__
C = CUSTOMER.c

# What a list row shows (and what policies ask of it), read as plain rows; presenters.list_rows unpacks
# them in this order.
ROW_COLUMNS = (C.id, C.kind, C.branch_id, C.owner_id, C.name, C.mobile_masked, C.tier, C.status, C.source,
               C.updated_at, STAFF.c.display_name.label("owner_name"), BRANCH.c.name.label("branch_name"))

SORTS = {
    "updated": (C.updated_at.desc(), C.id.desc()),
    "created": (C.created_at.desc(), C.id.desc()),
    "name": (C.name_search.asc(), C.id.asc()),
    "tier": (C.tier.asc(), C.updated_at.desc(), C.id.desc()),
}

# Term kinds (app.validation.classify_search_term) and the column each one matches.
TERM_COLUMNS = {
    "mobile": C.mobile_hash,
    "id_number": C.id_number_hash,
    "uscc": C.uscc,
    "last4": C.mobile_last4,
}


class ListShape(NamedTuple):
    """Everything that changes the SQL text of a list query (values are bound separately)."""

    scope: str  # "all", "branch" or "none" (app.scoping.branch_scope; admin's branch filter makes "branch")
    term: str | None  # None, "name" or a key of TERM_COLUMNS
    tier: bool
    status: bool
    source: bool
    owner: bool
    team: bool
    sort: str
    # A one-character name term matches thousands: walk the sort's index and test each id against the
    # matches, stopping at a page, instead of reading every match's row to sort them all.
    walk: bool = False
    # A page in the back half is read from the end of the sort's index in reverse order (OFFSET reads
    # and skips every row before the page, so the last of 200 pages read 10,000 index entries).
    from_end: bool = False
    with_total: bool = True  # False when the caller counted first
    shares: bool = False  # each row says whether it is shared with the viewer (policies.shares_matter)
    # The viewer sees colleagues' customers with a masked name (a branch's managers): a name term finds those
    # only by what the mask shows (_name_matches).
    names_masked: bool = False

    @property
    def name_only(self) -> bool:
        return self.term == "name" and not (self.tier or self.status or self.source or self.owner or self.team)

    @property
    def unfiltered(self) -> bool:
        return self.term is None and not (self.tier or self.status or self.source or self.owner or self.team)


def _tested_while_walking(condition):
    """A condition each row of the sort's index is tested against, stopping at a page. `IS TRUE` keeps both
    engines from turning an IN into a join that reads every match and sorts them all: PostgreSQL tests a
    hashed subplan, SQLite a list (q=王, 613 matches: PostgreSQL 1.6 -> 0.5 ms, SQLite 0.42 -> 0.30 ms)."""
    return condition.is_(true())


def _name_keys(shape: ListShape):
    """The key table's rows in the term's range (app/customers/name_keys.py), read from its own index:
    the branch's part of its primary key, or the key index for every branch."""
    keys = select(NAME_KEY.c.customer_id).where(NAME_KEY.c.key >= bindparam("term_from"),
                                                NAME_KEY.c.key < bindparam("term_to"))
    if shape.scope == "branch":
        keys = keys.where(NAME_KEY.c.branch_id == bindparam("branch_id"))
    return keys


def _name_matches(shape: ListShape):
    """The ids a name term finds. For a viewer who sees colleagues' customers masked, every key (any part of the
    name, its pinyin, its initials) finds only the customers they see in full, their own and those shared with
    them; the others only by the mask's own first character (张* by 张): searching 小明 or zxm would otherwise
    tell which masked 王** is 王小明. Each part is read from an index alone (the key's copy of the owner),
    not a customer row per key."""
    keys = _name_keys(shape)
    if not shape.names_masked:
        return keys
    viewer = bindparam("viewer_id")
    found = [keys.where(NAME_KEY.c.owner_id == viewer),
             keys.where(NAME_KEY.c.customer_id.in_(select(SHARE.c.customer_id).where(SHARE.c.user_id == viewer)))]
    if shape.walk:  # a one-character term: also what the mask shows, the name's first character
        found.append(_shown_by_mask(shape))
    return union_all(*found)


def _shown_by_mask(shape: ListShape):
    """The customers whose name starts with the (one-character) term, from the name index."""
    named = CUSTOMER.alias("named")
    shown = select(named.c.id).where(named.c.archived_at.is_(None), named.c.name_search >= bindparam("term_from"),
                                     named.c.name_search < bindparam("term_to"))
    if shape.scope == "branch":
        shown = shown.where(named.c.branch_id == bindparam("branch_id"))
    return shown


def _matched_ids(shape: ListShape):
    """The ids a name term finds as one CTE, so that a statement reading them for its page and its count reads
    them once (both databases materialise a CTE used twice); None without a name term."""
    if shape.term != "name":
        return None
    (matched_id,) = _name_matches(shape).cte("name_matches").c
    return select(matched_id)


def _where(shape: ListShape, name_matches):
    """The filter of a shape, with bound parameters named after the filters (`name_matches`: _matched_ids)."""
    if shape.scope == "all":
        clauses = [true()]
    elif shape.scope == "branch":
        clauses = [C.branch_id == bindparam("branch_id")]
    else:
        clauses = [false()]
    clauses.append(C.archived_at.is_(None))
    if shape.term == "name":
        matched = C.id.in_(name_matches)
        clauses.append(_tested_while_walking(matched) if shape.walk else matched)
    elif shape.term is not None:
        clauses.append(TERM_COLUMNS[shape.term] == bindparam("term"))
    for name in ("tier", "status", "source"):
        if getattr(shape, name):
            clauses.append(C[name] == bindparam(name))
    if shape.owner:
        clauses.append(C.owner_id == bindparam("owner_id"))
    if shape.team:
        clauses.append(C.owner_id.in_(select(STAFF.c.id).where(STAFF.c.team_id == bindparam("team_id"))))
    return and_(*clauses)


def _total(shape: ListShape, where, name_matches):
    """The number of matches as a scalar subquery: the kept tally when nothing is filtered (a branch
    has tens of thousands of customers), else a count that stops after `cap` rows. Should a branch's
    tally row be missing (a data-only restore, say), the count stands in for it: COALESCE evaluates
    its second argument only when the first is NULL, on both databases."""
    capped = select(literal_column("1")).select_from(CUSTOMER).where(where).limit(bindparam("cap", type_=Integer))
    counted = select(func.count()).select_from(capped.subquery()).scalar_subquery()
    if shape.unfiltered and shape.scope == "branch":
        kept = select(TALLY.c.active).where(TALLY.c.branch_id == bindparam("branch_id")).scalar_subquery()
        return func.coalesce(kept, counted)
    if shape.unfiltered and shape.scope == "all":
        return select(func.coalesce(func.sum(TALLY.c.active), 0)).scalar_subquery()
    if shape.name_only and shape.scope != "none":
        # Only active customers have keys (records.archive_customer drops them): a name search alone is
        # counted from the key index, without reading a customer row per match.
        (matched_id,) = name_matches.subquery().c
        found = select(matched_id).distinct().limit(bindparam("cap", type_=Integer)).subquery()
        return select(func.count()).select_from(found).scalar_subquery()
    return counted


def _reversed(order):
    return tuple(column.element.asc() if column.modifier is operators.desc_op else column.element.desc()
                 for column in order)


@lru_cache(maxsize=512)
def page_statement(shape: ListShape):
    """One page of rows, each carrying the (capped) total of all matches (`total`); in reverse order
    when the shape reads from the end (search.search_customers puts them back)."""
    name_matches = _matched_ids(shape)
    where = _where(shape, name_matches)
    order = _reversed(SORTS[shape.sort]) if shape.from_end else SORTS[shape.sort]
    # Deferred join: find the page's ids from the index alone, then read just those rows
    # (an OFFSET over full rows would read every skipped row from the table).
    page_ids = (select(C.id).where(where).order_by(*order)
                .limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer)))
    # Whether the viewer shares the row's customer (the masking rule reads it): in the row, not a second query.
    shared = (select(SHARE.c.user_id).where(SHARE.c.customer_id == C.id, SHARE.c.user_id == bindparam("viewer_id"))
              .exists() if shape.shares else false())
    columns = (*ROW_COLUMNS, shared.label("viewer_shares"))
    if shape.with_total:
        columns += (_total(shape, where, name_matches).label("total"),)
    return (
        select(*columns)
        .join_from(CUSTOMER, STAFF, STAFF.c.id == C.owner_id)
        .join(BRANCH, BRANCH.c.id == C.branch_id)
        .where(C.id.in_(page_ids))
        .order_by(*order)
    )


@lru_cache(maxsize=512)
def count_statement(shape: ListShape):
    """The total alone (for a page number past the end)."""
    name_matches = _matched_ids(shape)
    return select(_total(shape, _where(shape, name_matches), name_matches))


def shape_and_values(actor: User, *, term_kind: str | None, term: str | None, tier: str, status: str,
                     source: str, owner_id: int | None, team_id: int | None, sort: str,
                     branch_id: int | None = None) -> tuple[ListShape, dict]:
    """The shape of the actor's list query and the values to bind into it. `branch_id` narrows the
    list of someone who sees every branch (admin) to one; for anyone else their scope stands."""
    scope, scope_branch = branch_scope(actor)
    if scope == "all" and branch_id is not None:
        scope, scope_branch = "branch", branch_id
    values = {"branch_id": scope_branch, "viewer_id": actor.id, "tier": tier, "status": status, "source": source,
              "owner_id": owner_id, "team_id": team_id}
    if term_kind == "name":
        bounds = term_range(term or "")
        if bounds is None:
            term_kind = None
        else:
            values["term_from"], values["term_to"] = bounds
    else:
        values["term"] = term
    shape = ListShape(scope, term_kind, bool(tier), bool(status), bool(source), bool(owner_id), bool(team_id),
                      sort if sort in SORTS else "updated",
                      walk=term_kind == "name" and len(values["term_from"]) == 1,
                      shares=policies.shares_matter(actor), names_masked=policies.sees_masked_names(actor))
    return shape, {k: v for k, v in values.items() if v not in (None, "")}


worker_copies.keep("list statements", lambda: (page_statement.cache_clear(), count_statement.cache_clear()))
