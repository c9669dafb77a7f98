"""Internal referrals (内部引见): send, the status workflow, the inbox and its badge, credit both ways."""

from flask import Blueprint

bp = Blueprint("referrals", __name__)

from app.referrals import routes  # noqa: E402,F401
