"""Sign-in, sign-out, re-authentication and the user's own account."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from app.auth import routes  # noqa: E402,F401
