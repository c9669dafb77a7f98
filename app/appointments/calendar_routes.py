"""Calendar routes: the week or day view (htmx swaps its body), the subscription settings, and the feed itself,
which a phone calendar app fetches with the private token instead of a session."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from flask import Response, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from app.appointments import bp, ics
from app.appointments import feed as feeds
from app.appointments.calendar import build_calendar
from app.auth.decorators import public, roles_required
from app.core.extensions import db
from app.core.htmx import render
from app.models import User

CALENDAR_ROLES = ("manager", "supervisor")


def _current() -> User:
    return current_user._get_current_object()


# The path after /appointments/<id>/ of each action a calendar event offers.
EVENT_ACTION_PATHS = {"choose": "choose", "confirm": "confirm", "done": "done", "no_show": "no-show",
                      "reschedule": "reschedule", "cancel": "cancel"}


@bp.app_template_global()
def calendar_event_text(state: Mapping) -> dict:
    """What every calendar event repeats, resolved once per calendar: the CSRF token, the URL prefixes, the
    calendar's state (view, day, whose) as a query string for the action forms fetched on opening."""
    return {"csrf_token": generate_csrf(), "prefix": url_for("appointments.calendar"), "paths": EVENT_ACTION_PATHS,
            "customer_prefix": url_for("customers.show", customer_id=0)[:-1],
            "panel_prefix": url_for("appointments.panel", customer_id=0)[:-1], "state_query": urlencode(state)}


def calendar_page(user: User, state: Mapping, *, status: int = 200, kept=None) -> Response:
    """The calendar page, or its body for htmx (navigation and the actions sent from the calendar); `kept`: a
    refused action's forms open in place on its event, with what was typed."""
    cal = build_calendar(user, view=state.get("view"), day=state.get("day"), staff=state.get("staff"))
    return render("appointments/calendar.html", "appointments/_calendar_body.html", status=status, cal=cal,
                  kept=kept)


@bp.route("/")
@roles_required(*CALENDAR_ROLES)
def calendar():
    """The signed-in user's week (Monday first) or day; a supervisor's team or one colleague's."""
    return calendar_page(_current(), request.args)


def _feed_answer(user: User, new_feed_url: str | None = None) -> Response:
    """The subscription settings: the panel for htmx, else its own page (either shows a new URL this once)."""
    return render("appointments/feed.html", "appointments/_feed.html", feed=feeds.feed_of(user),
                  new_feed_url=new_feed_url)


@bp.route("/feed")
@roles_required(*CALENDAR_ROLES)
def feed_settings():
    """The subscription settings, fetched when the calendar's "subscribe" section is opened (rarely needed)."""
    return _feed_answer(_current())


@bp.route("/feed", methods=["POST"])
@roles_required(*CALENDAR_ROLES)
def create_feed():
    """Make (or replace) the user's private subscription URL and show it this once."""
    user = _current()
    token = feeds.create_feed(user)
    db.session.commit()
    flash(_("Your subscription URL is ready; copy it now, it is shown only once."), "success")
    return _feed_answer(user, url_for("appointments.feed", token=token, _external=True))


@bp.route("/feed/revoke", methods=["POST"])
@roles_required(*CALENDAR_ROLES)
def revoke_feed():
    """Delete the user's subscription: the old URL stops working at once."""
    user = _current()
    revoked = feeds.revoke_feed(user)
    db.session.commit()
    flash(_("The subscription URL no longer works.") if revoked else _("There was no subscription URL."), "success")
    return _feed_answer(user)


@bp.route("/feed/<token>.ics")
@public
def feed(token: str):
    """The subscription feed: the token is the credential (unknown or revoked: 404), no session needed."""
    found = feeds.subscriber_for(token)
    if found is None:
        abort(404)
    subscription, user = found
    feeds.note_use(subscription)
    response = Response(ics.feed_calendar(user.display_name, feeds.feed_appointments(user)),
                        mimetype="text/calendar")
    response.headers["Cache-Control"] = "private, no-store"
    return response
