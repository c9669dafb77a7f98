"""Lobby routes: read the request, load with the loaders, call a service, commit once, render."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.appointments import slots as slot_rules
from app.appointments.presenters import when_text
from app.auth.decorators import read_only, roles_required
from app.core import policies
from app.core.extensions import commit_and_keep_loaded, db, limiter
from app.core.htmx import is_htmx_request, redirect_or_hx, render
from app.core.privacy import CipherError, decrypt_pfi, encrypt_pfi, mask
from app.core.refusals import InvalidInput, PolicyError, put_on_form
from app.core.validation import day_param
from app.customers import search
from app.customers.loaders import load_customer
from app.customers.routes import number_search_limit, per_user
from app.lobby import bp, numbers, presence, presenters, queue, services
from app.lobby.forms import LookupForm, PresenceForm, QueueActionForm, WalkInForm
from app.lobby.loaders import load_alert, load_staff, load_walk_in
from app.models import WALK_IN_OUTCOME_LABELS, User
from app.referrals import sending

LOBBY = ("lobby",)
QUEUE = ("lobby", "manager", "supervisor")
SPECIALISTS = ("manager", "supervisor")
SLOTS_SHOWN = 16  # a booking's free times: about two working days of the specialist
CHANGED = "walk-ins-changed"  # the event that makes the queue and the lobby's list read themselves again
QUEUE_ACTIONS = {"call": services.call, "start": services.start, "finish": services.finish,
                 "left": services.mark_left}
QUEUE_POLICIES = {"call": policies.can_work_queue, "start": policies.can_work_queue,
                  "finish": policies.can_work_queue, "left": policies.can_mark_left}


def _current() -> User:
    return current_user._get_current_object()


def _needs_branch(user: User) -> None:
    if user.branch_id is None:
        abort(403)


# ---------------------------------------------------------------- the lobby page, the look-up, the walk-in


def _walk_in_context(user: User, customer, form: WalkInForm, *, mobile_masked: str | None = None) -> dict:
    """The walk-in form with the specialists present of the chosen need's specialty first (and preselected),
    those away today not selectable; when the officer books, the chosen specialist's next free times."""
    form.hide_personal_numbers()
    colleagues = sending.colleagues_for(user, user.branch_id, services.REFERRAL_NEED.get(form.need.data or ""),
                                        presence_day=presence.local_day())
    form.prepare(colleagues, {c.id for c in colleagues if c.away})
    booking = customer is not None and form.booking.data == "1"
    if booking:
        staff_id = form.specialist_id.data = form.chosen_specialist()  # the picker shows whose times these are
        form.offer_slots(slot_rules.free_slots(staff_id, count=SLOTS_SHOWN) if staff_id else [])
    return {"form": form, "customer": customer, "card": presenters.lobby_card(user, customer) if customer else None,
            "mobile_masked": mobile_masked, "booking": booking}


def _page(user: User, *, result: dict | None = None, status: int = 200):
    # The look-up field and the officer's list of today belong to the page around the result; an htmx answer is
    # the result alone (render picks the partial), so neither is built for it.
    whole_page = not is_htmx_request()
    return render("lobby/index.html", "lobby/_result.html", status=status,
                  lookup=LookupForm(formdata=None) if whole_page else None,
                  mine=queue.my_walk_ins_today(user) if whole_page else (), **(result or {}))


@bp.route("")
@roles_required(*LOBBY)
def index():
    """Home of lobby staff: type a full mobile, see the masked card, log the walk-in and hand it off."""
    user = _current()
    _needs_branch(user)
    return _page(user)


@bp.route("/lookup", methods=["POST"])
@limiter.limit(number_search_limit, key_func=per_user)
@roles_required(*LOBBY)
@read_only
def lookup():
    """Exact look-up of a full mobile through the keyed hash (POST: a number never lands in a URL); bad input
    gets a message at the field and is neither searched nor logged."""
    user = _current()
    _needs_branch(user)
    form = LookupForm()
    found = search.lookup_mobile(user, form.mobile.data) if form.validate_on_submit() else \
        search.MobileLookup(error=str(next(iter(form.mobile.errors), _("Please try again."))))
    result: dict = {"lookup_error": found.error, "elsewhere": found.elsewhere, "searched": found.searched}
    if found.customer is not None:
        result.update(_walk_in_context(user, found.customer, WalkInForm(formdata=None)))
    elif found.searched and not found.elsewhere:
        from app.core.validation import parse_mobile

        mobile = parse_mobile(search.normalise_term(form.mobile.data))
        prospect = WalkInForm(formdata=None)
        prospect.mobile_token.data = encrypt_pfi("lobby_visitor", mobile)
        result.update(_walk_in_context(user, None, prospect, mobile_masked=mask("mobile", mobile, 2)))
        result["new_visitor"] = True
    return _page(user, result=result)


@bp.route("/visitor")
@roles_required(*LOBBY)
def visitor():
    """The walk-in form of a visitor without a number (anonymous: a surname and title suffice)."""
    user = _current()
    _needs_branch(user)
    result = _walk_in_context(user, None, WalkInForm(formdata=None))
    result.update(new_visitor=True, searched=True)
    return _page(user, result=result)


@bp.route("/walk-ins/form", methods=["POST"])
@roles_required(*LOBBY)
@read_only
def walk_in_form():
    """The walk-in form redrawn for the need just chosen (its specialists first); what was typed is kept."""
    user = _current()
    _needs_branch(user)
    form = WalkInForm()
    customer_id = search.id_param(form.customer_id.data)
    customer = load_customer(user, customer_id, "card") if customer_id else None
    mobile = _visitor_mobile(form) if customer is None else None
    form.specialist_id.data = None  # the need's specialty decides who comes first (and is preselected)
    result = _walk_in_context(user, customer, form, mobile_masked=mask("mobile", mobile, 2) if mobile else None)
    result.update(new_visitor=customer is None, searched=True)
    return _page(user, result=result)


@bp.route("/walk-ins/booking", methods=["POST"])
@roles_required(*LOBBY)
@read_only
def walk_in_booking():
    """The walk-in form redrawn to book: the chosen specialist's next free times (picking another specialist
    redraws them); what was typed is kept. Without JavaScript, the form's "show free times" button posts here."""
    user = _current()
    _needs_branch(user)
    form = WalkInForm()
    customer_id = search.id_param(form.customer_id.data)
    customer = load_customer(user, customer_id, "card") if customer_id else None
    if customer is None:
        abort(404)  # a new visitor is handed off first (services.log_walk_in)
    form.booking.data = "1"
    result = _walk_in_context(user, customer, form)
    result.update(new_visitor=False, searched=True)
    return _page(user, result=result)


def _visitor_mobile(form: WalkInForm) -> str | None:
    token = (form.mobile_token.data or "").strip()
    if not token:
        return None
    try:
        return decrypt_pfi("lobby_visitor", token)
    except (CipherError, ValueError):  # a tampered token: the visitor is logged without a number
        return None


@bp.route("/walk-ins", methods=["POST"])
@roles_required(*LOBBY)
def log_walk_in():
    """Log the walk-in and what the lobby did (served, handed off, booked, queued); the same form sent twice
    returns the first walk-in."""
    user = _current()
    _needs_branch(user)
    form = WalkInForm()
    customer_id = search.id_param(form.customer_id.data)
    customer = load_customer(user, customer_id, "card") if customer_id else None
    mobile = _visitor_mobile(form) if customer is None else None
    answer = _log(user, customer, form, mobile) if form.validate_on_submit() else None
    if answer is not None:
        return answer
    if form.action.data == "booked":
        form.booking.data = "1"  # a refused booking comes back with the free times to choose from
    result = _walk_in_context(user, customer, form, mobile_masked=mask("mobile", mobile, 2) if mobile else None)
    result.update(new_visitor=customer is None, searched=True)
    return _page(user, result=result, status=422)


def _log(user: User, customer, form: WalkInForm, mobile: str | None):
    """Log the valid form: the answer, or None when refused (the messages are on the form)."""
    try:
        walk_in, created = services.log_walk_in(user, customer, form.to_input(mobile))
    except services.AlreadySubmitted:  # the same form, sent twice at once: the first one stands
        first = _first_submission(user, form)
        return _logged(user, first, False) if first is not None else None
    except InvalidInput as exc:
        put_on_form(exc, form)  # rolls back: a time taken meanwhile leaves no walk-in either
        return None
    except PolicyError:
        db.session.rollback()
        abort(403)
    commit_and_keep_loaded()  # the answer draws the walk-in and customer just written
    return _logged(user, walk_in, created)


def _first_submission(user: User, form: WalkInForm):
    """The walk-in this form's key logged first, or None (then the form asks to try again)."""
    db.session.rollback()
    first = services.submitted(user.branch_id, (form.submission_key.data or "")[:40])
    if first is None:
        put_on_form(InvalidInput({"action": _("Please try again.")}), form)
    return first


def _logged(user: User, walk_in, created: bool):
    name = presenters.walk_in_name(walk_in)
    message = _("Walk-in %(no)d logged: %(name)s, %(outcome)s.", no=walk_in.queue_no, name=name,
                outcome=WALK_IN_OUTCOME_LABELS[walk_in.outcome] if walk_in.outcome else _("waiting in the queue"))
    appointment = walk_in.appointment
    booked = _("Appointment with %(name)s on %(when)s, confirmed.", name=appointment.staff.display_name,
               when=when_text(appointment.start_at, appointment.end_at)) if appointment else None
    if not is_htmx_request():
        flash(f"{message} {booked}" if booked else message, "success")
        return redirect_or_hx(url_for("lobby.index"))
    # The officer's list and the queue redraw themselves on the event (HX-Trigger): the answer is the result.
    response = render("lobby/index.html", "lobby/_logged.html", walk_in=walk_in, message=message,
                      who_to_call=presenters.who_to_call(walk_in.customer), created=created,
                      handed_to=walk_in.handed_to if walk_in.referral_id else None, booked=booked)
    response.headers["HX-Trigger"] = f"{CHANGED}, referrals-changed"
    return response


@bp.route("/mine")
@roles_required(*LOBBY)
def mine():
    """What the signed-in lobby officer logged today (the lobby page's list)."""
    user = _current()
    _needs_branch(user)
    return render("lobby/mine.html", "lobby/_mine.html", mine=queue.my_walk_ins_today(user))


# ---------------------------------------------------------------- the queue


def _queue_response(user: User, *, status: int = 200, error=None):
    tv = request.args.get("screen") == "tv"
    context = {"queue": queue.todays_queue(user), "tv": tv, "error": str(error) if error else None,
               "form": QueueActionForm(formdata=None), "works_queue": user.role in SPECIALISTS}
    if tv:
        return render("lobby/tv.html", "lobby/_tv.html", status=status, **context)
    if not is_htmx_request():  # the page around the self-refreshing queue: who is present today
        context.update(presence=presence.roster(user), presence_back="queue")
    return render("lobby/queue.html", "lobby/_queue.html", status=status, **context)


@bp.route("/queue")
@roles_required(*QUEUE)
def queue_page():
    """Today's queue of the branch: waiting (time counting up), being served (by whom, since when), done;
    the component refreshes itself. ?screen=tv: the lobby wall's large screen (numbers and surname only)."""
    user = _current()
    _needs_branch(user)
    return _queue_response(user)


@bp.route("/queue/next", methods=["POST"])
@roles_required(*SPECIALISTS)
def call_next():
    """The specialist calls the next customer waiting for them (or for anyone)."""
    user = _current()
    _needs_branch(user)
    QueueActionForm().validate_on_submit()
    try:
        called = services.call_next(user)
    except services.QueueConflict as exc:
        return _queue_response(user, status=409, error=exc.message)
    db.session.commit()
    if called is None:
        flash(_("Nobody is waiting for you."), "info")
    if not is_htmx_request():
        return redirect_or_hx(url_for("lobby.queue_page"))
    return _changed(_queue_response(user))


@bp.route("/queue/<int:walk_in_id>/<action>", methods=["POST"])
@roles_required(*QUEUE)
def queue_act(walk_in_id: int, action: str):
    """Call, start or finish serving a walk-in (specialists), or record that it left; the queue redraws."""
    if action not in QUEUE_ACTIONS:
        abort(404)
    user = _current()
    walk_in = load_walk_in(user, walk_in_id, QUEUE_POLICIES[action])
    QueueActionForm().validate_on_submit()
    try:
        QUEUE_ACTIONS[action](user, walk_in)
    except services.QueueConflict as exc:
        db.session.rollback()
        return _queue_response(user, status=409, error=exc.message)
    db.session.commit()
    if not is_htmx_request():
        return redirect_or_hx(url_for("lobby.queue_page"))
    return _changed(_queue_response(user))


def _changed(response):
    response.headers["HX-Trigger"] = CHANGED
    return response


# ---------------------------------------------------------------- who is present today


PRESENCE_BACK = {"queue": "lobby.queue_page", "my_day": "home.manager"}


@bp.route("/presence/<int:user_id>", methods=["POST"])
@roles_required(*QUEUE)
def set_presence(user_id: int):
    """Mark a specialist present or away for today: oneself, or a colleague of the branch for the supervisor;
    the presence panel redraws (a plain post returns to the queue or my day)."""
    user = _current()
    staff = load_staff(user, user_id, policies.can_set_presence)
    form = PresenceForm()
    wanted = form.wants_present() if form.validate_on_submit() else None
    if wanted is None:
        abort(400)
    presence.set_presence(user, staff, wanted)
    db.session.commit()
    back = form.back.data if form.back.data in PRESENCE_BACK else "queue"
    if not is_htmx_request():
        return redirect_or_hx(url_for(PRESENCE_BACK[back]))
    response = make_response(render_template("lobby/_presence.html", presence=presence.roster(user),
                                             presence_back=back))
    response.vary.add("HX-Request")
    return response


# ---------------------------------------------------------------- alerts (优质客户识别)


@bp.route("/alerts")
@roles_required(*SPECIALISTS)
def alerts():
    """The banner of today's priority walk-ins for the signed-in owner (loaded and polled on every page)."""
    user = _current()
    rows = services.pending_alerts(user)
    response = make_response(render_template("lobby/_alerts.html", alerts=rows, form=QueueActionForm(formdata=None),
                                             name_of=presenters.walk_in_name))
    response.vary.add("HX-Request")
    return response


@bp.route("/alerts/<int:alert_id>/dismiss", methods=["POST"])
@roles_required(*SPECIALISTS)
def dismiss_alert(alert_id: int):
    """The owner saw the alert: it leaves the banner."""
    user = _current()
    alert = load_alert(user, alert_id)
    services.dismiss_alert(user, alert)
    db.session.commit()
    if not is_htmx_request():
        return redirect_or_hx(url_for("home.index"))
    return alerts()


# ---------------------------------------------------------------- numbers


@bp.route("/log")
@roles_required("lobby", "supervisor", "admin")
def log():
    """Walk-in numbers for a date range (today by default): by need and hour, waits, outcomes, per officer."""
    user = _current()
    if not policies.can_read_lobby_log(user):
        abort(403)
    today = services.local_day()
    start = day_param(request.args.get("start")) or today
    end = day_param(request.args.get("end")) or start
    if end < start:
        start, end = end, start
    if (end - start).days > numbers.MAX_DAYS:
        start = end - timedelta(days=numbers.MAX_DAYS)
    return render("lobby/log.html", numbers=numbers.walk_in_numbers(user, start, end), today=today)
