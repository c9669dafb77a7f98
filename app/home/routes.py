"""Role home pages: my day, the team board (the lobby's home is app/lobby: lobby.index)."""

from __future__ import annotations

from flask import abort, redirect, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import text

from app.auth.decorators import any_signed_in, public, roles_required
from app.core import clock
from app.core.extensions import db
from app.core.htmx import is_htmx_request, render
from app.customers.stats import owner_counts, tier_counts
from app.followups.myday import follow_ups_section, parse_cursor, referrals_section, todays_items
from app.home import bp, home_url_for
from app.lobby import presence
from app.referrals.forms import ActionForm as ReferralActionForm


@bp.route("/")
@any_signed_in
def index():
    """Send each user to their role's home page."""
    return redirect(home_url_for(current_user))


@bp.route("/my-day")
@roles_required("manager", "supervisor")
def manager():
    """My day: home of account managers (supervisors may open theirs too). The page is the frame and the
    customer counts; its three sections load on their own (below), each also a page without JavaScript."""
    user = current_user._get_current_object()
    return render("home/manager.html", today=clock.local_today(), my_tiers=tier_counts(user, owner=user),
                  presence=presence.roster(user), presence_back="my_day")


def _section(partial: str, title: str, **context):
    """A section of my day: the fragment for htmx, else a page of its own."""
    return render("home/my_day_section.html", partial, section=partial, title=title, **context)


@bp.route("/my-day/follow-ups")
@roles_required("manager", "supervisor")
def my_follow_ups():
    """The follow-ups due today and overdue, FOLLOW_UPS_SHOWN at a time after ?after_due=&after_id= (the last
    row shown: "show more" appends)."""
    try:
        after = parse_cursor(request.args.get("after_due"), request.args.get("after_id"))
    except ValueError:
        abort(400)
    due = follow_ups_section(current_user._get_current_object(), after)
    partial = "home/_my_day_follow_ups.html" if after and is_htmx_request() else "home/_my_day_follow_ups_section.html"
    return _section(partial, _("Follow-ups due"), due=due)


@bp.route("/my-day/appointments")
@roles_required("manager", "supervisor")
def my_appointments():
    """Today's appointments, each with its actions fetched when opened."""
    return _section("home/_my_day_appointments.html", _("Today's appointments"),
                    appointments=todays_items(current_user._get_current_object()))


@bp.route("/my-day/referrals")
@roles_required("manager", "supervisor")
def my_referrals():
    """The referrals waiting for me, most urgent first."""
    return _section("home/_my_day_referrals.html", _("Referrals waiting for me"),
                    referrals=referrals_section(current_user._get_current_object()),
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
