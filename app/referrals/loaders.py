"""The one way a route gets a referral: 404 for anyone who is neither party, the branch's supervisor nor admin."""

from __future__ import annotations

from flask import abort

from app.core import policies
from app.core.extensions import db
from app.core.scoping import MAX_ID
from app.customers.loaders import load_customer
from app.models import Customer, Referral, User


def load_referral(user: User, referral_id: int) -> Referral:
    referral = db.session.get(Referral, referral_id) if 0 < referral_id <= MAX_ID else None
    if referral is None or not policies.can_see_referral(user, referral):
        abort(404)
    return referral


def load_customer_to_refer(user: User, customer_id: int) -> Customer:
    """The customer as its summary card loads it (404 outside the branch), then may the user refer it (403)."""
    customer = load_customer(user, customer_id, "card")
    if not policies.can_send_referral(user, customer):
        abort(403)
    return customer
