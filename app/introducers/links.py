"""Who introduced a customer: set, change (with a reason) or remove it; every change is kept. A customer is
never introduced by itself or by anyone it introduced, directly or down the chain."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select

from app.core import audit, clock, policies
from app.core.extensions import db
from app.core.refusals import InvalidInput, PolicyError
from app.core.scoping import in_branch_scope
from app.introducers import tally
from app.introducers.graph import Ref, would_loop
from app.models import Customer, Introduction, IntroductionChange, Partner, Source, User

FIELD = "introducer"
SELF = _l("A customer cannot introduce itself.")
LOOP = _l("This customer introduced the one you chose (directly or down the chain): choose someone else.")
UNKNOWN = _l("Choose the introducer from the list.")
NEEDED = _l("Please choose who introduced this customer.")
REASON = _l("Please give a reason for the change.")
SAME = _l("This is already the customer's introducer.")

REFERRAL_SOURCES = (Source.CUSTOMER_REFERRAL.value, Source.PARTNER_REFERRAL.value)
def source_for(ref: Ref | None, source: str) -> str:
    """The customer's source once an introducer is picked: introduced by a customer or by a partner."""
    if ref is None:
        return source
    return Source.CUSTOMER_REFERRAL.value if ref.kind == "c" else Source.PARTNER_REFERRAL.value


def _check(actor: User, customer: Customer, ref: Ref) -> None:
    """Refuse an introducer the actor cannot see, the customer itself, or one below it in its tree."""
    if ref.kind == "c":
        if ref.id == customer.id:
            raise InvalidInput({FIELD: SELF})
        found = db.session.get(Customer, ref.id)
        if found is None or found.archived or not in_branch_scope(actor, found.branch_id):
            raise InvalidInput({FIELD: UNKNOWN})
        if would_loop(customer.id, ref.id):
            raise InvalidInput({FIELD: LOOP})
    else:
        found = db.session.get(Partner, ref.id)
        if found is None or found.archived_at is not None or not in_branch_scope(actor, found.branch_id):
            raise InvalidInput({FIELD: UNKNOWN})


def _columns(ref: Ref | None) -> tuple[int | None, int | None]:
    if ref is None:
        return None, None
    return (ref.id, None) if ref.kind == "c" else (None, ref.id)


def current_ref(customer_id: int) -> Ref | None:
    row = db.session.get(Introduction, customer_id)
    if row is None:
        return None
    return Ref("c", row.introducer_customer_id) if row.introducer_customer_id else Ref("p", row.introducer_partner_id)


def introduce_new(actor: User, customer: Customer, raw: str | None) -> None:
    """On creating a prospect: link the picked introducer; a referral source without one is refused."""
    ref = Ref.parse(raw)
    if raw and ref is None:
        raise InvalidInput({FIELD: UNKNOWN})
    if ref is None:
        if customer.source in REFERRAL_SOURCES:
            raise InvalidInput({FIELD: NEEDED})
        return
    set_introducer(actor, customer, ref, reason=None)


def change_introducer(actor: User, customer: Customer, raw: str | None, *, remove: bool,
                      reason: str | None) -> IntroductionChange:
    """The customer page's form: a picked introducer ("c:12" / "p:3"), or remove the current one."""
    ref = None if remove else Ref.parse(raw)
    if ref is None and not remove:
        raise InvalidInput({FIELD: UNKNOWN})
    return set_introducer(actor, customer, ref, reason=reason)


def set_introducer(actor: User, customer: Customer, ref: Ref | None, *, reason: str | None) -> IntroductionChange:
    """Set, change or remove (ref None) the introducer; changing or removing needs a reason."""
    if not policies.can_set_introducer(actor, customer):
        raise PolicyError("cannot set introducer")
    # Before reading the current introducer (PostgreSQL): two changes of one customer, or two that together
    # would close a loop (A by B, B by A), run one after the other and the second sees the first.
    tally.lock()
    reason = (reason or "").strip()[:300] or None
    old = current_ref(customer.id)
    if ref is not None and ref == old:
        raise InvalidInput({FIELD: SAME})
    if old is not None and reason is None:
        raise InvalidInput({"reason": REASON})
    if ref is None and old is None:
        raise InvalidInput({FIELD: UNKNOWN})
    if ref is not None:
        _check(actor, customer, ref)
    now = clock.now()
    row = db.session.get(Introduction, customer.id)
    if ref is None:
        db.session.delete(row)
    else:
        cid, pid = _columns(ref)
        if row is None:
            row = Introduction(customer_id=customer.id, branch_id=customer.branch_id, introduced_at=now,
                               recorded_by_id=actor.id)
            db.session.add(row)
        row.introducer_customer_id, row.introducer_partner_id = cid, pid
        row.recorded_by_id = actor.id
    (from_c, from_p), (to_c, to_p) = _columns(old), _columns(ref)
    change = IntroductionChange(customer_id=customer.id, from_customer_id=from_c, from_partner_id=from_p,
                                to_customer_id=to_c, to_partner_id=to_p, reason=reason, user_id=actor.id, at=now)
    db.session.add(change)
    db.session.flush()
    tally.moved(customer.id, old, ref)
    audit.record(actor, "introducer_change", subject_type="customer", subject_id=customer.id,
                 customer_id=customer.id, branch_id=customer.branch_id,
                 old=str(old) if old else None, new=str(ref) if ref else None, reason=reason)
    return change


# Built once with bound parameters, like graph.CHAIN.
HISTORY = (select(IntroductionChange, User.display_name).join(User, User.id == IntroductionChange.user_id)
           .where(IntroductionChange.customer_id == bindparam("customer_id"))
           .order_by(IntroductionChange.at.desc(), IntroductionChange.id.desc()).limit(bindparam("limit")))


def history(customer_id: int, *, limit: int = 50) -> list:
    """The customer's introducer changes, newest first, with who made them (one statement)."""
    return list(db.session.execute(HISTORY, {"customer_id": customer_id, "limit": limit}))
