"""Customer operations: plain functions taking the acting user; they flush, the route commits."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, Text, and_, bindparam, cast, literal, null, or_, select, union_all

from app.core import audit, clock, policies, refdata
from app.core.extensions import db
from app.core.privacy import encrypt_pfi, lookup_hash, mask, mask_numbers_in_text
from app.core.scoping import customers_visible_to, eligible_owners
from app.core.validation import IdNumber, classify_search_term
from app.customers import listing
from app.models import (
    ASSET_BAND_RANK,
    Activity,
    AuditEvent,
    Customer,
    Tier,
    TierChange,
    TierRule,
    User,
)

COUNT_CAP = 10_000


class PolicyError(Exception):
    """The actor may not do this (routes turn it into 403)."""


def search_key(name: str) -> str:
    """The form of a name that prefix search compares: NFKC, lower case, no spaces."""
    return unicodedata.normalize("NFKC", name or "").lower().replace(" ", "")[:100]


# ---------------------------------------------------------------- writing a customer


@dataclass
class CustomerData:
    """Validated, normalised input from the customer form (an allowlist: nothing else is bound)."""

    kind: str
    name: str
    source: str
    status: str
    mobile: str | None = None
    id_number: IdNumber | None = None
    occupation: str | None = None
    area: str | None = None
    address: str | None = None
    income_band: str | None = None
    asset_band: str | None = None
    uscc: str | None = None
    industry: str | None = None
    contact_name: str | None = None
    turnover_band: str | None = None
    needs: str | None = None
    loan_need_amount: int | None = None
    products_held: int = 0
    marketing_consent: bool = False
    sensitive_consent: bool = False
    notes: str | None = None
    owner_id: int | None = None


# Plain fields copied from CustomerData; personal numbers and consent are handled on their own.
PLAIN_FIELDS = (
    "kind", "name", "source", "status", "occupation", "area", "address", "income_band", "asset_band",
    "uscc", "industry", "contact_name", "turnover_band", "needs", "loan_need_amount", "products_held", "notes",
)
# How each field is written into the audit log (personal values never in clear).
AUDIT_MASK = {"mobile": "mobile", "id_number": "id_number", "address": "address"}


def _audit_value(name: str, value: Any) -> Any:
    if value is None or value == "":
        return None
    kind = AUDIT_MASK.get(name)
    if kind:
        return mask(kind, value, 1)
    if name == "uscc":
        return mask("uscc", value, 1)
    if isinstance(value, str):
        return mask_numbers_in_text(value)  # a number typed into notes or needs is still PFI
    return value


@dataclass
class DuplicateMatch:
    field: str
    customer: Customer | None  # a record in the actor's branch, or None when it lives elsewhere

    @property
    def elsewhere(self) -> bool:
        return self.customer is None


def find_duplicates(
    actor: User,
    *,
    branch_id: int,
    mobile: str | None = None,
    id_number: str | None = None,
    uscc: str | None = None,
    exclude_id: int | None = None,
) -> list[DuplicateMatch]:
    """Customers sharing a mobile, ID number or credit code: same-branch records, or 'exists elsewhere'."""
    wanted: dict[str, tuple[Any, Any]] = {}
    if mobile:
        wanted["mobile"] = (Customer.mobile_hash, lookup_hash("mobile", mobile))
    if id_number:
        wanted["id_number"] = (Customer.id_number_hash, lookup_hash("id_number", id_number))
    if uscc:
        wanted["uscc"] = (Customer.uscc, uscc)
    if not wanted:
        return []
    # Deliberately unscoped: existence elsewhere must be known, but nothing about it is returned.
    stmt = select(Customer).where(or_(*(column == value for column, value in wanted.values())))
    if exclude_id is not None:
        stmt = stmt.where(Customer.id != exclude_id)
    candidates = db.session.scalars(stmt.limit(20)).all()
    matches: list[DuplicateMatch] = []
    for name, (column, value) in wanted.items():
        hits = [c for c in candidates if getattr(c, column.key) == value]
        if not hits:
            continue
        local = [c for c in hits if c.branch_id == branch_id]
        matches.append(DuplicateMatch(name, local[0] if local else None))
    return matches


class DuplicateCustomer(Exception):
    def __init__(self, matches: list[DuplicateMatch]):
        super().__init__("duplicate customer")
        self.matches = matches


def _set_personal_numbers(customer: Customer, data: CustomerData) -> None:
    customer.mobile_enc = encrypt_pfi("mobile", data.mobile)
    customer.mobile_hash = lookup_hash("mobile", data.mobile)
    customer.mobile_last4 = data.mobile[-4:] if data.mobile else None
    customer.mobile_masked = mask("mobile", data.mobile) if data.mobile else None
    number = data.id_number.number if data.id_number else None
    customer.id_number_enc = encrypt_pfi("id_number", number)
    customer.id_number_hash = lookup_hash("id_number", number)
    customer.birthday = data.id_number.birthday if data.id_number else None
    customer.gender = data.id_number.gender if data.id_number else None


def _set_consents(customer: Customer, data: CustomerData, actor: User) -> None:
    now = clock.now()
    if data.marketing_consent != customer.marketing_consent:
        customer.marketing_consent = data.marketing_consent
        customer.marketing_consent_at = now
        customer.marketing_consent_by_id = actor.id
    if data.sensitive_consent != customer.sensitive_consent:
        customer.sensitive_consent = data.sensitive_consent
        customer.sensitive_consent_at = now
        customer.sensitive_consent_by_id = actor.id


def _resolve_owner(actor: User, owner_id: int | None) -> int:
    """Managers own what they create; supervisors may name an active manager of their branch."""
    if actor.role != "supervisor" or owner_id is None:
        return actor.id
    owner = db.session.scalar(eligible_owners(actor).where(User.id == owner_id))
    if owner is None:
        raise PolicyError("owner outside the branch")
    return owner.id


def create_customer(actor: User, data: CustomerData) -> Customer:
    """Create a customer in the actor's branch; refuses duplicates."""
    if not policies.can_create_customer(actor):
        raise PolicyError("cannot create customers")
    matches = find_duplicates(
        actor, branch_id=actor.branch_id, mobile=data.mobile,
        id_number=data.id_number.number if data.id_number else None, uscc=data.uscc,
    )
    if matches:
        raise DuplicateCustomer(matches)
    now = clock.now()
    customer = Customer(branch_id=actor.branch_id, owner_id=_resolve_owner(actor, data.owner_id),
                        created_by_id=actor.id, updated_by_id=actor.id, created_at=now, updated_at=now)
    for name in PLAIN_FIELDS:
        setattr(customer, name, getattr(data, name))
    customer.name_search = search_key(data.name)
    _set_personal_numbers(customer, data)
    _set_consents(customer, data, actor)
    customer.tier = suggest_tier(customer, load_tier_rules())
    db.session.add(customer)
    db.session.flush()
    db.session.add(TierChange(customer_id=customer.id, from_tier=None, to_tier=customer.tier,
                              suggested_tier=customer.tier, reason="",  # shown as "suggested by the tier rules", in the reader's language
                              user_id=actor.id, at=now))
    fields = {name: _audit_value(name, getattr(data, name)) for name in PLAIN_FIELDS if getattr(data, name)}
    fields["mobile"] = _audit_value("mobile", data.mobile)
    fields["id_number"] = _audit_value("id_number", data.id_number.number if data.id_number else None)
    audit.record(actor, "customer_create", subject_type="customer", subject_id=customer.id,
                 customer_id=customer.id, branch_id=customer.branch_id,
                 fields={k: v for k, v in fields.items() if v is not None})
    return customer


@dataclass
class FieldDifference:
    field: str
    saved: Any  # what is in the database now (masked where personal)
    yours: Any  # what this user tried to save (masked where personal)


class EditConflict(Exception):
    """Someone else saved the customer since this user opened the form."""

    def __init__(self, customer: Customer, differences: list[FieldDifference]):
        super().__init__("edit conflict")
        self.customer = customer
        self.differences = differences


def _current_values(customer: Customer) -> dict[str, Any]:
    values = {name: getattr(customer, name) for name in PLAIN_FIELDS}
    values["mobile"] = customer.mobile
    values["id_number"] = customer.id_number
    values["marketing_consent"] = customer.marketing_consent
    values["sensitive_consent"] = customer.sensitive_consent
    return values


def _proposed_values(data: CustomerData) -> dict[str, Any]:
    values = {name: getattr(data, name) for name in PLAIN_FIELDS}
    values["mobile"] = data.mobile
    values["id_number"] = data.id_number.number if data.id_number else None
    values["marketing_consent"] = data.marketing_consent
    values["sensitive_consent"] = data.sensitive_consent
    return values


def _differences(customer: Customer, data: CustomerData) -> list[FieldDifference]:
    current, proposed = _current_values(customer), _proposed_values(data)
    return [
        FieldDifference(name, _audit_value(name, current[name]), _audit_value(name, proposed[name]))
        for name in proposed
        if (current[name] or None) != (proposed[name] or None)
    ]


def update_customer(actor: User, customer: Customer, data: CustomerData, *, expected_version: int) -> list[str]:
    """Save an edit made on version `expected_version`; returns the changed field names."""
    if not policies.can_edit_customer(actor, customer):
        raise PolicyError("cannot edit")
    if customer.version != expected_version:
        raise EditConflict(customer, _differences(customer, data))
    matches = find_duplicates(
        actor, branch_id=customer.branch_id, mobile=data.mobile,
        id_number=data.id_number.number if data.id_number else None, uscc=data.uscc, exclude_id=customer.id,
    )
    if matches:
        raise DuplicateCustomer(matches)
    differences = _differences(customer, data)
    # Supervisors may give the customer to another manager of the branch from the edit form.
    new_owner = None
    if data.owner_id is not None and data.owner_id != customer.owner_id:
        new_owner = _resolve_owner(actor, data.owner_id)
    if not differences and new_owner is None:
        return []
    for name in PLAIN_FIELDS:
        setattr(customer, name, getattr(data, name))
    customer.name_search = search_key(data.name)
    _set_personal_numbers(customer, data)
    _set_consents(customer, data, actor)
    customer.updated_at = clock.now()
    customer.updated_by_id = actor.id
    for diff in differences:
        audit.record(actor, "customer_update", subject_type="customer", subject_id=customer.id,
                     customer_id=customer.id, branch_id=customer.branch_id,
                     field=diff.field, old=diff.saved, new=diff.yours)
    changed = [d.field for d in differences]
    if new_owner is not None:
        audit.record(actor, "customer_reassign", subject_type="customer", subject_id=customer.id,
                     customer_id=customer.id, branch_id=customer.branch_id, old=customer.owner_id, new=new_owner)
        customer.owner_id = new_owner
        changed.append("owner_id")
    db.session.flush()  # version_id_col: a concurrent save between load and flush raises StaleDataError
    return changed


# ---------------------------------------------------------------- tiers


TIER_METRICS = ("assets", "loan_need", "products")


def load_tier_rules() -> list[TierRule]:
    return list(db.session.scalars(select(TierRule).where(TierRule.active.is_(True))))


def customer_metrics(customer: Customer) -> dict[str, int]:
    """The numbers tier rules compare: asset band rank, loan need in 万 yuan, products held."""
    return {
        "assets": ASSET_BAND_RANK.get(customer.asset_band or "", -1),
        "loan_need": (customer.loan_need_amount or 0) // 10_000,
        "products": customer.products_held or 0,
    }


def suggest_tier(customer: Customer, rules: Iterable[TierRule] | Iterable[refdata.Rule]) -> str:
    """A if any A rule holds, else B if any B rule holds, else C."""
    metrics = customer_metrics(customer)
    for tier in (Tier.A, Tier.B):
        for rule in rules:
            if rule.tier == tier and rule.metric in metrics and metrics[rule.metric] >= rule.threshold:
                return tier.value
    return Tier.C.value


def create_tier_rule(actor: User, *, tier: str, metric: str, threshold: int) -> TierRule:
    """Add a rule to the table that suggests tiers (admin only)."""
    if not policies.can_manage_tier_rules(actor):
        raise PolicyError("cannot manage tier rules")
    rule = TierRule(tier=tier, metric=metric, threshold=threshold)
    db.session.add(rule)
    db.session.flush()
    audit.record(actor, "tier_rule_create", subject_type="tier_rule", subject_id=rule.id, tier=tier, metric=metric,
                 threshold=threshold)
    return rule


def toggle_tier_rule(actor: User, rule: TierRule) -> None:
    """Switch a rule off or on; rules are kept, never deleted."""
    if not policies.can_manage_tier_rules(actor):
        raise PolicyError("cannot manage tier rules")
    rule.active = not rule.active
    audit.record(actor, "tier_rule_toggle", subject_type="tier_rule", subject_id=rule.id, active=rule.active)


def set_tier(actor: User, customer: Customer, tier: str, reason: str) -> TierChange:
    """Set or override the tier with a reason; the change is kept with who, when, from, to, why."""
    if not policies.can_set_tier(actor, customer):
        raise PolicyError("cannot set tier")
    change = TierChange(customer_id=customer.id, from_tier=customer.tier, to_tier=tier,
                        suggested_tier=suggest_tier(customer, load_tier_rules()), reason=reason.strip()[:300],
                        user_id=actor.id, at=clock.now())
    customer.tier = tier
    customer.updated_at = change.at
    customer.updated_by_id = actor.id
    db.session.add(change)
    audit.record(actor, "tier_change", subject_type="customer", subject_id=customer.id, customer_id=customer.id,
                 branch_id=customer.branch_id, old=change.from_tier, new=tier, reason=change.reason)
    db.session.flush()
    return change


# ---------------------------------------------------------------- activities, archive, reassign, reveal


def log_activity(actor: User, customer: Customer, *, kind: str, outcome: str | None, note: str | None,
                 at: datetime | None = None) -> Activity:
    if not policies.can_log_activity(actor, customer):
        raise PolicyError("cannot log activity")
    activity = Activity(customer_id=customer.id, branch_id=customer.branch_id, user_id=actor.id, kind=kind,
                        outcome=outcome or None, note=(note or "").strip() or None, at=at or clock.now())
    db.session.add(activity)
    db.session.flush()
    return activity


def archive_customer(actor: User, customer: Customer, reason: str) -> None:
    if not policies.can_archive(actor, customer):
        raise PolicyError("cannot archive")
    customer.archived_at = clock.now()
    customer.archived_by_id = actor.id
    audit.record(actor, "customer_archive", subject_type="customer", subject_id=customer.id,
                 customer_id=customer.id, branch_id=customer.branch_id, reason=reason.strip()[:300])
    db.session.flush()


def restore_customer(actor: User, customer: Customer) -> None:
    if not policies.can_restore(actor, customer):
        raise PolicyError("cannot restore")
    customer.archived_at = None
    customer.archived_by_id = None
    audit.record(actor, "customer_restore", subject_type="customer", subject_id=customer.id,
                 customer_id=customer.id, branch_id=customer.branch_id)
    db.session.flush()


def reassign_customers(actor: User, customer_ids: list[int], new_owner_id: int) -> list[Customer]:
    """Give one or many customers of the supervisor's branch to another manager of that branch."""
    if not policies.can_reassign(actor):
        raise PolicyError("cannot reassign")
    owner = db.session.scalar(eligible_owners(actor).where(User.id == new_owner_id))
    if owner is None:
        raise PolicyError("new owner outside the branch")
    customers = db.session.scalars(
        customers_visible_to(actor).where(Customer.id.in_(customer_ids[:500]))
    ).all()
    now = clock.now()
    moved = []
    for customer in customers:
        if customer.owner_id == owner.id:
            continue
        moved.append(customer)
        audit.record(actor, "customer_reassign", subject_type="customer", subject_id=customer.id,
                     customer_id=customer.id, branch_id=customer.branch_id,
                     old=customer.owner_id, new=owner.id)
        customer.owner_id = owner.id
        customer.updated_at = now
        customer.updated_by_id = actor.id
    db.session.flush()
    return moved


REVEALABLE = ("mobile", "id_number")


def reveal_value(actor: User, customer: Customer, field_name: str, reason: str) -> str | None:
    """Return a full personal number and audit who saw it and why."""
    if field_name not in REVEALABLE or not policies.can_reveal(actor, customer):
        raise PolicyError("cannot reveal")
    audit.record(actor, "reveal", subject_type="customer", subject_id=customer.id, customer_id=customer.id,
                 branch_id=customer.branch_id, field=field_name, reason=reason.strip()[:300])
    return getattr(customer, field_name)


def record_view(actor: User | audit.ActorSnapshot, customer_id: int, branch_id: int) -> None:
    """Audit one view of a customer page (security.md G1)."""
    audit.record_now(actor, "customer_view", subject_type="customer", subject_id=customer_id,
                 customer_id=customer_id, branch_id=branch_id)


# ---------------------------------------------------------------- search


@dataclass
class CustomerFilters:
    q: str = ""
    tier: str = ""
    status: str = ""
    source: str = ""
    owner_id: int | None = None
    team_id: int | None = None
    sort: str = "updated"
    page: int = 1


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


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _term_value(term: str) -> tuple[str | None, str | None, str | None]:
    """(term kind for the query, value to bind, error message) for a search box entry."""
    kind, value = classify_search_term(term)
    if kind == "name":
        return ("name", _escape_like(search_key(value)) + "%", None) if value else (None, None, None)
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
        owner_id=filters.owner_id, team_id=filters.team_id, sort=filters.sort)
    values["cap"] = COUNT_CAP + 1
    connection = db.session.connection()
    page = min(max(filters.page, 1), -(-COUNT_CAP // per_page))  # pages beyond the capped total are not offered
    rows = connection.execute(listing.page_statement(shape),
                              {**values, "limit": per_page, "offset": (page - 1) * per_page}).all()
    if rows:
        found = rows[0].total
    else:
        found = 0 if page == 1 else connection.execute(listing.count_statement(shape), values).scalar_one()
        last_page = max(1, -(-min(found, COUNT_CAP) // per_page))
        if page > last_page:  # past the end (an old link, a shrunk result): show the last page
            page = last_page
            rows = connection.execute(listing.page_statement(shape),
                                      {**values, "limit": per_page, "offset": (page - 1) * per_page}).all()
    total, capped = min(found, COUNT_CAP), found > COUNT_CAP
    return SearchResult(rows, total, capped, page, per_page, term_kind or "none", None, filters)


# ---------------------------------------------------------------- timeline

TIMELINE_ACTIONS = ("customer_create", "customer_update", "customer_archive", "customer_restore",
                    "customer_reassign")


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
              lambda t: t.c.action.in_(TIMELINE_ACTIONS), AuditItem.from_columns),
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
