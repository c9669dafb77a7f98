"""Appointment routes: read the request, load, call a service, commit once, render the panel or the row."""

from __future__ import annotations

from flask import Response, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from app.appointments import actions, bp, calendar, ics, presenters
from app.appointments import slots as slot_rules
from app.appointments.booking import SlotTaken, book, staff_for
from app.appointments.calendar_routes import calendar_page
from app.appointments.forms import ActionForm, BookingForm, CancelForm, DoneForm, RescheduleForm
from app.appointments.loaders import load_appointment
from app.auth.decorators import roles_required
from app.core import policies
from app.core.extensions import commit_and_keep_loaded, db
from app.core.htmx import is_htmx_request, redirect_or_hx, render
from app.core.refusals import InvalidInput, put_on_form
from app.customers.forms import options
from app.customers.loaders import load_customer
from app.followups import myday  # module, not name: app.followups imports this package while it loads
from app.models import User

SALES = ("manager", "supervisor")
READERS = ("manager", "supervisor", "admin")


def _current() -> User:
    return current_user._get_current_object()


def _minutes() -> int:
    value = request.values.get("minutes", "30")
    return int(value) if value in ("30", "60") else 30


def _panel_context(user: User, customer, form: BookingForm | None = None, *, refused: str | None = None,
                   just_booked: bool = False) -> dict:
    """just_booked: the answer to a booking shows what was booked and its message; the form to book again
    (with freshly computed free times) comes when the user asks for it."""
    can_book = policies.can_book_appointment(user, customer)
    minutes = _minutes()
    with_form = can_book and not just_booked
    free = slot_rules.free_slots(staff_for(user, customer).id, minutes=minutes) if with_form else []
    if with_form and form is None:
        form = BookingForm(formdata=None)
    if form is not None:
        form.slots.choices = options((slot.key, presenters.when_text(slot.start, slot.end)) for slot in free)
    return {"customer": customer, "panel": presenters.panel_for(user, customer), "form": form, "free": free,
            "minutes": minutes, "can_book": can_book, "refused": refused,
            "full": policies.sees_full_record(user, customer), "just_booked": just_booked}


@bp.route("/customer/<int:customer_id>")
@roles_required(*READERS)
def panel(customer_id: int):
    """The customer's appointments and the booking panel (fragment on the customer page, or a page)."""
    user = _current()
    customer = load_customer(user, customer_id, "view")
    return render("appointments/customer.html", "appointments/_panel.html", **_panel_context(user, customer))


@bp.route("/customer/<int:customer_id>/book", methods=["POST"])
@roles_required(*SALES)
def book_for(customer_id: int):
    """Offer two times, book one directly or propose one; a taken time is refused where the user looks."""
    user = _current()
    customer = load_customer(user, customer_id, "book")
    form = BookingForm()
    status, refused = 200, None
    if form.validate_on_submit():
        try:
            book(user, customer, form.to_request())
        except InvalidInput as exc:
            put_on_form(exc, form)
            refused = exc.errors.get("slots")
            status = 409 if isinstance(exc, SlotTaken) else 200  # the panel swaps a 409 in (data-swap-errors)
        else:
            return _booked(user, customer, offered=form.mode.data == "offer")
    return render("appointments/customer.html", "appointments/_panel.html", status=status,
                  **_panel_context(user, customer, form, refused=refused))


def _booked(user: User, customer, *, offered: bool) -> Response:
    """Commit the booking and answer with the panel showing it (no JavaScript: back to the panel). The panel is
    read before the commit, in the booking's own transaction: a read after it would take a second connection
    (on PostgreSQL a ping, a BEGIN and a ROLLBACK more)."""
    answer = _panel_context(user, customer, just_booked=True) if is_htmx_request() else None
    commit_and_keep_loaded()
    flash(_("Both times are held until the customer chooses.") if offered else _("The appointment is booked."),
          "success")
    if answer is None:
        return redirect_or_hx(url_for("appointments.panel", customer_id=customer.id))
    return render("appointments/customer.html", "appointments/_panel.html", **answer)


def _calendar_state() -> dict | None:
    """The calendar an action was sent from (view, day, whose), or None when it came from the customer page."""
    if request.form.get("from") != "calendar":
        return None
    return {key: request.form.get(key) or None for key in ("view", "day", "staff")}


def _kept(user: User, appointment, form) -> presenters.KeptInput:
    """What the user typed into a refused action's form, read after validation (a full number is masked)."""
    values = {f.name: f.data for f in form if f.type in ("StringField", "TextAreaField") and f.data}
    in_place = request.form.get("from") in ("day", "calendar")
    return presenters.KeptInput(appointment.id, request.endpoint.rsplit(".", 1)[-1], values,
                                calendar.event_for(user, appointment) if in_place else None)


def _after_action(user: User, appointment, *, whole_panel: bool = False, status: int = 200,
                  kept: presenters.KeptInput | None = None) -> Response:
    """htmx: the row (or the panel, when other rows changed too), the calendar's body or my day's appointments
    when the action came from there; no JavaScript: back to the panel, the calendar or my day. `kept`: a refused
    action's form comes back open with what was typed (without JavaScript on the calendar's or the customer's
    appointments page)."""
    htmx, state = is_htmx_request(), _calendar_state()
    if not htmx and kept is None:
        if request.form.get("from") == "day":
            return redirect_or_hx(url_for("home.manager"))
        if state is not None:
            return redirect_or_hx(url_for("appointments.calendar", **{k: v for k, v in state.items() if v}))
        return redirect_or_hx(url_for("appointments.panel", customer_id=appointment.customer_id))
    if request.form.get("from") == "day" and htmx:  # sent from my day: its appointments answer
        return render("home/my_day_section.html", "home/_my_day_appointments.html", status=status,
                      appointments=myday.todays_items(user), kept=kept)
    if state is not None:
        return calendar_page(user, state, status=status, kept=kept)
    if whole_panel or not htmx:
        return render("appointments/customer.html", "appointments/_panel.html", status=status,
                      **_panel_context(user, appointment.customer), kept=kept)
    return render("appointments/customer.html", "appointments/_row.html", status=status,
                  row=presenters.row_for(user, appointment), customer=appointment.customer, kept=kept)


def _act(appointment_id: int, form_class, service, *, whole_panel: bool = False) -> Response:
    """One action: load for acting, validate the form, check the version, call the service, commit once."""
    user = _current()
    appointment = load_appointment(user, appointment_id, "act")
    form = form_class()
    if not form.validate_on_submit():
        flash(next(iter(form.errors.values()))[0] if form.errors else _("Please try again."), "warning")
        return _after_action(user, appointment, whole_panel=whole_panel, kept=_kept(user, appointment, form))
    try:
        actions.expect_version(appointment, request.form.get("version"))
        service(user, appointment, form)
        db.session.flush()
    except StaleDataError:  # another request changed the row between our read and our write
        put_on_form(InvalidInput({"version": actions.CHANGED_MEANWHILE}))
        return _after_action(user, appointment, whole_panel=True)
    except InvalidInput as exc:
        put_on_form(exc)
        db.session.refresh(appointment)
        return _after_action(user, appointment, whole_panel=True, kept=_kept(user, appointment, form))
    db.session.commit()
    flash(_("Saved."), "success")
    return _after_action(user, appointment, whole_panel=whole_panel)


@bp.route("/<int:appointment_id>/choose", methods=["POST"])
@roles_required(*SALES)
def choose(appointment_id: int):
    """The customer picked this offered time: confirm it, release the other."""
    return _act(appointment_id, ActionForm, lambda u, a, f: actions.choose(u, a), whole_panel=True)


@bp.route("/<int:appointment_id>/confirm", methods=["POST"])
@roles_required(*SALES)
def confirm(appointment_id: int):
    return _act(appointment_id, ActionForm, lambda u, a, f: actions.confirm(u, a))


@bp.route("/<int:appointment_id>/cancel", methods=["POST"])
@roles_required(*SALES)
def cancel(appointment_id: int):
    return _act(appointment_id, CancelForm, lambda u, a, f: actions.cancel(u, a, f.reason.data.strip()))


@bp.route("/<int:appointment_id>/no-show", methods=["POST"])
@roles_required(*SALES)
def no_show(appointment_id: int):
    return _act(appointment_id, ActionForm, lambda u, a, f: actions.mark_no_show(u, a))


@bp.route("/<int:appointment_id>/done", methods=["POST"])
@roles_required(*SALES)
def done(appointment_id: int):
    return _act(appointment_id, DoneForm, lambda u, a, f: actions.mark_done(
        u, a, f.outcome.data.strip(), (f.next_step.data or "").strip()))


@bp.route("/<int:appointment_id>/reschedule", methods=["POST"])
@roles_required(*SALES)
def reschedule(appointment_id: int):
    """Move to a new time; the old row stays as history pointing to the new one."""
    return _act(appointment_id, RescheduleForm, lambda u, a, f: actions.reschedule(u, a, f.start()),
                whole_panel=True)


CALENDAR_STATE_KEYS = ("view", "day", "staff")


@bp.route("/<int:appointment_id>/actions")
@roles_required(*SALES)
def event_actions(appointment_id: int):
    """A calendar event's action forms, fetched when the user opens them; they post back the calendar's state."""
    user = _current()
    appointment = load_appointment(user, appointment_id, "act")
    origin = "day" if request.args.get("from") == "day" else "calendar"
    state = {key: request.args[key][:20] for key in CALENDAR_STATE_KEYS if request.args.get(key)} \
        if origin == "calendar" else {}
    return render("appointments/event_actions.html", "appointments/_event_actions.html",
                  event=calendar.event_for(user, appointment), calendar_state=state, origin=origin)


@bp.route("/<int:appointment_id>.ics")
@roles_required(*READERS)
def download_ics(appointment_id: int):
    """One appointment as an iCalendar file (RFC 5545)."""
    appointment = load_appointment(_current(), appointment_id, "view")
    response = Response(ics.calendar_for(appointment), mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="appointment-{appointment.id}.ics"'
    return response
