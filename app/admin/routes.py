"""Admin pages."""

from __future__ import annotations

from app.admin import bp
from app.auth.decorators import roles_required
from app.htmx import render


@bp.route("/")
@roles_required("admin")
def index():
    """The administrator's home."""
    return render("admin/index.html")
