"""The one way a route gets a customer: 404 outside the user's scope, 403 outside the purpose's policy."""

from __future__ import annotations

from flask import abort
from sqlalchemy.orm import joinedload

from app.core import policies
from app.core.extensions import db
from app.core.scoping import MAX_ID, in_branch_scope
from app.models import Customer, User

# purpose -> (the policy it needs, the answer when the policy says no). Seeing is 404 (a record one may not
# see does not exist for them); acting on a record one may see is 403.
PURPOSES = {
    "view": (policies.can_view_customer, 404),
    "card": (policies.can_view_card, 404),
    "edit": (policies.can_edit_customer, 403),
    "log_activity": (policies.can_log_activity, 403),
    "set_tier": (policies.can_set_tier, 403),
    "archive": (policies.can_archive, 403),
    "restore": (policies.can_restore, 403),
    "reveal": (policies.can_reveal, 403),
    "book": (policies.can_book_appointment, 403),
    "follow_up": (policies.can_add_follow_up, 403),
}


def load_customer(user: User, customer_id: int, purpose: str) -> Customer:
    """The customer `user` may use for `purpose`, with its owner; archived customers have no card."""
    policy, refusal = PURPOSES[purpose]
    customer = None
    if 0 < customer_id <= MAX_ID:  # no row can have another id (PostgreSQL would reject the number outright)
        # The shares come in the same statement: the policies of a colleague's customer read them; a booking's
        # answer names the branch in its message.
        options = [joinedload(Customer.owner), joinedload(Customer.shares)]
        customer = db.session.get(Customer, customer_id,
                                  options=options + [joinedload(Customer.branch)] if purpose == "book" else options)
    if customer is None or not in_branch_scope(user, customer.branch_id) \
            or (purpose == "card" and customer.archived):
        abort(404)
    if not policy(user, customer):
        abort(refusal)
    return customer
