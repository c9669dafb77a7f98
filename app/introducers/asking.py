"""Asking a satisfied customer for introductions (seed 003: 满意的现有客户是最佳的外部伙伴): right after an
activity with a good outcome, record 1-3 prospects, each created with this customer as introducer."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.core import policies
from app.core.refusals import InvalidInput, PolicyError
from app.customers import records
from app.customers.duplicates import DuplicateCustomer
from app.introducers.forms import AskIntroductionsForm
from app.introducers.graph import Ref
from app.introducers.links import set_introducer
from app.models import Customer, Outcome, Source, Status, User

SATISFIED = (Outcome.INTERESTED.value, Outcome.APPOINTMENT.value, Outcome.DEAL.value)
TWICE = _l("The same mobile is entered twice.")


def offer_form(user: User, customer: Customer, satisfied: bool) -> AskIntroductionsForm | None:
    """The short form the customer page offers right after a satisfied contact (nothing otherwise)."""
    if not satisfied or not policies.can_ask_introductions(user, customer):
        return None
    return AskIntroductionsForm(formdata=None)


def record_introductions(actor: User, introducer: Customer, form: AskIntroductionsForm) -> list[Customer]:
    """Create each filled-in person as a prospect owned by the actor, introduced by `introducer`, all in the
    caller's transaction; a number registered already (or typed twice) refuses the lot, keyed by field."""
    if not policies.can_ask_introductions(actor, introducer):
        raise PolicyError("cannot record introductions")
    seen: dict[str, int] = {}
    for index, entry in form.filled():
        if entry.parsed_mobile and entry.parsed_mobile in seen:
            raise InvalidInput({f"prospects-{index}-mobile": TWICE})
        if entry.parsed_mobile:
            seen[entry.parsed_mobile] = index
    created = []
    for index, entry in form.filled():
        data = records.CustomerData(kind="individual", name=entry.display_name,
                                    source=Source.CUSTOMER_REFERRAL.value, status=Status.PROSPECT.value,
                                    mobile=entry.parsed_mobile, notes=(entry.note.data or "").strip() or None)
        try:
            prospect = records.create_customer(actor, data)
        except DuplicateCustomer as exc:
            raise InvalidInput({f"prospects-{index}-{name}": message for name, message in exc.errors.items()}) \
                from None
        set_introducer(actor, prospect, Ref("c", introducer.id), reason=None)
        created.append(prospect)
    return created
