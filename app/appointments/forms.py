"""Appointment forms: booking (offer two, book directly, propose one) and the row actions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.appointments import slots as slot_rules
from app.appointments.booking import BookingRequest
from app.core import clock
from app.core.forms import Form
from app.core.validation import DATE_TOO_FAR, planning_day_error
from app.customers.forms import NoPersonalNumbers, options
from app.models import PLACE_LABELS

MODES = (("offer", _l("Offer these two times (both held until the customer chooses)")),
         ("direct", _l("Book directly (the customer agreed to one time)")),
         ("propose", _l("Propose one time (to be confirmed)")))


def _free_text(*validators) -> list:
    return [*validators, NoPersonalNumbers()]


def _plannable_day(form, field) -> None:
    """A typed day is today or later and within two years, the follow-ups' bounds: year 1 or 9999 is refused at
    its field before it becomes a moment (which would overflow)."""
    today = clock.local_today()
    if field.data is None or planning_day_error(field.data, today) is None:
        return
    raise ValidationError(slot_rules.TIME_PASSED if field.data < today else DATE_TOO_FAR)


class BookingForm(Form):
    """Picked slots (local 'YYYY-MM-DDTHH:MM' values) plus an optional typed time."""

    slots = SelectMultipleField(_l("Free times"), choices=[], validate_choice=False)
    typed_date = DateField(_l("Or type a date"), validators=[Optional(), _plannable_day])
    typed_time = TimeField(_l("and a time"), validators=[Optional()])
    minutes = SelectField(_l("Length"), choices=options([("30", _l("30 minutes")), ("60", _l("60 minutes"))]),
                          default="30")
    place = SelectField(_l("Place"), choices=options((str(k), v) for k, v in PLACE_LABELS.items()), default="branch")
    location = StringField(_l("Location details"), validators=_free_text(Optional(), Length(max=200)))
    purpose = StringField(_l("Purpose"), validators=_free_text(
        DataRequired(message=_l("Please say what the meeting is for.")), Length(max=200)))
    mode = SelectField(_l("How"), choices=options(MODES), default="offer")

    def starts(self) -> tuple:
        picked = [slot_rules.parse_key(value) for value in (self.slots.data or [])]
        if self.typed_date.data and self.typed_time.data:
            picked.append(slot_rules.from_local(self.typed_date.data, self.typed_time.data))
        return tuple(moment for moment in picked if moment is not None)

    def validate_slots(self, field) -> None:
        if any(slot_rules.parse_key(value) is None for value in (field.data or [])):
            raise ValidationError(_l("Choose the times from the list."))

    def to_request(self) -> BookingRequest:
        return BookingRequest(mode=self.mode.data, starts=self.starts(), minutes=int(self.minutes.data),
                              place=self.place.data, location=(self.location.data or "").strip() or None,
                              purpose=self.purpose.data.strip())


class CancelForm(Form):
    reason = StringField(_l("Reason for cancelling"), validators=_free_text(
        DataRequired(message=_l("Please give a reason.")), Length(max=300)))


class DoneForm(Form):
    outcome = TextAreaField(_l("Outcome"), validators=_free_text(
        DataRequired(message=_l("Please note the outcome.")), Length(max=2000)))
    next_step = StringField(_l("Next step"), validators=_free_text(Optional(), Length(max=300)))


class RescheduleForm(Form):
    new_date = DateField(_l("New date"), validators=[DataRequired(message=_l("Please give the new date.")),
                                                     _plannable_day])
    new_time = TimeField(_l("New time"), validators=[DataRequired(message=_l("Please give the new time."))])

    def start(self):
        return slot_rules.from_local(self.new_date.data, self.new_time.data)


class ActionForm(Form):
    """The CSRF token of a button-only action (choose, confirm, no-show)."""

    version = HiddenField()
