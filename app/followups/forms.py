"""Follow-up forms: add one, and one form per row action (each carries the version the user saw)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from app.core.forms import Form
from app.customers.forms import NoControlCharacters, NoPersonalNumbers, options
from app.followups.services import MANUAL_KINDS, NewFollowUp
from app.models import FOLLOW_UP_KIND_LABELS


def _free_text(*validators) -> list:
    """A refused number comes back masked in its field, so the rest of what was typed is kept."""
    return [*validators, NoControlCharacters(), NoPersonalNumbers()]


def _int_or_none(value) -> int | None:
    text = str(value or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


class AddForm(Form):
    kind = SelectField(_l("Kind"), choices=options((k, FOLLOW_UP_KIND_LABELS[k]) for k in MANUAL_KINDS),
                       default="other")
    due_on = DateField(_l("Due on"), validators=[Optional()])
    note = StringField(_l("What to do"), validators=_free_text(Optional(), Length(max=300)))
    assignee_id = SelectField(_l("For"), choices=[], validate_choice=False, coerce=_int_or_none)

    def to_input(self) -> NewFollowUp:
        return NewFollowUp(kind=self.kind.data, due_on=self.due_on.data, note=self.note.data,
                           assignee_id=self.assignee_id.data)


class VersionedForm(Form):
    version = HiddenField()

    @property
    def expected_version(self) -> int:
        value = self.version.data or ""
        return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else 0


class CompleteForm(VersionedForm):
    outcome = TextAreaField(_l("Outcome"), validators=_free_text(Optional(), Length(max=2000)))


class SnoozeForm(VersionedForm):
    until = DateField(_l("Snooze until"), validators=[Optional()])


class CancelForm(VersionedForm):
    reason = StringField(_l("Reason"), validators=_free_text(Optional(), Length(max=300)))


class ReassignForm(VersionedForm):
    assignee_id = StringField(_l("Give to"), validators=[Optional(), Length(max=10)])

    @property
    def assignee(self) -> int | None:
        return _int_or_none(self.assignee_id.data)
