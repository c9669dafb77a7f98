"""The one way a route gets a follow-up: 404 outside the user's branch or sight, 403 outside the policy."""

from __future__ import annotations

from flask import abort
from sqlalchemy.orm import joinedload

from app.core import policies
from app.core.extensions import db
from app.core.scoping import MAX_ID, in_branch_scope
from app.models import Customer, FollowUp, User

PURPOSES = {
    "view": (lambda user, follow_up: policies.can_view_follow_ups(user, follow_up.customer), 404),
    "act": (policies.can_act_on_follow_up, 403),
    "reassign": (lambda user, follow_up: policies.can_reassign_follow_ups(user)
                 and policies.can_act_on_follow_up(user, follow_up), 403),
}


def load_follow_up(user: User, follow_up_id: int, purpose: str) -> FollowUp:
    policy, refusal = PURPOSES[purpose]
    follow_up = None
    if 0 < follow_up_id <= MAX_ID:
        follow_up = db.session.get(FollowUp, follow_up_id, options=[
            joinedload(FollowUp.customer).joinedload(Customer.owner), joinedload(FollowUp.assignee)])
    if follow_up is None or not in_branch_scope(user, follow_up.branch_id) \
            or not policies.can_view_follow_ups(user, follow_up.customer):
        abort(404)
    if not policy(user, follow_up):
        abort(refusal)
    return follow_up
