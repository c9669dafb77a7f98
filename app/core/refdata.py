"""Reference data kept per process for a few seconds: the branch's managers, staff and teams (list filters)
and the active tier rules (the suggestion on the customer page).

Every list page and customer page shows them, they change a few times a year, and reading them cost
a statement each per page. A change made in this process forgets them at once (after_flush below);
other worker processes see it when their copy expires (REFDATA_CACHE_SECONDS). Whatever saves an
owner, a team or a tier reads and checks the database instead.
"""

from __future__ import annotations

import time
from typing import NamedTuple

from flask import current_app
from sqlalchemy import event, false, select, true
from sqlalchemy.orm import Session

from app.core import worker_copies
from app.core.extensions import db
from app.core.scoping import branch_scope, owner_choices
from app.models import Team, TierRule, User


class Choice(NamedTuple):
    id: int
    name: str


class Rule(NamedTuple):
    tier: str
    metric: str
    threshold: int


_copies: dict[tuple, tuple[float, tuple]] = {}


def _cached(key: tuple, load, make) -> tuple:
    seconds = current_app.config["REFDATA_CACHE_SECONDS"]
    now = time.monotonic()
    hit = _copies.get(key)
    if hit is not None and now - hit[0] < seconds:
        return hit[1]
    value = tuple(make(*row) for row in load())
    if seconds > 0:
        _copies[key] = (now, value)
    return value


def managers(user: User) -> tuple[Choice, ...]:
    """The active managers `user` may pick as owners (scoping.eligible_owners), by name."""
    return _cached(("managers", *branch_scope(user)), lambda: db.session.execute(owner_choices(user)), Choice)


STAFF_ROLES = ("lobby", "manager", "supervisor")


def staff(user: User) -> tuple[Choice, ...]:
    """The staff of `user`'s branch (every branch's for those who see all), by name: the person filters."""
    scope, branch_id = branch_scope(user)
    condition = {"all": true(), "none": false()}.get(scope, User.branch_id == branch_id)
    return _cached(("staff", scope, branch_id), lambda: db.session.execute(
        select(User.id, User.display_name).where(condition, User.role.in_(STAFF_ROLES))
        .order_by(User.display_name, User.id)), Choice)


def teams(user: User) -> tuple[Choice, ...]:
    """The active teams of `user`'s branch, by name (none for users without a branch)."""
    scope, branch_id = branch_scope(user)
    if scope != "branch":
        return ()
    return _cached(("teams", branch_id), lambda: db.session.execute(
        select(Team.id, Team.name).where(Team.branch_id == branch_id, Team.active.is_(True)).order_by(Team.name)),
        Choice)


def tier_rules() -> tuple[Rule, ...]:
    """The active tier rules, for showing a suggestion (services.suggest_tier takes these or TierRule rows)."""
    return _cached(("tier_rules",), lambda: db.session.execute(
        select(TierRule.tier, TierRule.metric, TierRule.threshold).where(TierRule.active.is_(True))
        .order_by(TierRule.id)), Rule)


def forget() -> None:
    _copies.clear()


worker_copies.keep("reference data", forget)


@event.listens_for(Session, "after_flush")
def _forget_on_change(session: Session, _context) -> None:
    if any(isinstance(obj, (User, Team, TierRule)) for obj in (*session.new, *session.dirty, *session.deleted)):
        forget()  # this transaction reads its own change from now on
        session.info["refdata_changed"] = True


@event.listens_for(Session, "after_commit")
def _forget_on_commit(session: Session) -> None:
    # Again at commit: another thread may have reloaded the old rows between the flush and the commit.
    if session.info.pop("refdata_changed", False):
        forget()


@event.listens_for(Session, "after_rollback")
def _changes_rolled_back(session: Session) -> None:
    session.info.pop("refdata_changed", None)
