"""Writing customers: create, edit (optimistic locking), activities, archive, restore, reassign, reveal."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.core import audit, clock, policies
from app.core.extensions import db
from app.core.privacy import encrypt_pfi, lookup_hash, mask, mask_numbers_in_text
from app.core.refusals import PolicyError
from app.core.scoping import customers_visible_to, eligible_owners
from app.core.validation import IdNumber
from app.customers.duplicates import refuse_duplicates
from app.customers.name_keys import drop_name_keys, search_key, write_name_keys
from app.customers.tiers import load_tier_rules, suggest_tier
from app.introducers import tally as introducer_tally
from app.models import Activity, Customer, TierChange, User
from app.models.audit import VIEW_ACTION


@dataclass
class CustomerData:
    """Validated, normalised input from the customer form (an allowlist: nothing else is bound)."""

    kind: str
    name: str
    source: str
    status: str
    mobile: str | None = None
    id_number: IdNumber | None = None
    occupation: str | None = None
    area: str | None = None
    address: str | None = None
    income_band: str | None = None
    asset_band: str | None = None
    uscc: str | None = None
    industry: str | None = None
    contact_name: str | None = None
    turnover_band: str | None = None
    needs: str | None = None
    loan_need_amount: int | None = None
    products_held: int = 0
    marketing_consent: bool = False
    sensitive_consent: bool = False
    notes: str | None = None
    owner_id: int | None = None


# Plain fields copied from CustomerData; personal numbers and consent are handled on their own.
PLAIN_FIELDS = (
    "kind", "name", "source", "status", "occupation", "area", "address", "income_band", "asset_band",
    "uscc", "industry", "contact_name", "turnover_band", "needs", "loan_need_amount", "products_held", "notes",
)
# How each field is written into the audit log (personal values never in clear).
AUDIT_MASK = {"mobile": "mobile", "id_number": "id_number", "address": "address"}


def _audit_value(name: str, value: Any) -> Any:
    if value is None or value == "":
        return None
    kind = AUDIT_MASK.get(name)
    if kind:
        return mask(kind, value, 1)
    if name == "uscc":
        return mask("uscc", value, 1)
    if isinstance(value, str):
        return mask_numbers_in_text(value)  # a number typed into notes or needs is still PFI
    return value


def _set_personal_numbers(customer: Customer, data: CustomerData) -> None:
    customer.mobile_enc = encrypt_pfi("mobile", data.mobile)
    customer.mobile_hash = lookup_hash("mobile", data.mobile)
    customer.mobile_last4 = data.mobile[-4:] if data.mobile else None
    customer.mobile_masked = mask("mobile", data.mobile) if data.mobile else None
    number = data.id_number.number if data.id_number else None
    customer.id_number_enc = encrypt_pfi("id_number", number)
    customer.id_number_hash = lookup_hash("id_number", number)
    customer.birthday = data.id_number.birthday if data.id_number else None
    customer.gender = data.id_number.gender if data.id_number else None


def _set_consents(customer: Customer, data: CustomerData, actor: User) -> None:
    now = clock.now()
    if data.marketing_consent != customer.marketing_consent:
        customer.marketing_consent = data.marketing_consent
        customer.marketing_consent_at = now
        customer.marketing_consent_by_id = actor.id
    if data.sensitive_consent != customer.sensitive_consent:
        customer.sensitive_consent = data.sensitive_consent
        customer.sensitive_consent_at = now
        customer.sensitive_consent_by_id = actor.id


def _resolve_owner(actor: User, owner_id: int | None) -> int:
    """Managers own what they create; supervisors may name an active manager of their branch."""
    if actor.role != "supervisor" or owner_id is None:
        return actor.id
    owner = db.session.scalar(eligible_owners(actor).where(User.id == owner_id))
    if owner is None:
        raise PolicyError("owner outside the branch")
    return owner.id


def _flush_or_refuse(actor: User, branch_id: int, data: CustomerData, *, exclude_id: int | None = None) -> None:
    """Flush the customer. The duplicate check before it races: when another save of the same person (in
    any branch) got in first, the bank-wide unique index refuses this one, which becomes DuplicateCustomer.
    The failed transaction is rolled back (nothing of this attempt is kept) and the check runs again in a
    new one, which sees the winner."""
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        refuse_duplicates(actor, branch_id=branch_id, data=data, exclude_id=exclude_id)
        raise


def create_customer(actor: User, data: CustomerData) -> Customer:
    """Create a customer in the actor's branch; refuses duplicates."""
    if not policies.can_create_customer(actor):
        raise PolicyError("cannot create customers")
    return _insert_customer(actor, data, _resolve_owner(actor, data.owner_id))


def create_walk_in_prospect(actor: User, *, name: str, mobile: str | None, owner: User) -> Customer:
    """A prospect the lobby hands to a specialist (内部引见 of a new walk-in): owned by the specialist, source
    walk-in, only a surname and title and (optionally) a mobile; refuses duplicates like any create."""
    if not policies.can_log_walk_ins(actor) or owner.branch_id != actor.branch_id or owner.role != "manager":
        raise PolicyError("cannot create a walk-in prospect")
    data = CustomerData(kind="individual", name=name, source="walk_in", status="prospect", mobile=mobile)
    return _insert_customer(actor, data, owner.id)


def _insert_customer(actor: User, data: CustomerData, owner_id: int) -> Customer:
    refuse_duplicates(actor, branch_id=actor.branch_id, data=data)
    now = clock.now()
    customer = Customer(branch_id=actor.branch_id, owner_id=owner_id,
                        created_by_id=actor.id, updated_by_id=actor.id, created_at=now, updated_at=now)
    for name in PLAIN_FIELDS:
        setattr(customer, name, getattr(data, name))
    customer.name_search = search_key(data.name)
    _set_personal_numbers(customer, data)
    _set_consents(customer, data, actor)
    customer.tier = suggest_tier(customer, load_tier_rules())
    db.session.add(customer)
    _flush_or_refuse(actor, actor.branch_id, data)
    write_name_keys(db.session, customer)
    db.session.add(TierChange(customer_id=customer.id, from_tier=None, to_tier=customer.tier,
                              suggested_tier=customer.tier, reason="",  # shown as "suggested by the tier rules", in the reader's language
                              user_id=actor.id, at=now))
    fields = {name: _audit_value(name, getattr(data, name)) for name in PLAIN_FIELDS if getattr(data, name)}
    fields["mobile"] = _audit_value("mobile", data.mobile)
    fields["id_number"] = _audit_value("id_number", data.id_number.number if data.id_number else None)
    audit.record(actor, "customer_create", subject_type="customer", subject_id=customer.id,
                 customer_id=customer.id, branch_id=customer.branch_id,
                 fields={k: v for k, v in fields.items() if v is not None})
    from app.followups.rhythm import plan_first  # imported here: app.followups imports the customer area

    plan_first(customer, actor)
    return customer


@dataclass
class FieldDifference:
    field: str
    saved: Any  # what is in the database now (masked where personal)
    yours: Any  # what this user tried to save (masked where personal)


class EditConflict(Exception):
    """Someone else saved the customer since this user opened the form."""

    def __init__(self, customer: Customer, differences: list[FieldDifference]):
        super().__init__("edit conflict")
        self.customer = customer
        self.differences = differences


def _current_values(customer: Customer) -> dict[str, Any]:
    values = {name: getattr(customer, name) for name in PLAIN_FIELDS}
    values["mobile"] = customer.mobile
    values["id_number"] = customer.id_number
    values["marketing_consent"] = customer.marketing_consent
    values["sensitive_consent"] = customer.sensitive_consent
    return values


def _proposed_values(data: CustomerData) -> dict[str, Any]:
    values = {name: getattr(data, name) for name in PLAIN_FIELDS}
    values["mobile"] = data.mobile
    values["id_number"] = data.id_number.number if data.id_number else None
    values["marketing_consent"] = data.marketing_consent
    values["sensitive_consent"] = data.sensitive_consent
    return values


def _differences(customer: Customer, data: CustomerData) -> list[FieldDifference]:
    current, proposed = _current_values(customer), _proposed_values(data)
    return [
        FieldDifference(name, _audit_value(name, current[name]), _audit_value(name, proposed[name]))
        for name in proposed
        if (current[name] or None) != (proposed[name] or None)
    ]


def update_customer(actor: User, customer: Customer, data: CustomerData, *, expected_version: int) -> list[str]:
    """Save an edit made on version `expected_version`; returns the changed field names."""
    if not policies.can_edit_customer(actor, customer):
        raise PolicyError("cannot edit")
    if customer.version != expected_version:
        raise EditConflict(customer, _differences(customer, data))
    refuse_duplicates(actor, branch_id=customer.branch_id, data=data, exclude_id=customer.id)
    differences = _differences(customer, data)
    # Supervisors may give the customer to another manager of the branch from the edit form.
    new_owner = None
    if data.owner_id is not None and data.owner_id != customer.owner_id:
        new_owner = _resolve_owner(actor, data.owner_id)
    if not differences and new_owner is None:
        return []
    renamed = data.name != customer.name
    old_status = customer.status
    for name in PLAIN_FIELDS:
        setattr(customer, name, getattr(data, name))
    customer.name_search = search_key(data.name)
    _set_personal_numbers(customer, data)
    _set_consents(customer, data, actor)
    customer.updated_at = clock.now()
    customer.updated_by_id = actor.id
    old_owner = customer.owner_id
    if new_owner is not None:
        customer.owner_id = new_owner
    branch_id, customer_id = customer.branch_id, customer.id
    try:
        # Before the audit rows (their INSERT would flush first): version_id_col fails a stale UPDATE,
        # the bank-wide unique index a number another branch saved a moment ago.
        _flush_or_refuse(actor, branch_id, data, exclude_id=customer_id)
    except StaleDataError:
        raise EditConflict(customer, []) from None
    if renamed:  # after the flush: an earlier statement would flush the row (and bump its version) twice
        write_name_keys(db.session, customer)
    introducer_tally.status_changed(customer_id, old_status, data.status)
    for diff in differences:
        audit.record(actor, "customer_update", subject_type="customer", subject_id=customer_id,
                     customer_id=customer_id, branch_id=branch_id, field=diff.field, old=diff.saved, new=diff.yours)
    changed = [d.field for d in differences]
    if new_owner is not None:
        audit.record(actor, "customer_reassign", subject_type="customer", subject_id=customer_id,
                     customer_id=customer_id, branch_id=branch_id, old=old_owner, new=new_owner)
        from app.followups.rhythm import hand_over  # imported here: app.followups imports the customer area

        hand_over([customer_id], old_owner, new_owner)
        changed.append("owner_id")
    return changed


def log_activity(actor: User, customer: Customer, *, kind: str, outcome: str | None, note: str | None,
                 at: datetime | None = None) -> Activity:
    if not policies.can_log_activity(actor, customer):
        raise PolicyError("cannot log activity")
    activity = Activity(customer_id=customer.id, branch_id=customer.branch_id, user_id=actor.id, kind=kind,
                        outcome=outcome or None, note=(note or "").strip() or None, at=at or clock.now())
    db.session.add(activity)
    db.session.flush()
    return activity


def archive_customer(actor: User, customer: Customer, reason: str) -> None:
    if not policies.can_archive(actor, customer):
        raise PolicyError("cannot archive")
    customer.archived_at = clock.now()
    customer.archived_by_id = actor.id
    audit.record(actor, "customer_archive", subject_type="customer", subject_id=customer.id,
                 customer_id=customer.id, branch_id=customer.branch_id, reason=reason.strip()[:300])
    db.session.flush()
    drop_name_keys(db.session, customer.id)  # only active customers are found by name


def restore_customer(actor: User, customer: Customer) -> None:
    if not policies.can_restore(actor, customer):
        raise PolicyError("cannot restore")
    customer.archived_at = None
    customer.archived_by_id = None
    audit.record(actor, "customer_restore", subject_type="customer", subject_id=customer.id,
                 customer_id=customer.id, branch_id=customer.branch_id)
    db.session.flush()
    write_name_keys(db.session, customer)


def reassign_customers(actor: User, customer_ids: list[int], new_owner_id: int) -> list[Customer]:
    """Give one or many customers of the supervisor's branch to another manager of that branch."""
    if not policies.can_reassign(actor):
        raise PolicyError("cannot reassign")
    owner = db.session.scalar(eligible_owners(actor).where(User.id == new_owner_id))
    if owner is None:
        raise PolicyError("new owner outside the branch")
    customers = db.session.scalars(
        customers_visible_to(actor).where(Customer.id.in_(customer_ids[:500]))
    ).all()
    now = clock.now()
    moved, by_old_owner = [], defaultdict(list)
    for customer in customers:
        if customer.owner_id == owner.id:
            continue
        moved.append(customer)
        by_old_owner[customer.owner_id].append(customer.id)
        audit.record(actor, "customer_reassign", subject_type="customer", subject_id=customer.id,
                     customer_id=customer.id, branch_id=customer.branch_id,
                     old=customer.owner_id, new=owner.id)
        customer.owner_id = owner.id
        customer.updated_at = now
        customer.updated_by_id = actor.id
    db.session.flush()
    from app.followups.rhythm import hand_over  # imported here: app.followups imports the customer area

    for old_owner_id, ids in by_old_owner.items():  # one statement per previous owner
        hand_over(ids, old_owner_id, owner.id)
    return moved


REVEALABLE = ("mobile", "id_number")


def reveal_value(actor: User, customer: Customer, field_name: str, reason: str) -> str | None:
    """Return a full personal number and audit who saw it and why."""
    if field_name not in REVEALABLE or not policies.can_reveal(actor, customer):
        raise PolicyError("cannot reveal")
    audit.record(actor, "reveal", subject_type="customer", subject_id=customer.id, customer_id=customer.id,
                 branch_id=customer.branch_id, field=field_name, reason=reason.strip()[:300])
    return getattr(customer, field_name)


def record_view(actor: User, customer: Customer) -> None:
    """Audit one view of a customer page or card (security.md G1)."""
    audit.record(actor, VIEW_ACTION, subject_type="customer", subject_id=customer.id,
                 customer_id=customer.id, branch_id=customer.branch_id)


def has_stored(customer: Customer, field_name: str | None) -> bool:
    """Whether there is a personal number to reveal (nothing stored: no reveal, no audit row claiming one)."""
    return field_name in REVEALABLE and getattr(customer, f"{field_name}_enc") is not None


def conflict_after_rollback(conflict: EditConflict) -> EditConflict:
    """The conflict to show after a refused save: the attempt is undone, the stored record is read again."""
    db.session.rollback()
    return conflict
