"""Role home pages; later issues fill them (lobby queue, my day, team board)."""

from __future__ import annotations

from flask import abort, make_response, redirect, render_template, request
from flask_login import current_user
from sqlalchemy import text

from app.auth.decorators import any_signed_in, public, roles_required
from app.core.extensions import db
from app.core.htmx import is_htmx_request, render
from app.customers.stats import owner_counts, tier_counts
from app.followups.myday import follow_up_page, my_day
from app.followups.rhythm import local_today
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


MAX_START = 100_000  # no day holds more; a larger offset is a typo or a probe


@bp.route("/my-day/follow-ups")
@roles_required("manager", "supervisor")
def more_follow_ups():
    """The next due follow-ups of my day ("show more"); without JavaScript, my day itself."""
    user = current_user._get_current_object()
    if not is_htmx_request():
        return manager()
    start = request.args.get("from", type=int) or 0
    if not 0 <= start <= MAX_START:
        abort(400)
    response = make_response(render_template("home/_my_day_follow_ups.html",
                                             page=follow_up_page(user, local_today(), start)))
    response.vary.add("HX-Request")
    return response


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
