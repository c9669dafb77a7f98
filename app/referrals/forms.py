"""Referral forms: sending, and one form for every status change (each action reads what it needs)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from app.core.forms import Form
from app.customers.forms import NoControlCharacters, NoPersonalNumbers
from app.models import NEED_LABELS, SPECIALTY_LABELS
from app.referrals.sending import Colleague
from app.referrals.workflow import ActionInput


def _int_or_none(value) -> int | None:
    text = str(value or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


class SendForm(Form):
    need = SelectField(_l("Need"), choices=[SelectChoice("", _l("Choose the need")),
                                            *(SelectChoice(str(k), v) for k, v in NEED_LABELS.items())],
                       validators=[InputRequired(message=_l("Choose the need."))])
    recipient_id = SelectField(_l("Colleague"), coerce=_int_or_none, choices=[], validate_choice=False,
                               validators=[InputRequired(message=_l("Choose a colleague."))])
    # The same rule as a customer's notes: a full number is refused, and comes back masked.
    note = TextAreaField(_l("Note for your colleague"), validators=[Optional(), Length(max=1000), NoControlCharacters(),
                                                                               NoPersonalNumbers()])

    def offer(self, colleagues: list[Colleague], specialty_labels=None) -> None:
        """The colleague picker: suggested specialists first, each with the referrals they have open."""
        self.recipient_id.choices = colleague_choices(colleagues, specialty_labels)


class ActionForm(Form):
    version = HiddenField()
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=300)])
    product = StringField(_l("Product"), validators=[Optional(), Length(max=60)])
    amount = StringField(_l("Amount (yuan)"), validators=[Optional(), Length(max=20)])
    recipient_id = StringField(_l("New colleague"), validators=[Optional(), Length(max=10)])

    @property
    def expected_version(self) -> int:
        value = self.version.data or ""
        return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else 0

    def to_input(self) -> ActionInput:
        return ActionInput(reason=self.reason.data, product=self.product.data, amount=self.amount.data,
                           recipient_id=_int_or_none(self.recipient_id.data))


def colleague_choices(colleagues: list[Colleague], specialty_labels=None) -> list[SelectChoice]:
    """A colleague picker's options: suggested specialists first, each with the referrals they have open (the
    referral form and the lobby's hand-off)."""
    labels = specialty_labels or {str(k): str(v) for k, v in SPECIALTY_LABELS.items()}

    def choice(c: Colleague, group: str) -> SelectChoice:
        return SelectChoice(c.id, _("%(name)s (%(specialty)s, %(count)d open)", name=c.name,
                                    specialty=labels.get(c.specialty or "", "—"), count=c.open_load),
                            optgroup=group)

    choices = ([choice(c, _("Suggested")) for c in colleagues if c.suggested]
               + [choice(c, _("Other colleagues")) for c in colleagues if not c.suggested])
    return choices or [SelectChoice("", _("No colleague in this branch"))]
