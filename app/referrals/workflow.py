"""Moving a referral along its statuses (the table in transitions.py), with the access an accept gives."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from app.core import audit, clock, policies
from app.core.extensions import db
from app.core.privacy import contains_personal_number
from app.core.refusals import InvalidInput, PolicyError
from app.core.validation import CONTROL_CHARACTERS_REFUSED, has_control_characters
from app.followups.rhythm import hand_over
from app.introducers import tally as introducer_tally
from app.models import Branch, Customer, CustomerShare, Referral, ReferralAccess, User
from app.referrals.hours import add_working_hours
from app.referrals.sending import NO_SUCH_COLLEAGUE, NOT_TO_SELF, _open_exists, _recipient
from app.referrals.transitions import AUDIT_ACTIONS, TRANSITIONS

MAX_AMOUNT = 2_000_000_000  # yuan; the column is a 32-bit integer
CHANGED_MEANWHILE = _l("This referral was changed meanwhile (by a colleague or in another tab). It is shown as it "
                       "stands now.")
REASON_NEEDED = _l("Please give a reason.")
PRODUCT_NEEDED = _l("Enter the product won.")
AMOUNT_INVALID = _l("Enter the amount in whole yuan, for example 200000.")
NUMBER_REFUSED = _l("A full mobile, ID card or card number cannot be saved here.")
ALREADY_THEIRS = _l("This colleague already has an open referral of this customer for this need.")


class ChangedMeanwhile(Exception):
    """The referral is not at the version the user acted on (two tabs, or two people)."""


@dataclass(frozen=True)
class ActionInput:
    """What an action's form gave; each action reads only the fields it needs."""

    reason: str | None = None
    product: str | None = None
    amount: str | None = None
    recipient_id: int | None = None


def _amount_digits(raw: str | None) -> str:
    """The typed amount as plain digits when it is written as whole yuan (full-width, commas, 元, .00)."""
    text = unicodedata.normalize("NFKC", raw or "").strip().replace(",", "").replace(" ", "")
    if text.endswith("元"):
        text = text[:-1]
    if text.endswith(".00"):
        text = text[:-3]
    return text if text.isascii() and text.isdigit() else ""


def parse_amount(raw: str | None) -> int | None:
    """Whole yuan: full-width digits and thousands separators are accepted, anything else is not."""
    text = _amount_digits(raw)
    if not text or not 0 < int(text) <= MAX_AMOUNT:
        return None
    return int(text)


def _amount_refusal(raw: str | None):
    text = _amount_digits(raw)
    if text and int(text) > MAX_AMOUNT:
        return _l("The amount is too large: at most %(max)s yuan.", max=f"{MAX_AMOUNT:,}")
    return AMOUNT_INVALID


def _text(value: str | None, field: str, *, missing, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput({field: missing})
    if contains_personal_number(text):
        raise InvalidInput({field: NUMBER_REFUSED})
    if has_control_characters(text):
        raise InvalidInput({field: CONTROL_CHARACTERS_REFUSED})
    return text[:limit]


def _sale(given: ActionInput) -> tuple[str, int]:
    """The product and amount won; both are checked, so a refusal names every field in error at once."""
    errors: dict = {}
    try:
        product = _text(given.product, "product", missing=PRODUCT_NEEDED, limit=60)
    except InvalidInput as exc:
        errors.update(exc.errors)
    amount = parse_amount(given.amount)
    if amount is None:
        errors["amount"] = _amount_refusal(given.amount)
    if errors:
        raise InvalidInput(errors)
    return product, amount


def _grant_access(actor: User, referral: Referral) -> str:
    """Shared access (the default) or the ownership, as the branch configures; returns what was given."""
    branch = db.session.get(Branch, referral.branch_id)
    customer = db.session.get(Customer, referral.customer_id)
    recipient_id = referral.recipient_id
    if branch.referral_access == ReferralAccess.OWNER:
        if customer.owner_id != recipient_id:
            audit.record(actor, "customer_reassign", subject_type="customer", subject_id=customer.id,
                         customer_id=customer.id, branch_id=customer.branch_id, old=customer.owner_id,
                         new=recipient_id, referral=referral.id)
            hand_over([customer.id], customer.owner_id, recipient_id)
            customer.owner_id = recipient_id
            customer.updated_at = clock.now()
            customer.updated_by_id = actor.id
        return ReferralAccess.OWNER.value
    if customer.owner_id != recipient_id and all(s.user_id != recipient_id for s in customer.shares):
        customer.shares.append(CustomerShare(user_id=recipient_id, referral_id=referral.id, granted_at=clock.now()))
    return ReferralAccess.SHARED.value


def act(actor: User, referral: Referral, action: str, *, expected_version: int,
        given: ActionInput = ActionInput()) -> Referral:
    """Apply `action` to a referral the actor saw at `expected_version`; refusals change nothing."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise PolicyError("no such action")
    if referral.version != expected_version:
        raise ChangedMeanwhile()
    if not policies.can_act_on_referral(actor, referral, action):
        raise PolicyError(f"cannot {action} this referral")
    now = clock.now()
    details: dict = {"need": referral.need}
    if action == "accept":
        referral.responded_at = now
        referral.access_given = _grant_access(actor, referral)
        details["access"] = referral.access_given
    elif action == "decline":
        referral.decline_reason = details["reason"] = _text(given.reason, "reason", missing=REASON_NEEDED, limit=300)
        referral.responded_at = now
    elif action == "contact":
        referral.contacted_at = now
    elif action == "convert":
        product, amount = _sale(given)
        referral.product, referral.amount = details["product"], details["amount"] = product, amount
        referral.finished_at = now
    elif action == "close":
        referral.close_reason = details["reason"] = _text(given.reason, "reason", missing=REASON_NEEDED, limit=300)
        referral.finished_at = now
    elif action == "withdraw":
        referral.finished_at = now
    elif action == "reassign":
        _reassign(referral, given.recipient_id, now, details)
    if transition.target is not None:
        referral.status = transition.target
    referral.updated_at = now
    try:
        db.session.flush()  # version_id_col: an UPDATE of a row someone changed since it was read matches nothing
    except StaleDataError:
        db.session.rollback()
        raise ChangedMeanwhile() from None
    if action == "convert":
        introducer_tally.won(referral.customer_id, referral.amount)
    audit.record(actor, AUDIT_ACTIONS[action], subject_type="referral", subject_id=referral.id,
                 customer_id=referral.customer_id, branch_id=referral.branch_id, **details)
    return referral


def _reassign(referral: Referral, recipient_id: int | None, now, details: dict) -> None:
    """A supervisor gives a referral nobody accepted yet to another colleague; its clock starts again."""
    customer = db.session.get(Customer, referral.customer_id)
    if recipient_id in (referral.sender_id, referral.recipient_id):
        raise InvalidInput({"recipient_id": NOT_TO_SELF if recipient_id == referral.sender_id
                            else NO_SUCH_COLLEAGUE})
    recipient = _recipient(customer, recipient_id)
    if _open_exists(customer.id, recipient.id, referral.need):
        raise InvalidInput({"recipient_id": ALREADY_THEIRS})
    if referral.status != "sent":
        raise PolicyError("only a referral not yet accepted is reassigned")
    details.update(old=referral.recipient.display_name, new=recipient.display_name)
    referral.recipient_id = recipient.id
    branch = db.session.get(Branch, referral.branch_id)
    referral.accept_due_at = add_working_hours(now, branch.referral_accept_hours or 4)
