"""Forms of the introducers area: the partner record, the introducer of a customer, asking for introductions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import FieldList, FormField, HiddenField, SelectField, StringField, TextAreaField
from wtforms import Form as SubForm
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.core.extensions import db
from app.core.forms import Form
from app.core.scoping import owner_choices
from app.core.validation import ValidationError as InputError
from app.core.validation import parse_mobile
from app.customers.forms import NoControlCharacters, NoPersonalNumbers, options
from app.introducers.partners import PartnerData
from app.models import PARTNER_CATEGORY_LABELS, PARTNER_KIND_LABELS, Partner, User


def _free_text(*validators) -> list:
    return [*validators, NoControlCharacters(), NoPersonalNumbers()]


def _choices(labels: dict) -> list:
    return options((str(code), label) for code, label in labels.items())


def _mobile(field) -> str | None:
    """The parsed mobile of an optional field, or a ValidationError with the validation module's message."""
    if not field.data:
        return None
    try:
        return parse_mobile(field.data)
    except InputError as exc:
        raise ValidationError(exc.message) from None


class PartnerForm(Form):
    kind = SelectField(_l("Person or organisation"), choices=_choices(PARTNER_KIND_LABELS), default="person")
    category = SelectField(_l("Category"), choices=_choices(PARTNER_CATEGORY_LABELS), default="coi")
    name = StringField(_l("Name"), validators=_free_text(DataRequired(message=_l("Please enter the name.")),
                                                         Length(max=100)))
    organisation = StringField(_l("Organisation"), validators=_free_text(Optional(), Length(max=100)))
    contact_name = StringField(_l("Contact person"), validators=_free_text(Optional(), Length(max=60)))
    mobile = StringField(_l("Contact mobile"), validators=[Length(max=40)])
    notes = TextAreaField(_l("Notes"), validators=_free_text(Optional(), Length(max=2000)))
    owner_id = SelectField(_l("Owner"), coerce=int, validate_choice=True, choices=[])
    version = HiddenField()

    parsed_mobile: str | None = None

    @classmethod
    def for_user(cls, user: User, partner: Partner | None = None, *, fill: bool = False) -> PartnerForm:
        form = cls()
        if user.role == "supervisor":
            form.owner_id.choices = options(db.session.execute(owner_choices(user)).all())
            if partner is not None and partner.owner_id not in {c.value for c in form.owner_id.choices}:
                form.owner_id.choices.insert(0, options([(partner.owner_id, partner.owner.display_name)])[0])
        else:
            del form.owner_id  # managers own what they create; a posted owner is not even bound
        form.editing = partner
        if fill and partner is not None:
            for name in ("kind", "category", "name", "organisation", "contact_name", "notes"):
                getattr(form, name).data = getattr(partner, name) or ""
            if "owner_id" in form:
                form.owner_id.data = partner.owner_id
            form.version.data = str(partner.version)
        return form

    @property
    def expected_version(self) -> int:
        """The version the user started editing from (0 if the hidden field was tampered with)."""
        value = self.version.data or ""
        return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else 0

    def validate_mobile(self, field) -> None:
        self.parsed_mobile = _mobile(field)

    def to_data(self) -> PartnerData:
        return PartnerData(
            kind=self.kind.data, category=self.category.data, name=self.name.data.strip(),
            organisation=self.organisation.data or None, contact_name=self.contact_name.data or None,
            mobile=self.parsed_mobile, notes=self.notes.data or None,
            owner_id=self.owner_id.data if "owner_id" in self else None,
            keep_mobile=self.editing is not None and not self.mobile.data,
        )


class IntroducerForm(Form):
    """Set, change or remove a customer's introducer (the picker's radio buttons carry "c:12" / "p:3")."""

    introducer = StringField(_l("Introduced by"), validators=[Optional(), Length(max=14)])
    reason = StringField(_l("Reason for the change"), validators=_free_text(Optional(), Length(max=300)))


class ProspectEntry(SubForm):
    """One introduced prospect: a name (or surname + title), optionally a mobile, a note."""

    name = StringField(_l("Name or surname"), validators=_free_text(Optional(), Length(max=60)))
    title = SelectField(_l("Title"), choices=options([("", "—"), ("先生", _l("Mr")), ("女士", _l("Ms"))]),
                        default="")
    mobile = StringField(_l("Mobile (optional)"), validators=[Length(max=40)])
    note = StringField(_l("Note"), validators=_free_text(Optional(), Length(max=300)))

    parsed_mobile: str | None = None

    def validate_mobile(self, field) -> None:
        self.parsed_mobile = _mobile(field)

    def validate_name(self, field) -> None:
        if not field.data and (self.mobile.data or self.note.data):
            raise ValidationError(_l("Please enter a name or a surname."))

    @property
    def display_name(self) -> str:
        return (self.name.data or "").strip() + (self.title.data or "")


class AskIntroductionsForm(Form):
    prospects = FieldList(FormField(ProspectEntry), min_entries=3, max_entries=3)

    def filled(self) -> list[tuple[int, ProspectEntry]]:
        return [(i, entry.form) for i, entry in enumerate(self.prospects) if (entry.form.name.data or "").strip()]

    def put_errors(self, errors: dict) -> None:
        """A service's messages keyed "prospects-<i>-<field>" onto the row's field."""
        for key, message in errors.items():
            _, index, name = (key.split("-", 2) + ["", ""])[:3]
            entry = self.prospects.entries[int(index)].form if index.isdigit() and int(index) < 3 else None
            target = entry[name] if entry is not None and name in entry else self.prospects.entries[0].form.name
            target.errors = [*target.errors, message]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.filled():
            first = self.prospects.entries[0].form.name
            first.errors = [*first.errors, _l("Enter at least one person.")]
            return False
        return valid
