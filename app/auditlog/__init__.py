"""The audit log: who did what, when and from where, as sentences a compliance officer can read."""

from flask import Blueprint

bp = Blueprint("auditlog", __name__)

from app.auditlog import routes  # noqa: E402,F401
