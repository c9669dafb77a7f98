"""Queries scoped to what a user may see; every list and loader starts here (security.md A2, A3)."""

from __future__ import annotations

from flask import abort
from sqlalchemy import Select, bindparam, select, true
from sqlalchemy.orm import joinedload

from app.core.extensions import db
from app.models import AuditEvent, Customer, User

MAX_ID = 2**31 - 1  # integer primary keys


def branch_scope(user: User) -> tuple[str, int | None]:
    """("all", None) for admin, ("branch", id) for staff of a branch, ("none", None) for anyone else;
    for prebuilt statements that bind the branch as a value (see branch_predicate for built ones)."""
    if user.role == "admin":
        return "all", None
    if user.branch_id is None:
        return "none", None
    return "branch", user.branch_id


def branch_predicate(user: User, column):
    """Admin sees every branch; everyone else only their own (no branch: nothing)."""
    if user.role == "admin":
        return true()
    if user.branch_id is None:
        return column.is_(None) & column.isnot(None)
    return column == user.branch_id


def customers_visible_to(user: User, *, include_archived: bool = False) -> Select[tuple[Customer]]:
    """Customers the user may see in lists and search."""
    stmt = select(Customer).where(branch_predicate(user, Customer.branch_id))
    if not include_archived:
        stmt = stmt.where(Customer.archived_at.is_(None))
    return stmt


def in_branch_scope(user: User, branch_id: int | None) -> bool:
    """branch_predicate for a row already loaded."""
    if user.role == "admin":
        return True
    return user.branch_id is not None and branch_id == user.branch_id


# Built once. The owner comes along: every customer view shows who it is (else a lazy load, a second
# query). A many-to-one join repeats no rows, so the result needs no unique().
_CUSTOMER_BY_ID = (select(Customer).options(joinedload(Customer.owner))
                   .where(Customer.id == bindparam("customer_id")))


def get_customer_or_404(user: User, customer_id: int, *, include_archived: bool = True) -> Customer:
    """Load a customer the user may see; anything else is indistinguishable from 'does not exist'.
    By primary key (one prebuilt statement), then the same scope as customers_visible_to."""
    if not 0 < customer_id <= MAX_ID:
        abort(404)  # no row can have it (and PostgreSQL would reject the number outright)
    customer = db.session.execute(_CUSTOMER_BY_ID, {"customer_id": customer_id}).scalar_one_or_none()
    if customer is None or not in_branch_scope(user, customer.branch_id) \
            or (customer.archived_at is not None and not include_archived):
        abort(404)
    return customer


def audit_events_visible_to(user: User) -> Select[tuple[AuditEvent]]:
    return select(AuditEvent).where(branch_predicate(user, AuditEvent.branch_id))


def staff_visible_to(user: User) -> Select[tuple[User]]:
    return select(User).where(branch_predicate(user, User.branch_id))


def eligible_owners(user: User) -> Select[tuple[User]]:
    """Active account managers the user may give customers to (the owner picker, create, reassign)."""
    return staff_visible_to(user).where(User.role == "manager", User.active.is_(True))


def owner_choices(user: User) -> Select:
    """(id, display_name) of eligible_owners, by name: the owner pickers' rows."""
    return eligible_owners(user).with_only_columns(User.id, User.display_name).order_by(User.display_name)
