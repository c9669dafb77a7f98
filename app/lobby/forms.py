"""Lobby forms: the mobile look-up, the walk-in (need, what the lobby did, the specialist), the queue's buttons."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from app.core.forms import Form
from app.customers.forms import NoControlCharacters, NoPersonalNumbers
from app.lobby.services import WalkInInput, new_submission_key
from app.models import WALK_IN_NEED_LABELS
from app.referrals.forms import colleague_choices
from app.referrals.sending import Colleague


def _int_or_none(value) -> int | None:
    text = str(value or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


class LookupForm(Form):
    # type="tel" brings up the number pad on a tablet; the number is posted, never put in a URL.
    mobile = StringField(_l("Mobile number"), validators=[Length(max=40)],
                         render_kw={"type": "tel", "autocomplete": "off", "inputmode": "tel", "autofocus": True})


class WalkInForm(Form):
    submission_key = HiddenField()
    customer_id = HiddenField()
    visitor_name = StringField(_l("Surname and title"), validators=[Optional(), Length(max=20), NoControlCharacters()],
                               description=_l("For example 王女士 or 李先生: nothing more is needed."))
    mobile_token = HiddenField()  # the looked-up number of a new visitor, encrypted (never drawn in clear)
    need = RadioField(_l("Need"), choices=[SelectChoice(str(k), v) for k, v in WALK_IN_NEED_LABELS.items()],
                      validate_choice=False)
    specialist_id = SelectField(_l("Specialist"), coerce=_int_or_none, choices=[], validate_choice=False)
    note = StringField(_l("Note for the specialist"), validators=[Optional(), Length(max=300), NoControlCharacters(),
                                                                   NoPersonalNumbers()])
    action = StringField()  # sent by the button pressed (served / handoff / booked / queue); never drawn

    def prepare(self, colleagues: list[Colleague]) -> None:
        """A fresh key for a form drawn anew (a refused form keeps its own), and the specialist picker."""
        if not self.submission_key.data:
            self.submission_key.data = new_submission_key()
        self.specialist_id.choices = colleague_choices(colleagues)

    def to_input(self, mobile: str | None) -> WalkInInput:
        return WalkInInput(need=self.need.data, action=self.action.data,
                           submission_key=(self.submission_key.data or "")[:40] or new_submission_key(),
                           visitor_name=self.visitor_name.data, mobile=mobile,
                           specialist_id=self.specialist_id.data, note=(self.note.data or "").strip() or None)


class QueueActionForm(Form):
    """The queue's buttons: CSRF only (the walk-in is in the URL)."""
