"""Sending a referral: whom to suggest for a need (with their open load), and the send itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, case, false, func, select
from sqlalchemy.exc import IntegrityError

from app.core import audit, clock, policies, worker_copies
from app.core.extensions import db
from app.core.privacy import contains_personal_number
from app.core.refusals import InvalidInput, PolicyError
from app.models import (
    OPEN_REFERRAL_STATUSES,
    Branch,
    Customer,
    Referral,
    ReferralNeed,
    Specialty,
    StaffPresence,
    User,
)
from app.referrals.hours import add_working_hours
from app.referrals.transitions import SEND_ACTION

# Which specialty serves each need (None: anyone may). The one place this mapping lives.
NEED_SPECIALTY: dict[str, str | None] = {
    ReferralNeed.DEPOSIT: Specialty.RETAIL,
    ReferralNeed.CARD: Specialty.RETAIL,
    ReferralNeed.WEALTH: Specialty.WEALTH,
    ReferralNeed.INSURANCE: Specialty.WEALTH,
    ReferralNeed.LOAN: Specialty.CREDIT,
    ReferralNeed.CORPORATE: Specialty.CORPORATE,
    ReferralNeed.OTHER: None,
}

ALREADY_OPEN = _l("This colleague already has an open referral of this customer for this need.")
NOT_TO_SELF = _l("You cannot refer a customer to yourself.")
NO_SUCH_COLLEAGUE = _l("Choose a colleague of this branch.")
NOTE_NUMBER = _l("A full mobile, ID card or card number cannot be saved in the note.")
BAD_NEED = _l("Choose the need.")


@dataclass(frozen=True, slots=True)
class Colleague:
    id: int
    name: str
    specialty: str | None
    open_load: int  # referrals sent to them not yet finished
    suggested: bool
    away: bool = False  # marked away for the day asked about (the lobby's picker)


def suggested_specialty(need: str | None) -> str | None:
    return NEED_SPECIALTY.get(need or "")


@lru_cache(maxsize=32)
def _colleagues_statement(specialty: str | None, with_presence: bool):
    """Built once per specialty, branch and actor bound: assembling it cost more than running it. The open load
    is counted per colleague through (recipient_id, status): a join grouped over every open referral of the bank
    read them all."""
    load = (select(func.count()).where(Referral.recipient_id == User.id, Referral.status.in_(OPEN_REFERRAL_STATUSES))
            .correlate(User).scalar_subquery())
    away = (select(StaffPresence.user_id).where(StaffPresence.user_id == User.id, StaffPresence.day == bindparam("day"),
                                                StaffPresence.present.is_(False)).exists() if with_presence else false())
    return (select(User.id, User.display_name, User.specialty, load.label("load"), away.label("away"))
            .where(User.branch_id == bindparam("branch_id"), User.role == "manager", User.active.is_(True),
                   User.id != bindparam("actor_id"))
            .order_by(case((User.specialty == specialty, 0), else_=1) if specialty else User.id.is_(None),
                      "load", User.display_name, User.id))


def colleagues_for(actor: User, branch_id: int, need: str | None, *,
                   presence_day: date | None = None) -> list[Colleague]:
    """The branch's active managers (never the actor), the need's specialty first, then the least loaded:
    one query with the open load counted in SQL (and, given `presence_day`, who is marked away that day)."""
    specialty = suggested_specialty(need)
    rows = db.session.execute(_colleagues_statement(specialty, presence_day is not None),
                              {"branch_id": branch_id, "actor_id": actor.id, "day": presence_day}).all()
    return [Colleague(r.id, r.display_name, r.specialty, r.load, specialty is None or r.specialty == specialty,
                      bool(r.away)) for r in rows]


def _recipient(customer: Customer, recipient_id: int | None) -> User:
    user = db.session.get(User, recipient_id) if recipient_id else None
    if user is None or not policies.can_receive_referral(user) or user.branch_id != customer.branch_id:
        raise InvalidInput({"recipient_id": NO_SUCH_COLLEAGUE})
    return user


def _open_exists(customer_id: int, recipient_id: int, need: str) -> bool:
    return db.session.scalar(select(Referral.id).where(
        Referral.customer_id == customer_id, Referral.recipient_id == recipient_id, Referral.need == need,
        Referral.status.in_(OPEN_REFERRAL_STATUSES)).limit(1)) is not None


def send_referral(actor: User, customer: Customer, *, recipient_id: int | None, need: str, note: str | None,
                  origin: str = "customer") -> Referral:
    """Refer `customer` to a colleague for `need`. A second identical send (double click, two tabs) is
    refused: by the check here, and when two race past it, by the partial unique index uq_referral_open."""
    if not policies.can_send_referral(actor, customer):
        raise PolicyError("cannot refer this customer")
    if need not in NEED_SPECIALTY:
        raise InvalidInput({"need": BAD_NEED})
    if recipient_id == actor.id:
        raise InvalidInput({"recipient_id": NOT_TO_SELF})
    recipient = _recipient(customer, recipient_id)
    note = (note or "").strip() or None
    if contains_personal_number(note):
        raise InvalidInput({"note": NOTE_NUMBER})
    if _open_exists(customer.id, recipient.id, need):
        raise InvalidInput({"recipient_id": ALREADY_OPEN})
    now = clock.now()
    branch = db.session.get(Branch, customer.branch_id)
    referral = Referral(branch_id=customer.branch_id, customer_id=customer.id, sender_id=actor.id,
                        recipient_id=recipient.id, need=need, note=note, origin=origin, status="sent",
                        sent_at=now, updated_at=now,
                        accept_due_at=add_working_hours(now, branch.referral_accept_hours or 4))
    try:
        with db.session.begin_nested():
            db.session.add(referral)
            db.session.flush()
    except IntegrityError:
        raise InvalidInput({"recipient_id": ALREADY_OPEN}) from None
    audit.record(actor, SEND_ACTION, subject_type="referral", subject_id=referral.id, customer_id=customer.id,
                 branch_id=customer.branch_id, need=need, recipient=recipient.display_name, note=note)
    return referral


worker_copies.keep("colleague picker statements", _colleagues_statement.cache_clear)
