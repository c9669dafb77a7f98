"""Administration: branches, teams, staff accounts (and later tier rules, cadences, products)."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from app.admin import routes  # noqa: E402,F401
