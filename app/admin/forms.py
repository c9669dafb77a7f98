"""Forms of the admin area; branch, team and leader choices are filled in by the routes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SearchField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from app.core.forms import Form
from app.models import ASSET_BANDS, REFERRAL_ACCESS_LABELS, ROLE_LABELS, SPECIALTY_LABELS

LANGUAGE_CHOICES = [SelectChoice("zh_Hans_CN", "简体中文"), SelectChoice("en", "English")]
INVALID_CHOICE = _l("Not a valid choice.")


def strip(value):
    return value.strip() if isinstance(value, str) else value


def optional_int(value):
    """Coerce a select value to an int, with the empty option meaning None."""
    if value in (None, "", "None"):
        return None
    return int(value)


def optional_str(value):
    return value or None


def too_long(limit: int):
    return Length(max=limit, message=_l("At most %(max)d characters.", max=limit))


def required(message):
    return DataRequired(message=message)


class BranchForm(Form):
    code = StringField(
        _l("Branch code"),
        filters=[strip],
        validators=[
            required(_l("Enter the branch code.")),
            too_long(20),
            Regexp(r"^[A-Za-z0-9_-]+$", message=_l("Use letters, digits, '-' and '_' only.")),
        ],
    )
    name = StringField(_l("Name"), filters=[strip], validators=[required(_l("Enter the branch name.")), too_long(80)])
    # The branch's referral rules (app/referrals): what an accepted referral gives, and when it is overdue.
    referral_access = SelectField(_l("An accepted referral gives the colleague"), default="shared",
                                  choices=[SelectChoice(str(k), v) for k, v in REFERRAL_ACCESS_LABELS.items()],
                                  invalid_choice_message=INVALID_CHOICE)
    referral_accept_hours = IntegerField(_l("Working hours to accept a referral"), default=4, validators=[
        Optional(),  # a form sent without it keeps the branch's rule
        NumberRange(min=1, max=80, message=_l("Between 1 and 80 working hours."))])


class TeamForm(Form):
    name = StringField(_l("Name"), filters=[strip], validators=[required(_l("Enter the team name.")), too_long(80)])
    leader_id = SelectField(_l("Leader"), coerce=optional_int, choices=[], invalid_choice_message=INVALID_CHOICE)


class _UserFields(Form):
    display_name = StringField(
        _l("Display name"), filters=[strip], validators=[required(_l("Enter the name staff know them by.")), too_long(60)]
    )
    employee_no = StringField(
        _l("Employee number"),
        filters=[strip],
        validators=[
            required(_l("Enter the employee number.")),
            too_long(20),
            Regexp(r"^[A-Za-z0-9-]+$", message=_l("Use letters, digits and '-' only.")),
        ],
    )
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()],
        invalid_choice_message=INVALID_CHOICE,
    )
    specialty = SelectField(
        _l("Specialty"),
        coerce=optional_str,
        choices=[SelectChoice("", _l("None (not an account manager)"))]
        + [SelectChoice(specialty.value, label) for specialty, label in SPECIALTY_LABELS.items()],
        invalid_choice_message=INVALID_CHOICE,
    )
    branch_id = SelectField(_l("Branch"), coerce=optional_int, choices=[], invalid_choice_message=INVALID_CHOICE)
    team_id = SelectField(_l("Team"), coerce=optional_int, choices=[], invalid_choice_message=INVALID_CHOICE)
    language = SelectField(
        _l("Language"), choices=LANGUAGE_CHOICES, default="zh_Hans_CN", invalid_choice_message=INVALID_CHOICE
    )


class NewUserForm(_UserFields):
    username = StringField(
        _l("Username"),
        filters=[strip, lambda v: v.lower() if isinstance(v, str) else v],
        validators=[
            required(_l("Enter a username.")),
            Length(min=2, max=40, message=_l("Between %(min)d and %(max)d characters.", min=2, max=40)),
            Regexp(r"^[a-z0-9][a-z0-9._-]*$",
                   message=_l("Use lower-case letters, digits, '.', '-' and '_', starting with a letter or digit.")),
        ],
    )


class EditUserForm(_UserFields):
    active = BooleanField(_l("Active (may sign in)"))


class ConfirmForm(Form):
    """A button that only needs the CSRF token (reset password)."""


class UserFilterForm(Form):
    """The GET filter of the staff list: read from the query string, no CSRF."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search"), filters=[strip], validators=[Optional(), too_long(60)])
    branch = SelectField(_l("Branch"), coerce=optional_int, choices=[], invalid_choice_message=INVALID_CHOICE)
    role = SelectField(
        _l("Role"),
        coerce=optional_str,
        choices=[SelectChoice("", _l("All roles"))]
        + [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()],
        invalid_choice_message=INVALID_CHOICE,
    )
    status = SelectField(
        _l("Status"),
        coerce=optional_str,
        choices=[
            SelectChoice("", _l("Active and deactivated")),
            SelectChoice("active", _l("Active")),
            SelectChoice("inactive", _l("Deactivated")),
        ],
        invalid_choice_message=INVALID_CHOICE,
    )


class TierRuleForm(Form):
    """A rule that suggests a tier: the asset band is picked by its label, the other measures take a number."""

    tier = SelectField(_l("Tier"), choices=[SelectChoice("A", "A"), SelectChoice("B", "B")])
    metric = SelectField(_l("Measure"), choices=[SelectChoice("assets", _l("Asset band at least")),
                                                 SelectChoice("loan_need", _l("Loan need at least (10k yuan)")),
                                                 SelectChoice("products", _l("Products held at least")),
                                                 SelectChoice("introduced", _l("Customers introduced directly, at least")),
                                                 SelectChoice("introduced_tree",
                                                              _l("Customers introduced in the whole tree, at least"))])
    # A rule compares the customer's band by its rank (models.ASSET_BAND_RANK), so the choice's value is the rank.
    asset_band = SelectField(_l("Asset band"), default="3",
                             choices=[SelectChoice(str(rank), label) for rank, label in enumerate(ASSET_BANDS.values())])
    threshold = IntegerField(_l("At least"), validators=[Optional(), NumberRange(min=0, max=1_000_000)])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.metric.data != "assets" and self.threshold.data is None and not self.threshold.errors:
            self.threshold.errors.append(_l("Please enter a number."))
            return False
        return valid

    def threshold_value(self) -> int:
        """The rule's threshold: the band's rank for assets, else the number typed."""
        return int(self.asset_band.data) if self.metric.data == "assets" else self.threshold.data


class RhythmForm(Form):
    """Days between return visits per tier (checked 1–730 by the rhythm service)."""

    days_A = StringField(_l("Tier A: days between return visits"), validators=[Length(max=6)])
    days_B = StringField(_l("Tier B: days between return visits"), validators=[Length(max=6)])
    days_C = StringField(_l("Tier C: days between return visits"), validators=[Length(max=6)])

    def values(self) -> dict[str, str]:
        return {"A": self.days_A.data, "B": self.days_B.data, "C": self.days_C.data}
