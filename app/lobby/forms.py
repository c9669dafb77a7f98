"""Lobby forms: the mobile look-up, the walk-in (need, what the lobby did, the specialist), the queue's buttons."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from app.appointments import slots as slot_rules
from app.appointments.presenters import when_text
from app.core.forms import Form
from app.core.privacy import contains_personal_number, mask_numbers_in_text
from app.customers.forms import NoControlCharacters, NoPersonalNumbers
from app.customers.search import LOOKUP_MESSAGES
from app.lobby.services import WalkInInput, new_submission_key
from app.models import WALK_IN_NEED_LABELS
from app.referrals.forms import colleague_choices
from app.referrals.sending import Colleague

PRESENT_VALUES = ("1", "0")


def _int_or_none(value) -> int | None:
    text = str(value or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


class LookupForm(Form):
    # type="tel" brings up the number pad on a tablet; the number is posted, never put in a URL.
    mobile = StringField(_l("Mobile number"), validators=[Length(max=40, message=LOOKUP_MESSAGES["invalid"])],
                         render_kw={"type": "tel", "autocomplete": "off", "inputmode": "tel", "autofocus": True})


class WalkInForm(Form):
    submission_key = HiddenField()
    customer_id = HiddenField()
    visitor_name = StringField(_l("Surname and title"), validators=[Optional(), Length(max=20), NoControlCharacters(),
                                                                   NoPersonalNumbers()],
                               description=_l("For example 王女士 or 李先生: nothing more is needed."))
    mobile_token = HiddenField()  # the looked-up number of a new visitor, encrypted (never drawn in clear)
    need = RadioField(_l("Need"), choices=[SelectChoice(str(k), v) for k, v in WALK_IN_NEED_LABELS.items()],
                      validate_choice=False)
    specialist_id = SelectField(_l("Specialist"), coerce=_int_or_none, choices=[], validate_choice=False)
    note = StringField(_l("Note for the specialist"), validators=[Optional(), Length(max=300), NoControlCharacters(),
                                                                   NoPersonalNumbers()])
    booking = HiddenField()  # "1": the officer chose to book; the form shows the specialist's free times
    slot = SelectField(_l("Time"), choices=[], validate_choice=False)  # a free slot's key (local YYYY-MM-DDTHH:MM)
    action = StringField()  # sent by the button pressed (served / handoff / booked / queue); never drawn

    def prepare(self, colleagues: list[Colleague], away: set[int] = frozenset()) -> None:
        """A fresh key for a form drawn anew (a refused form keeps its own), and the specialist picker: those
        present (the need's specialty first), then those away today, shown but not selectable."""
        if not self.submission_key.data:
            self.submission_key.data = new_submission_key()
        here = [c for c in colleagues if c.id not in away]
        choices = colleague_choices(here) if here or not away else []
        self.specialist_id.choices = choices + [
            SelectChoice(c.id, c.name, render_kw={"disabled": True}, optgroup=_("Away today"))
            for c in colleagues if c.id in away]

    def chosen_specialist(self) -> int | None:
        """The specialist chosen if the picker offers them (present, of the branch), else the first it offers:
        whose free times the booking shows (never another branch's, nor someone away)."""
        offered = [c.value for c in self.specialist_id.choices if c.value != "" and not c.render_kw.get("disabled")]
        return self.specialist_id.data if self.specialist_id.data in offered else next(iter(offered), None)

    def offer_slots(self, free: list[slot_rules.Slot]) -> None:
        """The booking's time picker: the specialist's next free times, in the display time zone."""
        self.slot.choices = [SelectChoice(s.key, when_text(s.start, s.end)) for s in free]
        if self.slot.data not in {s.key for s in free}:
            self.slot.data = None

    def hide_personal_numbers(self) -> None:
        """The form's redraws (a need chosen, the booking opened) send the typed free text back unvalidated: a
        full number in it comes back masked (lobby level), with the message the submit would give."""
        for field in (self.visitor_name, self.note):
            if contains_personal_number(field.data):
                field.data = mask_numbers_in_text(field.data, 2)
                if NoPersonalNumbers.message not in field.errors:
                    field.errors = [*field.errors, NoPersonalNumbers.message]

    def to_input(self, mobile: str | None) -> WalkInInput:
        return WalkInInput(need=self.need.data, action=self.action.data,
                           submission_key=(self.submission_key.data or "")[:40] or new_submission_key(),
                           visitor_name=self.visitor_name.data, mobile=mobile,
                           specialist_id=self.specialist_id.data, note=(self.note.data or "").strip() or None,
                           slot=slot_rules.parse_key(self.slot.data or ""))


class QueueActionForm(Form):
    """The queue's buttons: CSRF only (the walk-in is in the URL)."""


class PresenceForm(Form):
    """Present / away today: the value, and the page a plain post returns to."""

    present = HiddenField()
    back = HiddenField()

    def wants_present(self) -> bool | None:
        return self.present.data == "1" if self.present.data in PRESENT_VALUES else None
