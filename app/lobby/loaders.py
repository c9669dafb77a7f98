"""The one way a route gets a walk-in, an alert or a colleague: 404 outside the user's branch, 403 outside the
policy."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort
from sqlalchemy.orm import joinedload

from app.core import policies
from app.core.extensions import db
from app.core.scoping import MAX_ID, in_own_branch
from app.models import User, WalkIn, WalkInAlert


def load_walk_in(user: User, walk_in_id: int, policy: Callable[[User, WalkIn], bool] | None = None) -> WalkIn:
    """The walk-in if the user's branch holds it (else 404), and `policy` allows it (else 403)."""
    walk_in = None
    if 0 < walk_in_id <= MAX_ID:
        walk_in = db.session.get(WalkIn, walk_in_id, options=[joinedload(WalkIn.customer)])
    if walk_in is None or not policies.can_see_walk_in(user, walk_in):
        abort(404)
    if policy is not None and not policy(user, walk_in):
        abort(403)
    return walk_in


def load_alert(user: User, alert_id: int) -> WalkInAlert:
    """One's own alert; anyone else's does not exist (404)."""
    alert = db.session.get(WalkInAlert, alert_id) if 0 < alert_id <= MAX_ID else None
    if alert is None or alert.user_id != user.id:
        abort(404)
    return alert


def load_staff(user: User, staff_id: int, policy: Callable[[User, User], bool]) -> User:
    """A staff member of the user's branch (else 404) whom `policy` lets the user act on (else 403)."""
    staff = db.session.get(User, staff_id) if 0 < staff_id <= MAX_ID else None
    if staff is None or not in_own_branch(user, staff.branch_id):
        abort(404)
    if not policy(user, staff):
        abort(403)
    return staff
