"""Role home pages; later issues fill them (lobby queue, my day, team board)."""

from __future__ import annotations

from flask import redirect
from flask_login import current_user
from sqlalchemy import text

from app.auth.decorators import any_signed_in, public, roles_required
from app.core.extensions import db
from app.core.htmx import render
from app.customers.stats import owner_counts, tier_counts
from app.followups.myday import my_day
from app.home import bp, home_url_for
from app.referrals.forms import ActionForm as ReferralActionForm


@bp.route("/")
@any_signed_in
def index():
    """Send each user to their role's home page."""
    return redirect(home_url_for(current_user))


@bp.route("/lobby")
@roles_required("lobby")
def lobby():
    """Home of lobby staff."""
    return render("home/lobby.html")


@bp.route("/my-day")
@roles_required("manager", "supervisor")
def manager():
    """My day: home of account managers (supervisors may open theirs too): appointments, follow-ups, referrals."""
    user = current_user._get_current_object()
    return render("home/manager.html", day=my_day(user), my_tiers=tier_counts(user, owner=user),
                  referral_form=ReferralActionForm(formdata=None))


@bp.route("/team")
@roles_required("supervisor")
def supervisor():
    """Home of supervisors and branch heads."""
    user = current_user._get_current_object()
    return render("home/supervisor.html", tiers=tier_counts(user), owners=owner_counts(user))


@bp.route("/healthz")
@public
def healthz():
    """Liveness and database check for the load balancer."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
