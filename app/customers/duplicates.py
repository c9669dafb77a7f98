"""Duplicate customers: the same mobile, ID number or credit code, in the branch or anywhere in the bank."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select

from app.core import audit
from app.core.extensions import db
from app.core.privacy import lookup_hash, mask
from app.core.refusals import InvalidInput
from app.models import Customer, User

NUMBER_FIELDS = ("mobile", "id_number", "uscc")


@dataclass
class DuplicateMatch:
    field: str
    customer: Customer | None  # a record in the actor's branch, or None when it lives elsewhere

    @property
    def elsewhere(self) -> bool:
        return self.customer is None


def find_duplicates(
    actor: User,
    *,
    branch_id: int,
    mobile: str | None = None,
    id_number: str | None = None,
    uscc: str | None = None,
    exclude_id: int | None = None,
) -> list[DuplicateMatch]:
    """Customers sharing a mobile, ID number or credit code: same-branch records, or 'exists elsewhere'."""
    wanted: dict[str, tuple[Any, Any]] = {}
    if mobile:
        wanted["mobile"] = (Customer.mobile_hash, lookup_hash("mobile", mobile))
    if id_number:
        wanted["id_number"] = (Customer.id_number_hash, lookup_hash("id_number", id_number))
    if uscc:
        wanted["uscc"] = (Customer.uscc, uscc)
    if not wanted:
        return []
    # Deliberately unscoped: existence elsewhere must be known, but nothing about it is returned.
    stmt = select(Customer).where(or_(*(column == value for column, value in wanted.values())))
    if exclude_id is not None:
        stmt = stmt.where(Customer.id != exclude_id)
    candidates = db.session.scalars(stmt.limit(20)).all()
    matches: list[DuplicateMatch] = []
    for name, (column, value) in wanted.items():
        hits = [c for c in candidates if getattr(c, column.key) == value]
        if not hits:
            continue
        local = [c for c in hits if c.branch_id == branch_id]
        matches.append(DuplicateMatch(name, local[0] if local else None))
    return matches


class DuplicateCustomer(InvalidInput):
    """The number belongs to a customer already: a message on each field, and the matches to show."""

    def __init__(self, matches: list[DuplicateMatch]):
        super().__init__({match.field: duplicate_message(match) for match in matches})
        self.matches = matches


def duplicate_message(match: DuplicateMatch) -> str:
    if match.elsewhere:
        return _("This customer already exists in another branch. Please ask your supervisor.")
    return _("A customer with this number already exists in your branch (see below).")


def refuse_duplicates(actor: User, *, branch_id: int, data, exclude_id: int | None = None) -> None:
    """Raise DuplicateCustomer when `data` (CustomerData) shares a number with another customer."""
    matches = find_duplicates(actor, branch_id=branch_id, mobile=data.mobile,
                              id_number=data.id_number.number if data.id_number else None, uscc=data.uscc,
                              exclude_id=exclude_id)
    if matches:
        raise DuplicateCustomer(matches)




def check_field(actor: User, form, field_name: str, customer: Customer | None) -> list[DuplicateMatch]:
    """The inline duplicate check of one validated number field of the customer form; each look-up is
    audited like a number search (who, when, hits; the number masked)."""
    if field_name not in NUMBER_FIELDS:
        return []
    value = {"mobile": form.parsed_mobile, "id_number": form.parsed_id.number if form.parsed_id else None,
             "uscc": form.parsed_uscc}[field_name]
    if not value:
        return []
    matches = find_duplicates(actor, branch_id=customer.branch_id if customer else actor.branch_id,
                              exclude_id=customer.id if customer else None, **{field_name: value})
    audit.record(actor, "duplicate_check", field=field_name, term=mask(field_name, value, 1), hits=len(matches))
    return matches
