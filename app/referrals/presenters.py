"""What an inbox row shows, decided once in Python: the customer as the viewer may see it (named, masked,
or "another branch"), labels, and the actions the viewer may take."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import url_for

from app.core import policies
from app.core.labels import LABELS
from app.core.privacy import mask, mask_numbers_in_text
from app.models import User


@dataclass(slots=True)
class ReferralRow:
    id: int
    version: int
    status: str
    status_label: str
    need: str
    need_label: str
    customer_label: str  # full name, masked name, or "" when the customer is in another branch
    customer_url: str | None  # only for those who may open the customer page
    customer_mobile: str | None  # masked; for lobby staff, who have no customer page
    other_branch: bool
    sender_name: str
    recipient_id: int
    recipient_name: str
    sent_at: datetime
    accept_due_at: datetime
    overdue: bool
    note: str | None  # masked
    product: str | None
    amount: int | None
    reason: str | None  # decline or close reason, masked
    access_label: str
    accepted_by: str | None  # who accepted for the recipient (a supervisor); None when the recipient did
    actions: list[str] = field(default_factory=list)
    error: str | None = None  # a refusal no field of the open form shows (changed meanwhile)
    field_errors: dict = field(default_factory=dict)  # field of the open action's form -> its message
    open_action: str | None = None  # the action whose form comes back open (refused input)
    typed: dict = field(default_factory=dict)


class _CustomerView:
    """The few customer fields policies.can_view_customer reads, from a list row."""

    __slots__ = ("branch_id", "owner_id")

    def __init__(self, branch_id: int, owner_id: int) -> None:
        self.branch_id, self.owner_id = branch_id, owner_id


def present(viewer: User, rows) -> list[ReferralRow]:
    """Display rows for inbox result rows (which say whether the viewer shares each customer)."""
    rows = list(rows)
    sees_full = policies.full_record_rule(viewer, shared={r.customer_id for r in rows if r.viewer_shares})
    statuses, needs, access = LABELS.referral_status, LABELS.referral_need, LABELS.referral_access
    url_prefix = url_for("customers.show", customer_id=0)[:-1]
    out = []
    for r in rows:
        visible = policies.sees_referral_customer(viewer, _CustomerView(r.customer_branch_id, r.customer_owner_id))
        lobby_view = viewer.role == "lobby" and policies.in_own_branch(viewer, r.customer_branch_id)
        if visible:
            full = sees_full(r.customer_owner_id, r.customer_branch_id, r.customer_id)
            label = mask_numbers_in_text(r.customer_name) if full else mask("name", r.customer_name)
        elif lobby_view:
            label = mask("name", r.customer_name)
        else:
            label = ""
        out.append(ReferralRow(
            id=r.id, version=r.version, status=r.status, status_label=statuses.get(r.status, ""),
            need=r.need, need_label=needs.get(r.need, ""), customer_label=label,
            customer_url=url_prefix + str(r.customer_id) if visible else None,
            customer_mobile=r.customer_mobile if lobby_view else None,
            other_branch=not (visible or lobby_view),
            sender_name=r.sender_name, recipient_id=r.recipient_id, recipient_name=r.recipient_name, sent_at=r.sent_at,
            accept_due_at=r.accept_due_at, overdue=bool(r.overdue),
            note=mask_numbers_in_text(r.note) or None, product=mask_numbers_in_text(r.product) or None,
            amount=r.amount, reason=mask_numbers_in_text(r.decline_reason or r.close_reason) or None,
            access_label=access.get(r.access_given or "", ""),
            accepted_by=r.accepted_by_name,
            actions=policies.referral_actions(viewer, r),
        ))
    return out


def put_errors(row: ReferralRow, errors: dict, fields: tuple[str, ...]) -> None:
    """A refusal's messages on the row: at the fields the open form shows, the rest above the actions."""
    row.field_errors = {name: str(message) for name, message in errors.items() if name in fields}
    rest = [str(message) for name, message in errors.items() if name not in fields]
    row.error = " ".join(rest) or None
