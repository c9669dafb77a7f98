"""Customer forms: one per intent; personal numbers are parsed by app.validation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from app.core.forms import Form
from app.core.validation import ValidationError as InputError
from app.core.validation import parse_id_number, parse_mobile, parse_uscc
from app.models import (
    ACTIVITY_LABELS,
    ASSET_BANDS,
    INCOME_BANDS,
    KIND_LABELS,
    OUTCOME_LABELS,
    SOURCE_LABELS,
    STATUS_LABELS,
    TURNOVER_BANDS,
    Tier,
)


def _choices(labels: dict, blank: str | None = None) -> list[SelectChoice]:
    options = [SelectChoice(str(code), label) for code, label in labels.items()]
    return ([SelectChoice("", blank)] + options) if blank is not None else options


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


class CustomerForm(Form):
    """Create or edit a customer. On edit, empty number fields keep the stored value."""

    kind = SelectField(_l("Type"), choices=_choices(KIND_LABELS), default="individual")
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Please enter the name.")), Length(max=100)])
    # No Optional() on fields with a conditional "required" check: Optional() stops the chain, so the
    # validate_<field> method below would never see an empty value.
    mobile = StringField(_l("Mobile"), validators=[Length(max=40)])
    id_number = StringField(_l("ID card number"), validators=[Optional(), Length(max=40)])
    clear_id_number = BooleanField(_l("Remove the stored ID card number"))
    occupation = StringField(_l("Occupation"), validators=[Optional(), Length(max=60)])
    area = StringField(_l("Area"), validators=[Optional(), Length(max=60)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=200)])
    income_band = SelectField(_l("Income"), choices=_choices(INCOME_BANDS, "—"), default="")
    asset_band = SelectField(_l("Assets with us and elsewhere"), choices=_choices(ASSET_BANDS, "—"), default="")
    uscc = StringField(_l("Unified social credit code"), validators=[Optional(), Length(max=40)])
    industry = StringField(_l("Industry"), validators=[Optional(), Length(max=60)])
    contact_name = StringField(_l("Contact person"), validators=[Length(max=60)])
    turnover_band = SelectField(_l("Turnover"), choices=_choices(TURNOVER_BANDS, "—"), default="")
    needs = TextAreaField(_l("Needs"), validators=[Optional(), Length(max=2000)])
    loan_need_wan = IntegerField(_l("Loan need (10k yuan)"),
                                 validators=[Optional(), NumberRange(min=0, max=1_000_000)])
    products_held = IntegerField(_l("Products held with us"), default=0,
                                 validators=[Optional(), NumberRange(min=0, max=99)])
    source = SelectField(_l("Source"), choices=_choices(SOURCE_LABELS), default="walk_in")
    status = SelectField(_l("Status"), choices=_choices(STATUS_LABELS), default="prospect")
    owner_id = SelectField(_l("Owner"), coerce=int, validate_choice=True, choices=[])
    marketing_consent = BooleanField(_l("Agrees to marketing contact"))
    sensitive_consent = BooleanField(_l("Agrees to the collection of sensitive personal data (ID number, assets)"))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=4000)])
    version = HiddenField()

    # Parsed values, set by the validators below.
    parsed_mobile: str | None = None
    parsed_id = None
    parsed_uscc: str | None = None

    def __init__(self, *args, editing_has_mobile: bool = False, editing_has_id: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.editing_has_mobile = editing_has_mobile
        self.editing_has_id = editing_has_id

    def validate_mobile(self, field) -> None:
        if not field.data:
            if not self.editing_has_mobile:
                raise ValidationError(_l("Please enter a mobile number."))
            return
        try:
            self.parsed_mobile = parse_mobile(field.data)
        except InputError as exc:
            raise ValidationError(exc.message) from None

    def validate_id_number(self, field) -> None:
        if not field.data:
            return
        if self.kind.data != "individual":
            raise ValidationError(_l("Only individuals have an ID card number."))
        try:
            self.parsed_id = parse_id_number(field.data)
        except InputError as exc:
            raise ValidationError(exc.message) from None

    def validate_uscc(self, field) -> None:
        if not field.data:
            return
        try:
            self.parsed_uscc = parse_uscc(field.data)
        except InputError as exc:
            raise ValidationError(exc.message) from None

    def validate_contact_name(self, field) -> None:
        if self.kind.data == "business" and not field.data:
            raise ValidationError(_l("Please enter the contact person of the business."))

    def validate_sensitive_consent(self, field) -> None:
        has_id = bool(self.id_number.data) or (self.editing_has_id and not self.clear_id_number.data)
        sensitive = has_id or bool(self.asset_band.data)
        if sensitive and not field.data:
            raise ValidationError(
                _l("An ID number or assets may only be recorded with the customer's separate consent.")
            )


class ActivityForm(Form):
    kind = SelectField(_l("Contact"), choices=_choices(ACTIVITY_LABELS), default="call")
    outcome = SelectField(_l("Outcome"), choices=_choices(OUTCOME_LABELS, "—"), default="")
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class TierForm(Form):
    tier = SelectField(_l("Tier"), choices=options((t.value, t.value) for t in Tier))
    reason = StringField(_l("Reason"), validators=[DataRequired(message=_l("Please give a reason.")),
                                                   Length(max=300)])


class RevealForm(Form):
    which = HiddenField(validators=[InputRequired()])
    reason = StringField(_l("Reason"), validators=[DataRequired(message=_l("Please give a reason for viewing.")),
                                                   Length(min=2, max=300)])


class ArchiveForm(Form):
    reason = StringField(_l("Reason"), validators=[DataRequired(message=_l("Please give a reason.")),
                                                   Length(max=300)])


class ReassignForm(Form):
    owner_id = SelectField(_l("New owner"), coerce=int, choices=[], validate_choice=True)
