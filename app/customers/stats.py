"""Small counts for the home pages, always through the user's scope."""

from __future__ import annotations

from sqlalchemy import func, select

from app.core.extensions import db
from app.core.scoping import customers_visible_to
from app.models import Customer, User


def tier_counts(user: User, *, owner: User | None = None) -> dict[str, int]:
    """Customers per tier that the user may see (optionally only one owner's)."""
    stmt = customers_visible_to(user)
    if owner is not None:
        stmt = stmt.where(Customer.owner_id == owner.id)
    sub = stmt.with_only_columns(Customer.tier).subquery()
    rows = db.session.execute(select(sub.c.tier, func.count()).group_by(sub.c.tier)).all()
    counts = {"A": 0, "B": 0, "C": 0}
    counts.update({tier: n for tier, n in rows})
    return counts


def owner_counts(user: User) -> list[tuple[User, int]]:
    """Customers per owner in the user's scope, largest first."""
    sub = customers_visible_to(user).with_only_columns(Customer.owner_id).subquery()
    rows = db.session.execute(
        select(User, func.count()).join(sub, sub.c.owner_id == User.id).group_by(User.id)
        .order_by(func.count().desc())
    ).all()
    return [(u, n) for u, n in rows]
