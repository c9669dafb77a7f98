"""Follow-ups (回访/跟进): planned by hand, by the tier rhythm, after appointments, by `flask reminders run`
(birthdays, post-loan checks); worked from my day and the customer page."""

from flask import Blueprint

bp = Blueprint("followups", __name__)

from app.followups import routes  # noqa: E402,F401
