"""Customers: the record, search, duplicates, tiers, timeline, reveal, archive and audit."""

from flask import Blueprint

bp = Blueprint("customers", __name__)

from app.customers import routes  # noqa: E402,F401
