"""Writing partners (people and organisations outside the bank who introduce prospects)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.core import audit, clock, policies
from app.core.extensions import db
from app.core.privacy import encrypt_pfi, lookup_hash, mask, mask_numbers_in_text
from app.core.refusals import InvalidInput, PolicyError
from app.core.scoping import branch_predicate, eligible_owners
from app.customers.name_keys import search_key
from app.models import Partner, User

PARTNERS_PER_PAGE = 50
CHANGED_MEANWHILE = _l("Someone else saved this partner meanwhile. Nothing of yours was saved yet: your input is "
                       "still in the form below. Check it and save again to keep your version.")


@dataclass
class PartnerData:
    """Validated input of the partner form (an allowlist)."""

    kind: str
    category: str
    name: str
    organisation: str | None = None
    contact_name: str | None = None
    mobile: str | None = None
    notes: str | None = None
    owner_id: int | None = None
    keep_mobile: bool = False  # on edit: an empty mobile field keeps the stored number


PLAIN = ("kind", "category", "name", "organisation", "contact_name", "notes")


def _owner(actor: User, owner_id: int | None) -> int:
    """Managers own what they create; a supervisor may name an active manager of the branch."""
    if actor.role != "supervisor" or owner_id is None:
        return actor.id
    owner = db.session.scalar(eligible_owners(actor).where(User.id == owner_id))
    if owner is None:
        raise PolicyError("owner outside the branch")
    return owner.id


def _set_mobile(partner: Partner, mobile: str | None) -> None:
    """Kept like a customer's number: ciphertext, keyed hash, last four and the masked form."""
    partner.mobile_enc = encrypt_pfi("mobile", mobile)
    partner.mobile_hash = lookup_hash("mobile", mobile)
    partner.mobile_last4 = mobile[-4:] if mobile else None
    partner.mobile_masked = mask("mobile", mobile) if mobile else None


def _audit_fields(data: PartnerData) -> dict:
    fields = {name: mask_numbers_in_text(getattr(data, name)) for name in PLAIN if getattr(data, name)}
    if data.mobile:
        fields["mobile"] = mask("mobile", data.mobile, 1)
    return fields


def create_partner(actor: User, data: PartnerData) -> Partner:
    if not policies.can_create_partner(actor):
        raise PolicyError("cannot create partners")
    now = clock.now()
    partner = Partner(branch_id=actor.branch_id, owner_id=_owner(actor, data.owner_id), created_by_id=actor.id,
                      created_at=now, updated_at=now)
    for name in PLAIN:
        setattr(partner, name, getattr(data, name))
    partner.name_search = search_key(data.name)
    _set_mobile(partner, data.mobile)
    db.session.add(partner)
    db.session.flush()
    audit.record(actor, "partner_create", subject_type="partner", subject_id=partner.id,
                 branch_id=partner.branch_id, fields=_audit_fields(data))
    return partner


def update_partner(actor: User, partner: Partner, data: PartnerData, *, expected_version: int) -> bool:
    """Save an edit made on version `expected_version`; False when nothing changed."""
    if not policies.can_edit_partner(actor, partner):
        raise PolicyError("cannot edit partner")
    if partner.version != expected_version:
        raise InvalidInput({"partner": CHANGED_MEANWHILE})  # not a field: shown above the form
    mobile = partner.mobile if data.keep_mobile else data.mobile
    owner_id = _owner(actor, data.owner_id) if data.owner_id is not None else partner.owner_id
    changed = [name for name in PLAIN if (getattr(partner, name) or None) != (getattr(data, name) or None)]
    if mobile != partner.mobile:
        changed.append("mobile")
    if owner_id != partner.owner_id:
        changed.append("owner_id")
    if not changed:
        return False
    for name in PLAIN:
        setattr(partner, name, getattr(data, name))
    partner.name_search = search_key(data.name)
    _set_mobile(partner, mobile)
    partner.owner_id = owner_id
    partner.updated_at = clock.now()
    db.session.flush()
    audit.record(actor, "partner_update", subject_type="partner", subject_id=partner.id,
                 branch_id=partner.branch_id, fields=sorted(changed))
    return True


def archive_partner(actor: User, partner: Partner) -> None:
    """Gone from the list and the introducer picker; who they introduced stays."""
    if not policies.can_archive_partner(actor, partner):
        raise PolicyError("cannot archive partner")
    partner.archived_at = clock.now()
    db.session.flush()
    audit.record(actor, "partner_archive", subject_type="partner", subject_id=partner.id,
                 branch_id=partner.branch_id)


def partners_visible_to(user: User):
    return select(Partner).where(branch_predicate(user, Partner.branch_id), Partner.archived_at.is_(None))


def list_partners(user: User, term: str = "", category: str = "", *, page: int = 1) -> tuple[list[Partner], bool]:
    """A page of the partners the user may see, by name; whether there is a next page."""
    stmt = partners_visible_to(user)
    if term:
        stmt = stmt.where(Partner.name_search.contains(search_key(term), autoescape=True))
    if category:
        stmt = stmt.where(Partner.category == category)
    stmt = stmt.options(joinedload(Partner.owner)).order_by(Partner.name_search, Partner.id).offset((page - 1) * PARTNERS_PER_PAGE)
    rows = list(db.session.scalars(stmt.limit(PARTNERS_PER_PAGE + 1)))
    return rows[:PARTNERS_PER_PAGE], len(rows) > PARTNERS_PER_PAGE
