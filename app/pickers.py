"""The branch's managers and teams for list filters, kept per process for a few seconds.

Every customer list page shows them, they change a few times a year, and reading them cost two of the
page's statements. A change made in this process forgets them at once (after_flush below); other worker
processes see it when their copy expires (PICKER_CACHE_SECONDS). Forms that save an owner or team do
not use this: they read and check the database.
"""

from __future__ import annotations

import time
from typing import NamedTuple

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Team, User
from app.scoping import branch_scope, eligible_owners


class Choice(NamedTuple):
    id: int
    name: str


_copies: dict[tuple, tuple[float, tuple[Choice, ...]]] = {}


def _cached(key: tuple, load) -> tuple[Choice, ...]:
    seconds = current_app.config["PICKER_CACHE_SECONDS"]
    now = time.monotonic()
    hit = _copies.get(key)
    if hit is not None and now - hit[0] < seconds:
        return hit[1]
    value = tuple(Choice(*row) for row in load())
    if seconds > 0:
        _copies[key] = (now, value)
    return value


def managers(user: User) -> tuple[Choice, ...]:
    """The active managers `user` may pick as owners (scoping.eligible_owners), by name."""
    return _cached(("managers", *branch_scope(user)), lambda: db.session.execute(
        eligible_owners(user).with_only_columns(User.id, User.display_name).order_by(User.display_name)))


def teams(user: User) -> tuple[Choice, ...]:
    """The active teams of `user`'s branch, by name (none for users without a branch)."""
    scope, branch_id = branch_scope(user)
    if scope != "branch":
        return ()
    return _cached(("teams", branch_id), lambda: db.session.execute(
        select(Team.id, Team.name).where(Team.branch_id == branch_id, Team.active.is_(True)).order_by(Team.name)))


def forget() -> None:
    _copies.clear()


@event.listens_for(Session, "after_flush")
def _forget_on_staff_change(session: Session, _context) -> None:
    if _copies and any(isinstance(obj, (User, Team)) for obj in (*session.new, *session.dirty, *session.deleted)):
        forget()
