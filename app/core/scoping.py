"""Queries scoped to what a user may see; every list and loader starts here (security.md A2, A3)."""

from __future__ import annotations

from sqlalchemy import Select, false, select, true

from app.models import AuditEvent, Customer, User

MAX_ID = 2**31 - 1  # integer primary keys


def in_own_branch(user: User, branch_id: int | None) -> bool:
    """The branch rule: staff of a branch work on that branch's records; no branch, no records."""
    return user.branch_id is not None and branch_id == user.branch_id


def in_branch_scope(user: User, branch_id: int | None) -> bool:
    """The branch rule as every reader applies it: admin sees every branch."""
    return user.role == "admin" or in_own_branch(user, branch_id)


def branch_scope(user: User) -> tuple[str, int | None]:
    """in_branch_scope for prebuilt statements that bind the branch as a value: ("all", None) for admin,
    ("branch", id) for staff of a branch, ("none", None) for anyone else."""
    if user.role == "admin":
        return "all", None
    if user.branch_id is None:
        return "none", None
    return "branch", user.branch_id


def branch_predicate(user: User, column):
    """in_branch_scope as a SQL condition on a branch column."""
    scope, branch_id = branch_scope(user)
    if scope == "all":
        return true()
    if scope == "none":
        return false()
    return column == branch_id


def customers_visible_to(user: User, *, include_archived: bool = False) -> Select[tuple[Customer]]:
    """Customers the user may see in lists and search."""
    stmt = select(Customer).where(branch_predicate(user, Customer.branch_id))
    if not include_archived:
        stmt = stmt.where(Customer.archived_at.is_(None))
    return stmt


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
