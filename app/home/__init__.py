"""Each role's home page, the root redirect and the health check."""

from flask import Blueprint, url_for

bp = Blueprint("home", __name__)

HOME_ENDPOINTS = {
    "lobby": "lobby.index",
    "manager": "home.manager",
    "supervisor": "home.supervisor",
    "admin": "admin.index",
}


def home_url_for(user) -> str:
    """Where a user lands after signing in."""
    return url_for(HOME_ENDPOINTS.get(user.role, "auth.login"))


from app.home import routes  # noqa: E402,F401
