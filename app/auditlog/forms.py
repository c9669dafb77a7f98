"""The audit log's GET filter form: dates, staff member, branch (admin), kind of action, one customer."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, SelectField
from wtforms.validators import Optional

from app.core import clock
from app.core.forms import Form
from app.core.validation import (
    DAY_OUT_OF_RANGE,
    EARLIEST_DAY,
    END_BEFORE_START,
    LATEST_DAY,
    START_AFTER_TODAY,
)

INVALID_CHOICE = _l("Not a valid choice.")


def optional_int(value):
    """A select or hidden value as an int; empty, malformed or out of range means no filter."""
    if isinstance(value, int):
        return value
    if value is None or not str(value).isascii() or not str(value).isdigit():
        return None
    number = int(value)
    return number if 0 < number < 2**31 else None


class AuditFilterForm(Form):
    """Read from the query string (no CSRF: it only reads)."""

    class Meta:
        csrf = False

    date_from = DateField(_l("From"), validators=[Optional()], format="%Y-%m-%d")
    date_to = DateField(_l("To"), validators=[Optional()], format="%Y-%m-%d")
    actor = SelectField(_l("Staff member"), coerce=optional_int, choices=[], validate_choice=False)
    branch = SelectField(_l("Branch"), coerce=optional_int, choices=[], validate_choice=False)  # admin only
    action = SelectField(_l("Action"), choices=[], default="", invalid_choice_message=INVALID_CHOICE)
    customer = HiddenField(filters=[optional_int])
    page = HiddenField(filters=[optional_int])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for field in (self.date_from, self.date_to):
            if field.data and not EARLIEST_DAY <= field.data <= LATEST_DAY:
                field.errors = [DAY_OUT_OF_RANGE]
                field.data, ok = None, False
        if self.date_from.data and self.date_from.data > clock.local_today():
            self.date_from.errors = [START_AFTER_TODAY]
            return False
        if self.date_from.data and self.date_to.data and self.date_from.data > self.date_to.data:
            self.date_to.errors = [END_BEFORE_START]
            return False
        return ok
