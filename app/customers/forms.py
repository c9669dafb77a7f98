"""Customer forms: one per intent, each mapping its input to what the services take; personal numbers are
parsed by app.core.validation."""

from __future__ import annotations

from flask import request
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
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from app.core.extensions import db
from app.core.forms import Form
from app.core.privacy import contains_personal_number, mask_numbers_in_text
from app.core.scoping import owner_choices
from app.core.validation import (
    CONTROL_CHARACTERS_REFUSED,
    has_control_characters,
    is_individual_business,
    parse_id_number,
    parse_mobile,
    parse_uscc,
    without_control_characters,
)
from app.core.validation import ValidationError as InputError
from app.customers.records import CustomerData
from app.customers.search import id_param
from app.introducers.graph import Ref
from app.introducers.links import source_for
from app.models import (
    ACTIVITY_LABELS,
    ASSET_BANDS,
    INCOME_BANDS,
    KIND_LABELS,
    OUTCOME_LABELS,
    SOURCE_LABELS,
    STATUS_LABELS,
    TURNOVER_BANDS,
    Customer,
    Tier,
    User,
)


def _choices(labels: dict, blank: str | None = None) -> list[SelectChoice]:
    options = [SelectChoice(str(code), label) for code, label in labels.items()]
    return ([SelectChoice("", blank)] + options) if blank is not None else options


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


class NameRequired:
    """Required like DataRequired (the field is marked required), with the message naming what the label asks
    for: a person's 姓名, a business's 名称."""

    field_flags = {"required": True}

    def __call__(self, form, field) -> None:
        if not (field.data or "").strip():
            raise StopValidation(_l("Please enter the business name.") if form.kind.data == "business"
                                 else _l("Please enter the full name."))


class NoPersonalNumbers:
    """Free text may not hold a full mobile, ID number or 个体工商户 credit code (README, privacy): the
    field is refused with a message pointing to the number fields, and comes back with the number masked,
    so the rest of what was typed is kept and the page never echoes the number."""

    message = _l("A full mobile, ID card or credit code number cannot be saved here. Enter it in the Mobile or "
                 "ID card number field; it is shown masked here so you can keep the rest of the text.")

    def __init__(self, message=None) -> None:
        if message is not None:
            self.message = message

    def __call__(self, form, field) -> None:
        if contains_personal_number(field.data):
            field.data = mask_numbers_in_text(field.data)
            raise ValidationError(self.message)


class NoControlCharacters:
    """Free text may not hold NUL, ESC and other control characters (PostgreSQL refuses a NUL outright); the
    field comes back without them, so the next click saves what remains."""

    message = CONTROL_CHARACTERS_REFUSED

    def __call__(self, form, field) -> None:
        if has_control_characters(field.data):
            field.data = without_control_characters(field.data)
            raise ValidationError(self.message)


def _free_text(*validators) -> list:
    return [*validators, NoControlCharacters(), NoPersonalNumbers()]


# Free-text fields of the customer form: shown masked on edit, kept as stored when left as shown.
FREE_TEXT_FIELDS = ("name", "occupation", "area", "address", "industry", "contact_name", "needs", "notes")
# Stored values the edit form shows as they are (personal numbers are never put back into the page).
FILLED_FIELDS = ("kind", "name", "occupation", "area", "address", "income_band", "asset_band", "industry",
                 "contact_name", "turnover_band", "needs", "products_held", "source", "status", "notes",
                 "marketing_consent", "sensitive_consent")


class CustomerForm(Form):
    """Create or edit a customer. On edit, empty number fields keep the stored value."""

    INLINE_FIELDS = ("mobile", "id_number", "uscc", "name", "contact_name")  # checked as the user types

    kind = SelectField(_l("Type"), choices=_choices(KIND_LABELS), default="individual")
    name = StringField(_l("Name"), validators=_free_text(NameRequired(), Length(max=100)))
    # No Optional() on fields with a conditional "required" check: Optional() stops the chain, so the
    # validate_<field> method below would never see an empty value.
    mobile = StringField(_l("Mobile"), validators=[Length(max=40)])
    id_number = StringField(_l("ID card number"), validators=[Optional(), Length(max=40)])
    clear_id_number = BooleanField(_l("Remove the stored ID card number"))
    occupation = StringField(_l("Occupation"), validators=_free_text(Optional(), Length(max=60)))
    area = StringField(_l("Area"), validators=_free_text(Optional(), Length(max=60)))
    address = StringField(_l("Address"), validators=_free_text(Optional(), Length(max=200)))
    income_band = SelectField(_l("Income"), choices=_choices(INCOME_BANDS, "—"), default="")
    asset_band = SelectField(_l("Assets with us and elsewhere"), choices=_choices(ASSET_BANDS, "—"), default="")
    uscc = StringField(_l("Unified social credit code"), validators=[Optional(), Length(max=40)])
    industry = StringField(_l("Industry"), validators=_free_text(Optional(), Length(max=60)))
    contact_name = StringField(_l("Contact person"), validators=_free_text(Length(max=60)))
    turnover_band = SelectField(_l("Turnover"), choices=_choices(TURNOVER_BANDS, "—"), default="")
    needs = TextAreaField(_l("Needs"), validators=_free_text(Optional(), Length(max=2000)))
    loan_need_wan = IntegerField(_l("Loan need (10k yuan)"),
                                 validators=[Optional(), NumberRange(min=0, max=1_000_000)])
    products_held = IntegerField(_l("Products held with us"), default=0,
                                 validators=[Optional(), NumberRange(min=0, max=99)])
    source = SelectField(_l("Source"), choices=_choices(SOURCE_LABELS), default="walk_in")
    status = SelectField(_l("Status"), choices=_choices(STATUS_LABELS), default="prospect")
    owner_id = SelectField(_l("Owner"), coerce=int, validate_choice=True, choices=[])
    marketing_consent = BooleanField(_l("Agrees to marketing contact"))
    sensitive_consent = BooleanField(_l("Agrees to the collection of sensitive personal data (ID number, assets)"))
    notes = TextAreaField(_l("Notes"), validators=_free_text(Optional(), Length(max=4000)))
    # New prospects only: "c:12" / "p:3" from the introducer picker (app/introducers checks it).
    introducer = StringField(_l("Introduced by"), validators=[Optional(), Length(max=14)])
    version = HiddenField()

    # Parsed values, set by the validators below.
    parsed_mobile: str | None = None
    parsed_id = None
    parsed_uscc: str | None = None

    def __init__(self, *args, editing_has_mobile: bool = False, editing_has_id: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.editing_has_mobile = editing_has_mobile
        self.editing_has_id = editing_has_id

    @classmethod
    def for_user(cls, user: User, customer: Customer | None = None, *, fill: bool = False) -> CustomerForm:
        """The form as `user` may fill it: supervisors pick the owner among the branch's managers (read
        fresh: a form that saves an owner must not offer a stale list); managers own what they create."""
        form = cls(editing_has_mobile=bool(customer and customer.mobile_enc),
                   editing_has_id=bool(customer and customer.id_number_enc))
        if user.role == "supervisor":
            form.owner_id.choices = options(db.session.execute(owner_choices(user)).all())
            if customer is not None and customer.owner_id not in {c.value for c in form.owner_id.choices}:
                form.owner_id.choices.insert(0, SelectChoice(customer.owner_id, customer.owner.display_name))
        else:
            del form.owner_id  # not even bound: a posted owner_id is ignored (security.md A5)
        if fill and customer is not None:
            form.fill_from(customer)
        return form

    def fill_from(self, customer: Customer) -> None:
        """Put the stored values into the form; personal numbers stay out of the page."""
        for name in FILLED_FIELDS:
            value = getattr(customer, name)
            if name in FREE_TEXT_FIELDS:
                value = mask_numbers_in_text(value)  # older notes may hold a full number: never in the page
            getattr(self, name).data = value if value is not None else ""
        # A 个体工商户's credit code identifies a person: like an ID number it stays out of the page.
        if customer.uscc and not is_individual_business(customer.uscc):
            self.uscc.data = customer.uscc
        self.products_held.data = customer.products_held
        self.loan_need_wan.data = customer.loan_need_amount // 10_000 if customer.loan_need_amount else None
        if "owner_id" in self:
            self.owner_id.data = customer.owner_id
        self.version.data = str(customer.version)

    @property
    def expected_version(self) -> int:
        """The version the user started editing from (0 if the hidden field was tampered with)."""
        value = self.version.data or ""
        return int(value) if value.isascii() and value.isdigit() else 0

    def to_data(self, customer: Customer | None = None) -> CustomerData:
        """The validated input as CustomerData; on edit, empty number fields keep what is stored."""
        mobile = self.parsed_mobile
        if mobile is None and customer is not None:
            mobile = customer.mobile
        id_info = self.parsed_id
        if id_info is None and customer is not None and customer.id_number and not self.clear_id_number.data:
            id_info = parse_id_number(customer.id_number)
        business = self.kind.data == "business"
        uscc = None
        if business:
            uscc = self.parsed_uscc or (customer.uscc if customer is not None and not self.uscc.data else None)

        def text(field) -> str | None:
            """The typed text; a stored text shown masked and sent back unchanged keeps what is stored."""
            stored = getattr(customer, field.name) if customer is not None else None
            if stored and field.data == mask_numbers_in_text(stored):
                return stored
            return field.data or None

        def personal(field) -> str | None:
            return None if business else text(field)

        def of_business(field) -> str | None:
            return text(field) if business else None

        return CustomerData(
            kind=self.kind.data,
            name=(text(self.name) or "").strip(),
            source=source_for(Ref.parse(self.introducer.data), self.source.data) if customer is None
            else self.source.data,
            status=self.status.data,
            mobile=mobile,
            id_number=None if business else id_info,
            occupation=personal(self.occupation),
            area=text(self.area),
            address=text(self.address),
            income_band=personal(self.income_band),
            asset_band=personal(self.asset_band),
            uscc=uscc,
            industry=of_business(self.industry),
            contact_name=of_business(self.contact_name),
            turnover_band=of_business(self.turnover_band),
            needs=text(self.needs),
            loan_need_amount=self.loan_need_wan.data * 10_000 if self.loan_need_wan.data else None,
            products_held=self.products_held.data or 0,
            marketing_consent=bool(self.marketing_consent.data),
            sensitive_consent=bool(self.sensitive_consent.data),
            notes=text(self.notes),
            owner_id=self.owner_id.data if "owner_id" in self else None,
        )

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
    # Every contact has an outcome ("no answer" is one): the day's call and effective-call counts read it.
    outcome = SelectField(_l("Outcome"), choices=_choices(OUTCOME_LABELS, _l("Choose the outcome")), default="",
                          validators=[InputRequired(message=_l("Choose the outcome of the contact."))])
    note = TextAreaField(_l("Note"), validators=_free_text(Optional(), Length(max=2000)))


class TierForm(Form):
    tier = SelectField(_l("Tier"), choices=options((t.value, t.value) for t in Tier))
    reason = StringField(_l("Reason"), validators=_free_text(DataRequired(message=_l("Please give a reason.")),
                                                             Length(max=300)))


class RevealForm(Form):
    which = HiddenField(validators=[InputRequired()])
    reason = StringField(_l("Reason"), validators=[
        DataRequired(message=_l("Please give a reason for viewing.")), Length(min=2, max=300), NoControlCharacters(),
        NoPersonalNumbers(_l("Please leave the number out of the reason; it is shown masked here."))])


class ArchiveForm(Form):
    reason = StringField(_l("Reason"), validators=_free_text(DataRequired(message=_l("Please give a reason.")),
                                                             Length(max=300)))


class ReassignForm(Form):
    owner_id = SelectField(_l("New owner"), coerce=int, choices=[], validate_choice=True)

    @classmethod
    def for_user(cls, user: User) -> ReassignForm:
        form = cls()
        form.owner_id.choices = options(db.session.execute(owner_choices(user)).all())
        return form

    def selected_ids(self) -> list[int]:
        """The ticked customers' ids (odd values dropped)."""
        return [i for i in map(id_param, request.form.getlist("selected_ids")) if i is not None]

