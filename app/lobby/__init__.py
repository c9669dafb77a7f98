"""The lobby (大堂): the mobile look-up and walk-in log, the hand-off to a specialist, the live queue and its
TV screen, priority-customer alerts, and the walk-in numbers."""

from flask import Blueprint

bp = Blueprint("lobby", __name__)

from app.lobby import routes  # noqa: E402,F401
