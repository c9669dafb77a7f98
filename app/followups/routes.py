"""Follow-up routes: read the request, load, call a service, commit once, render the row, the panel or the badge."""

from __future__ import annotations

from flask import abort, flash, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from app.auth.decorators import roles_required
from app.auth.guard import safe_referrer
from app.core import clock
from app.core.extensions import db
from app.core.htmx import is_htmx_request, redirect_or_hx, render
from app.core.refusals import InvalidInput, put_on_form
from app.customers.loaders import load_customer
from app.followups import bp, presenters, services
from app.followups.forms import AddForm, CancelForm, CompleteForm, ReassignForm, SnoozeForm
from app.followups.loaders import load_follow_up
from app.followups.myday import due_count
from app.followups.panel import panel_context
from app.models import User

SALES = ("manager", "supervisor")
READERS = ("manager", "supervisor", "admin")
CHANGED = "follow-ups-changed"  # the event that makes the navigation count read itself again

ACTIONS = {
    "complete": (CompleteForm, "act", lambda u, f, form: services.complete(
        u, f, form.outcome.data, expected_version=form.expected_version)),
    "snooze": (SnoozeForm, "act", lambda u, f, form: services.snooze(
        u, f, form.until.data, expected_version=form.expected_version)),
    "cancel": (CancelForm, "act", lambda u, f, form: services.cancel(
        u, f, form.reason.data, expected_version=form.expected_version)),
    "reassign": (ReassignForm, "reassign", lambda u, f, form: services.reassign(
        u, f, form.assignee, expected_version=form.expected_version)),
}


# The free text each action's form carries: refused, it comes back in its field (numbers masked).
TYPED_FIELDS = {"complete": "outcome", "cancel": "reason"}

ACTION_STYLES = {"complete": "btn-success", "snooze": "btn-outline-secondary", "cancel": "btn-outline-danger",
                 "reassign": "btn-outline-primary"}


def _current() -> User:
    return current_user._get_current_object()


def _changed(response):
    response.headers["HX-Trigger"] = CHANGED
    return response


@bp.route("/badge")
@roles_required(*SALES)
def badge():
    """How many follow-ups the signed-in user has due today or overdue: one COUNT on every call (the navigation's
    badge, or ?slot=count: my day's own count)."""
    if request.args.get("slot") == "count":
        return render_template("home/_my_day_due_count.html", due_count=due_count(_current()))
    slot = "bar" if request.args.get("slot") == "bar" else "menu"
    return render_template("followups/_badge.html", due=due_count(_current()), slot=slot)


@bp.route("/customer/<int:customer_id>")
@roles_required(*READERS)
def panel(customer_id: int):
    """The customer's follow-ups and "add follow-up" (fragment on the customer page, or a page)."""
    user = _current()
    customer = load_customer(user, customer_id, "view")
    return render("followups/customer.html", "followups/_panel.html", **panel_context(user, customer))


@bp.route("/customer/<int:customer_id>", methods=["POST"])
@roles_required(*SALES)
def add(customer_id: int):
    """Plan a follow-up; a refused one comes back with the message at its field and nothing saved."""
    user = _current()
    customer = load_customer(user, customer_id, "follow_up")
    form = AddForm()
    status = 422
    if form.validate_on_submit():
        try:
            services.add_follow_up(user, customer, form.to_input())
        except InvalidInput as exc:
            put_on_form(exc, form)
        else:
            db.session.commit()
            flash(_("Follow-up planned."), "success")
            if not is_htmx_request():
                return redirect_or_hx(url_for("customers.show", customer_id=customer.id))
            form, status = None, 200
    response = render("followups/customer.html", "followups/_panel.html", status=status,
                      **panel_context(user, customer, form))
    return _changed(response) if status == 200 else response


@bp.app_template_global()
def follow_up_row_text() -> dict:
    """What every follow-up row prints besides its own data, resolved once per list instead of once per row."""
    return {"complete": _("Done"), "snooze": _("Snooze"), "cancel": _("Cancel"), "reassign": _("Give to a colleague"),
            "styles": ACTION_STYLES, "prefix": url_for("followups.show", follow_up_id=0)[:-1],
            "customer_prefix": url_for("customers.show", customer_id=0)[:-1],
            "csrf_token": generate_csrf()}


@bp.route("/<int:follow_up_id>")
@roles_required(*READERS)
def show(follow_up_id: int):
    """One follow-up as its row (opened in place from my day, or as a page without JavaScript); ?open=<action>
    answers it with that action's form open."""
    user = _current()
    follow_up = load_follow_up(user, follow_up_id, "view")
    row = presenters.opened(user, follow_up, clock.local_today())
    action = request.args.get("open")
    row.open_action = action if action in ACTIONS else None
    staff = [(s.id, s.display_name) for s in services.reassign_choices(user, follow_up)] if row.can_reassign else []
    return render("followups/show.html", "followups/_row.html", row=row, where=_where(), staff=staff)


def _where() -> str:
    return "panel" if request.values.get("where") == "panel" else "day"


def _first_error(form) -> str:
    return next(iter(form.errors.values()))[0] if form.errors else _("Please try again.")


@bp.route("/<int:follow_up_id>/<action>", methods=["POST"])
@roles_required(*SALES)
def act(follow_up_id: int, action: str):
    """Complete (outcome), snooze (later date), cancel (reason), reassign (supervisor); the row or panel answers."""
    form_class, purpose, service = ACTIONS.get(action) or abort(404)
    user = _current()
    follow_up = load_follow_up(user, follow_up_id, purpose)
    form = form_class()
    valid = form.validate_on_submit()
    typed = form[TYPED_FIELDS[action]].data if action in TYPED_FIELDS else None  # read after validation: masked
    if not valid:
        return _answer(user, follow_up_id, status=422, action=action, error=_first_error(form), typed=typed)
    try:
        result = service(user, follow_up, form)
    except services.ChangedMeanwhile:
        db.session.rollback()
        return _answer(user, follow_up_id, status=409, error=str(services.CHANGED_MEANWHILE))
    except InvalidInput as exc:
        db.session.rollback()
        return _answer(user, follow_up_id, status=422, action=action, error=str(next(iter(exc.errors.values()))),
                       typed=typed)
    db.session.commit()
    return _answer(user, follow_up_id, notice=_done_notice(action, result))


def _done_notice(action: str, result) -> str | None:
    """What a completed return visit planned next, said where the user is looking."""
    if action == "complete" and result is not None:
        return _("Next return visit planned for %(day)s.", day=result.due_on.isoformat())
    return None


def _answer(user: User, follow_up_id: int, *, status: int = 200, action=None, error=None, notice=None,
            typed=None):
    """htmx: the row (my day) or the customer's panel; without JavaScript: back where the user was, or, refused,
    the customer's follow-ups page with the message and what was typed in the row."""
    db.session.expire_all()
    follow_up = load_follow_up(user, follow_up_id, "view")
    if not is_htmx_request() and error is None:
        flash(notice or _("Saved."), "success")
        return redirect_or_hx(safe_referrer() or url_for("home.manager"))
    if _where() == "panel" or not is_htmx_request():
        context = panel_context(user, follow_up.customer)
        row = next((r for r in context["pending"] if r.id == follow_up_id), None)
        if row is not None:  # the message sits in the row the user acted on
            row.error, row.open_action, row.typed = error, action, typed
        context.update(error=error if row is None else None, notice=notice)
        response = render("followups/customer.html", "followups/_panel.html", status=status, **context)
    else:
        row = presenters.row_for(user, follow_up, clock.local_today())
        row.error, row.open_action, row.typed = error, action, typed
        response = make_response(render_template("followups/_row.html", row=row, where="day", row_notice=notice),
                                 status)
        response.vary.add("HX-Request")
    return _changed(response) if status == 200 else response
