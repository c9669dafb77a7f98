"""Referral routes: read the request, load with the loaders, call a service, commit once, render."""

from __future__ import annotations

from flask import abort, current_app, flash, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from app.auth.decorators import roles_required
from app.auth.guard import safe_referrer
from app.core import clock, policies
from app.core.extensions import db
from app.core.htmx import is_htmx_request, redirect_or_hx, render
from app.core.refusals import InvalidInput, put_on_form
from app.core.validation import day_param
from app.models import NEED_LABELS, REFERRAL_STATUS_LABELS, User
from app.referrals import bp, credit, inbox, presenters, sending, workflow
from app.referrals.credit_views import credit_tables
from app.referrals.forms import ActionForm, SendForm
from app.referrals.loaders import load_customer_to_refer, load_referral
from app.referrals.transitions import TRANSITIONS

STAFF = ("lobby", "manager", "supervisor", "admin")
SENDERS = ("lobby", "manager", "supervisor")
CHANGED = "referrals-changed"  # the event that makes the badge read its count again


def _current() -> User:
    return current_user._get_current_object()


def _changed(response):
    response.headers["HX-Trigger"] = CHANGED
    return response


# ---------------------------------------------------------------- inbox and badge


@bp.app_template_global()
def referral_row_text() -> dict:
    """What every inbox row prints besides its own data, resolved once per list instead of once per row."""
    return {"other_branch": _("Customer of another branch"), "overdue": _("Overdue"), "accept": _("Accept"),
            "contact": _("Mark contacted"), "withdraw": _("Withdraw"), "decline": _("Decline"),
            "convert": _("Record the sale"), "close": _("Close without sale"), "reassign": _("Reassign"),
            "between": _("%(sender)s → %(recipient)s"), "sent": _("sent %(when)s"),
            "accept_by": _("accept by %(when)s"), "accepted_by": _("accepted by %(name)s"), "prefix": url_for("referrals.index"), "csrf_token": generate_csrf()}


def _inbox_context(user: User, filters: inbox.InboxFilters) -> dict:
    result = inbox.inbox(user, filters)
    page_url = lambda page: url_for("referrals.index", **filters.url_params(page=page))  # noqa: E731
    return {"filters": filters, "rows": presenters.present(user, result.rows), "result": result,
            "tabs": inbox.tabs_for(user), "people": inbox.people_choices(user) if not is_htmx_request() else (),
            "needs": NEED_LABELS, "statuses": REFERRAL_STATUS_LABELS,
            "prev_url": page_url(result.page - 1) if result.has_prev else "",
            "next_url": page_url(result.page + 1) if result.has_next else "",
            "tab_url": lambda tab: url_for("referrals.index", tab=tab), "reassign_to": _reassign_choices(user),
            "date_errors_oob": is_htmx_request()}


def _reassign_choices(user: User) -> list:
    """The colleagues a supervisor may give a waiting referral to."""
    return sending.colleagues_for(user, user.branch_id, None) if user.role == "supervisor" else []


@bp.route("/")
@roles_required(*STAFF)
def index():
    """The inbox: to me, from me, the whole branch; overdue first; the list fragment for htmx filters."""
    user = _current()
    filters = inbox.InboxFilters.from_values(user, request.args)
    return render("referrals/index.html", "referrals/_list.html", **_inbox_context(user, filters))


@bp.route("/badge")
@roles_required(*STAFF)
def badge():
    """How many referrals wait for the signed-in user: counted on every call, never cached."""
    slot = "bar" if request.args.get("slot") == "bar" else "menu"  # the phone's copy beside the toggler
    return render_template("referrals/_badge.html", waiting=inbox.waiting_count(_current()), slot=slot)


@bp.route("/<int:referral_id>")
@roles_required(*STAFF)
def show(referral_id: int):
    """One referral, as its inbox row (what a timeline or a no-JS refusal links to); `?open=convert` opens the
    form of an action that asks for details (the inbox fetches it when the user opens it)."""
    user = _current()
    referral = load_referral(user, referral_id)
    row = presenters.present(user, [inbox.one_row(user, referral.id)])[0]
    row.open_action = request.args.get("open") if request.args.get("open") in row.actions else None
    return render("referrals/show.html", "referrals/_row.html", row=row, form=ActionForm(formdata=None),
                  reassign_to=_reassign_choices(user))


# ---------------------------------------------------------------- status changes


def _row_response(user: User, referral_id: int, *, status: int = 200, errors=None, action=None, form=None):
    row = presenters.present(user, [inbox.one_row(user, referral_id)])[0]
    row.open_action = action
    presenters.put_errors(row, errors or {}, TRANSITIONS[action].needs if action else ())
    response = make_response(render_template("referrals/_row.html", row=row, form=form or ActionForm(formdata=None),
                                             reassign_to=_reassign_choices(user)), status)
    response.vary.add("HX-Request")
    return _changed(response)


@bp.route("/<int:referral_id>/<action>", methods=["POST"])
@roles_required(*STAFF)
def act(referral_id: int, action: str):
    """Accept, decline, withdraw, mark contacted, convert, close or reassign; the row replaces itself."""
    if action not in TRANSITIONS:
        abort(404)
    user = _current()
    referral = load_referral(user, referral_id)
    form = ActionForm()
    try:
        workflow.act(user, referral, action, expected_version=form.expected_version, given=form.to_input())
    except workflow.ChangedMeanwhile:
        return _refused(user, referral_id, 409, {None: workflow.CHANGED_MEANWHILE}, None, None)
    except InvalidInput as exc:
        db.session.rollback()
        return _refused(user, referral_id, 422, exc.errors, action, form)
    db.session.commit()
    if is_htmx_request():
        return _row_response(user, referral_id)
    flash(_("Referral updated: %(status)s.", status=REFERRAL_STATUS_LABELS[referral.status]), "success")
    return redirect_or_hx(safe_referrer() or url_for("referrals.index"))


def _refused(user: User, referral_id: int, status: int, errors: dict, action, form):
    db.session.expire_all()
    if is_htmx_request():
        return _row_response(user, referral_id, status=status, errors=errors, action=action, form=form)
    flash(" ".join(str(message) for message in errors.values()), "warning")
    return redirect_or_hx(url_for("referrals.show", referral_id=referral_id))


# ---------------------------------------------------------------- sending


def _send_context(user: User, customer, form: SendForm, *, sent=None) -> dict:
    colleagues = sending.colleagues_for(user, customer.branch_id, form.need.data)
    form.offer(colleagues)
    return {"customer": customer, "form": form, "colleagues": colleagues, "sent": sent,
            "full": policies.sees_full_record(user, customer),
            "specialty": sending.suggested_specialty(form.need.data)}


@bp.route("/new/<int:customer_id>", methods=["GET"])
@roles_required(*SENDERS)
def new(customer_id: int):
    """The send form: the customer page's panel (htmx), or its own page; ?need= reorders the colleagues."""
    user = _current()
    customer = load_customer_to_refer(user, customer_id)
    form = SendForm(formdata=request.args if request.args.get("need") else None)
    return render("referrals/new.html", "referrals/_send_panel.html", **_send_context(user, customer, form))


@bp.route("/new/<int:customer_id>", methods=["POST"], endpoint="send")
@roles_required(*SENDERS)
def send(customer_id: int):
    """Send the referral; a refused one comes back with the message at its field and nothing saved."""
    user = _current()
    customer = load_customer_to_refer(user, customer_id)
    form = SendForm()
    if form.validate_on_submit():
        try:
            referral = sending.send_referral(user, customer, recipient_id=form.recipient_id.data,
                                             need=form.need.data, note=form.note.data)
        except InvalidInput as exc:
            put_on_form(exc, form)
        else:
            db.session.commit()
            return _sent(user, customer, referral)
    return render("referrals/new.html", "referrals/_send_panel.html", status=422,
                  **_send_context(user, customer, form))


def _sent(user: User, customer, referral):
    message = _("Referral sent to %(name)s.", name=referral.recipient.display_name)
    if not is_htmx_request():
        flash(message, "success")
        back = "customers.show" if policies.can_view_customer(user, customer) else None
        return redirect_or_hx(url_for(back, customer_id=customer.id) if back else url_for("referrals.index"))
    context = _send_context(user, customer, SendForm(formdata=None), sent=message)
    return _changed(render("referrals/new.html", "referrals/_send_panel.html", **context))


# ---------------------------------------------------------------- credit


def _credit_period() -> credit.Period:
    args = request.args
    kind = args.get("period", "month")
    anchor = day_param(args.get("date")) or day_param(args.get("start")) or clock.local(
        clock.now(), current_app.config["DISPLAY_TIMEZONE"]).date()
    return credit.period_of(kind if kind in credit.PERIOD_KINDS else "month", anchor, day_param(args.get("end")))


@bp.route("/credit")
@roles_required("manager", "supervisor", "admin")
def credit_page():
    """Referral credit for a period: one's own (managers), per person and team (supervisors), per branch (admin)."""
    period = _credit_period()
    return render("referrals/credit.html", period=period, tables=credit_tables(_current(), period),
                  kinds=credit.PERIOD_KINDS)
