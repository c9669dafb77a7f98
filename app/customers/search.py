"""Finding customers: the list's filters, the search box's term, one page of results with a capped total."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, replace

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.core import audit, policies
from app.core.extensions import db
from app.core.privacy import lookup_hash, mask
from app.core.scoping import MAX_ID, customers_visible_to
from app.core.validation import classify_search_term
from app.customers import listing
from app.models import Branch, Customer, User

COUNT_CAP = 10_000
FROM_END_AFTER = 1_000  # rows before a page from which it may be read from the end (listing.ListShape)


SEARCH_TERM_MAX = 60
# Search box entries that look a personal number up in full: each one is audited (who, when, hits).
FULL_NUMBER_KINDS = ("mobile", "id_number", "uscc")


def normalise_term(raw: str | None) -> str:
    """The one form of a search box entry that is classified, rate-limited, audited and searched:
    NFKC, runs of whitespace as one space, trimmed, then cut to length."""
    return " ".join(unicodedata.normalize("NFKC", raw or "").split())[:SEARCH_TERM_MAX]


def id_param(raw: str | None) -> int | None:
    """A positive database id from a query parameter, or None (never an error for odd input)."""
    if raw is None or not raw.isascii() or not raw.isdigit():
        return None
    value = int(raw)
    return value if 0 < value <= MAX_ID else None


@dataclass
class CustomerFilters:
    q: str = ""
    tier: str = ""
    status: str = ""
    source: str = ""
    owner_id: int | None = None
    team_id: int | None = None
    branch_id: int | None = None  # admin only (policies.sees_every_branch); ignored for anyone else
    sort: str = "updated"
    page: int = 1

    @classmethod
    def from_values(cls, values) -> CustomerFilters:
        """The filters from a query string or a posted filter form; odd values are dropped, never an error."""
        sort = values.get("sort", "updated")
        tier = values.get("tier", "")
        return cls(
            q=normalise_term(values.get("q")),
            tier=tier if tier in ("A", "B", "C") else "",
            status=values.get("status", "")[:12],
            source=values.get("source", "")[:20],
            owner_id=id_param(values.get("owner")),
            team_id=id_param(values.get("team")),
            branch_id=id_param(values.get("branch")),
            sort=sort if sort in listing.SORTS else "updated",
            page=id_param(values.get("page")) or 1,
        )

    @property
    def term_kind(self) -> str:
        """What the search box holds: name, mobile, id_number, uscc, last4, partial_number (or none)."""
        return classify_search_term(self.q)[0] if self.q else "none"

    @property
    def looks_up_number(self) -> bool:
        """Counted by the per-user number-search limit: anything in the box that is not a name."""
        return self.term_kind not in ("name", "none")

    def without_number(self) -> CustomerFilters:
        """The same filters with a number search dropped (numbers are never searched from, or put in, a URL)."""
        return replace(self, q="") if self.looks_up_number else self

    def url_params(self, **override) -> dict:
        """The filters as URL parameters; personal numbers never go into a URL (security.md F3)."""
        params = {
            "q": self.q if self.term_kind == "name" else None,
            "tier": self.tier or None,
            "status": self.status or None,
            "source": self.source or None,
            "owner": self.owner_id,
            "team": self.team_id,
            "branch": self.branch_id,
            "sort": self.sort if self.sort != "updated" else None,
            "page": self.page if self.page > 1 else None,
        }
        params.update(override)
        return {k: v for k, v in params.items() if v not in (None, "")}


@dataclass
class SearchResult:
    rows: list[Customer]
    total: int
    capped: bool
    page: int
    per_page: int
    term_kind: str = "none"
    error: str | None = None
    filters: CustomerFilters = field(default_factory=CustomerFilters)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def _term_value(term: str) -> tuple[str | None, str | None, str | None]:
    """(term kind for the query, value to bind, error message) for a search box entry."""
    kind, value = classify_search_term(term)
    if kind == "name":
        return ("name", value, None) if value else (None, None, None)  # matched by name_keys.term_range
    if kind == "partial_number":
        message = _l("Search by the full mobile number, the full ID card number, or the last 4 digits of the mobile.")
        return kind, None, str(message)
    if kind in ("mobile", "id_number"):
        return kind, lookup_hash(kind, value), None
    return kind, value, None  # uscc, last4: stored as typed (normalised)


def search_customers(actor: User, filters: CustomerFilters, *, per_page: int = 50) -> SearchResult:
    """One page of the customers the actor may see, filtered and sorted, with a (capped) total."""
    term_kind, term, error = _term_value(filters.q)
    if error:
        return SearchResult([], 0, False, 1, per_page, term_kind, error, filters)
    shape, values = listing.shape_and_values(
        actor, term_kind=term_kind, term=term, tier=filters.tier, status=filters.status, source=filters.source,
        owner_id=filters.owner_id, team_id=filters.team_id, sort=filters.sort,
        branch_id=filters.branch_id if policies.sees_every_branch(actor) else None)
    values["cap"] = COUNT_CAP + 1
    page = min(max(filters.page, 1), -(-COUNT_CAP // per_page))  # pages beyond the capped total are not offered
    rows, found, page = _page_rows(shape, values, page, per_page)
    total, capped = min(found, COUNT_CAP), found > COUNT_CAP
    if term_kind in FULL_NUMBER_KINDS:
        _audit_number_search(actor, term_kind, filters.q, found)
    return SearchResult(rows, total, capped, page, per_page, term_kind or "none", None, filters)


def _page_rows(shape: listing.ListShape, values: dict, page: int, per_page: int) -> tuple[list, int, int]:
    """The rows of `page` (or of the last page, when `page` is past the end), the capped number of matches,
    and the page shown. A deep page counts first, then reads from the nearer end of the sort."""
    connection = db.session.connection()
    if (page - 1) * per_page < FROM_END_AFTER:
        rows = connection.execute(listing.page_statement(shape),
                                  {**values, "limit": per_page, "offset": (page - 1) * per_page}).all()
        if rows or page == 1:
            return rows, rows[0].total if rows else 0, page
    found = connection.execute(listing.count_statement(shape), values).scalar_one()
    shown = min(found, COUNT_CAP)
    page = min(page, max(1, -(-shown // per_page)))  # past the end (an old link, a shrunk result): the last page
    first, last = (page - 1) * per_page, min(page * per_page, shown)
    counted = shape._replace(with_total=False)
    if found > COUNT_CAP or first < found - last:
        rows = connection.execute(listing.page_statement(counted), {**values, "limit": per_page, "offset": first})
        return rows.all(), found, page
    rows = connection.execute(listing.page_statement(counted._replace(from_end=True)),
                              {**values, "limit": last - first, "offset": found - last}).all()
    return rows[::-1], found, page


def _audit_number_search(actor: User, kind: str, typed: str, hits: int) -> None:
    """Who looked which number up (masked), when, and how many customers it found (security.md G1)."""
    value = classify_search_term(typed)[1]
    audit.record(actor, "number_search", field=kind, term=mask(kind, value, 1), hits=hits)


def branch_choices() -> list:
    """(id, name) of every branch, by code: admin's branch filter."""
    return db.session.execute(select(Branch.id, Branch.name).order_by(Branch.code)).all()


def archived_customers(actor: User, *, limit: int = 200) -> list[Customer]:
    """The archived customers of the actor's scope, most recently archived first (for restoring)."""
    return list(db.session.scalars(
        customers_visible_to(actor, include_archived=True).where(Customer.archived_at.isnot(None))
        .options(joinedload(Customer.owner)).order_by(Customer.archived_at.desc()).limit(limit)))


# ---------------------------------------------------------------- the lobby's exact mobile look-up

LOOKUP_MESSAGES = {
    "empty": _l("Type the customer's mobile number."),
    "letters": _l("Only digits, please: type the customer's 11-digit mobile number."),
    "partial": _l("Type the full 11-digit mobile number (no partial numbers)."),
    "landline": _l("This is a landline or service number. Please type the customer's mobile number."),
    "foreign": _l("Only mainland China mobile numbers can be looked up."),
    "invalid": _l("This is not a valid mainland China mobile number."),
}


@dataclass(frozen=True)
class MobileLookup:
    """What typing a full mobile at the lobby found: a customer of the actor's branch, a number that belongs
    elsewhere (another branch, or archived: the lobby is told to ask a supervisor, nothing more), nothing,
    or input that is no full mainland mobile (`error`, nothing searched, nothing logged)."""

    customer: Customer | None = None
    elsewhere: bool = False
    error: str | None = None

    @property
    def searched(self) -> bool:
        return self.error is None


def _mobile_refusal(raw: str) -> str:
    """Why `raw` is no mainland mobile, as a LOOKUP_MESSAGES key (never the input itself)."""
    from app.core.validation import ValidationError, normalize_digits, parse_mobile

    text = normalise_term(raw)
    compact = normalize_digits(text)
    if not compact:
        return "empty"
    if any(ch.isalpha() for ch in compact):
        return "letters"
    try:
        parse_mobile(text)
    except ValidationError as exc:
        if exc.code == "mobile_not_mobile":
            return "landline"
        international = compact.startswith(("+", "00"))
        if international and not compact.startswith(("+86", "0086")):
            return "foreign"
        digits = compact.lstrip("+")
        if compact.startswith("0") and not international:
            return "landline"
        if len(digits) < 11:
            return "partial"
        return "invalid"
    return ""


def lookup_mobile(actor: User, raw: str | None) -> MobileLookup:
    """The lobby's look-up: a full mainland mobile only, matched exactly through the keyed hash (no browsing
    of the customer base); every look-up is audited like a full-number search (who, when, masked, hits)."""
    from app.core.validation import parse_mobile

    refusal = _mobile_refusal(raw or "")
    if refusal:
        return MobileLookup(error=str(LOOKUP_MESSAGES[refusal]))
    mobile = parse_mobile(normalise_term(raw))
    # Unscoped on purpose (numbers are unique bank-wide): the lobby must know the number is taken elsewhere,
    # and is told nothing else about it.
    customer = db.session.scalar(select(Customer).options(joinedload(Customer.owner))
                                 .where(Customer.mobile_hash == lookup_hash("mobile", mobile)))
    audit.record(actor, "number_search", field="mobile", term=mask("mobile", mobile, 1),
                 hits=1 if customer is not None else 0, via="lobby")
    if customer is None:
        return MobileLookup()
    if customer.archived or not policies.can_view_card(actor, customer):
        return MobileLookup(elsewhere=True)
    return MobileLookup(customer=customer)
