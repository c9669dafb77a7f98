"""The one way a route gets a partner: 404 outside the user's scope, 403 outside the purpose's policy."""

from __future__ import annotations

from flask import abort
from sqlalchemy.orm import joinedload

from app.core import policies
from app.core.extensions import db
from app.core.scoping import MAX_ID, in_branch_scope
from app.models import Partner, User

PURPOSES = {
    "view": (policies.can_view_partner, 404),
    "edit": (policies.can_edit_partner, 403),
    "archive": (policies.can_archive_partner, 403),
}


def load_partner(user: User, partner_id: int, purpose: str) -> Partner:
    """The partner `user` may use for `purpose`, with its owner."""
    policy, refusal = PURPOSES[purpose]
    partner = None
    if 0 < partner_id <= MAX_ID:
        partner = db.session.get(Partner, partner_id, options=[joinedload(Partner.owner)])
    if partner is None or not in_branch_scope(user, partner.branch_id):
        abort(404)
    if not policy(user, partner):
        abort(refusal)
    return partner
