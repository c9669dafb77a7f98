"""Every referral status change in one table: from which statuses, to which, who may do it, what it needs."""

from __future__ import annotations

from typing import NamedTuple

from flask_babel import lazy_gettext as _l

from app.models import ReferralStatus as S


class Transition(NamedTuple):
    sources: tuple[str, ...]  # statuses the referral must be in
    target: str | None  # the status after it (None: the status stays, e.g. reassign)
    actors: frozenset[str]  # "sender", "recipient", "supervisor" (of the referral's branch)
    label: object  # the button's text
    needs: tuple[str, ...] = ()  # form fields the action requires


RECIPIENT_SIDE = frozenset({"recipient", "supervisor"})

TRANSITIONS: dict[str, Transition] = {
    "accept": Transition((S.SENT,), S.ACCEPTED, RECIPIENT_SIDE, _l("Accept")),
    "decline": Transition((S.SENT,), S.DECLINED, RECIPIENT_SIDE, _l("Decline"), ("reason",)),
    "withdraw": Transition((S.SENT,), S.WITHDRAWN, frozenset({"sender"}), _l("Withdraw")),
    "contact": Transition((S.ACCEPTED,), S.CONTACTED, RECIPIENT_SIDE, _l("Mark contacted")),
    "convert": Transition((S.CONTACTED,), S.CONVERTED, RECIPIENT_SIDE, _l("Converted"), ("product", "amount")),
    "close": Transition((S.CONTACTED,), S.CLOSED, RECIPIENT_SIDE, _l("Close without sale"), ("reason",)),
    # The branch's supervisor hands a referral nobody has worked yet to another colleague.
    "reassign": Transition((S.SENT,), None, frozenset({"supervisor"}), _l("Reassign"), ("recipient_id",)),
}

# The audit action (and timeline entry) each change writes; sending is "referral_send".
AUDIT_ACTIONS = {name: f"referral_{name}" for name in TRANSITIONS}
SEND_ACTION = "referral_send"
ALL_AUDIT_ACTIONS = (SEND_ACTION, *AUDIT_ACTIONS.values())
