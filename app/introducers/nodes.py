"""What a node of a chain, a tree, a history or the leaderboard shows, decided once in Python: another
branch's node has no name and no number (security.md A8); a visible customer's name follows the customer
area's full / limited view (masked where the customer list masks it)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from sqlalchemy import select

from app.core import policies
from app.core.extensions import db
from app.core.labels import LABELS
from app.core.privacy import mask, mask_numbers_in_text
from app.introducers.graph import Ref
from app.models import Customer, Partner, User


@dataclass
class Node:
    ref: str  # "c:12" / "p:3"
    visible: bool
    name: str = ""
    url: str = ""
    kind: str = "customer"  # or "partner"
    tier: str | None = None
    status_label: str = ""
    category_label: str = ""
    mobile: str = ""  # always the masked form
    amount: int = 0
    below: int = 0


def customer_node(viewer: User, *, id: int, name: str, branch_id: int, owner_id: int, tier: str | None = None,
                  status: str | None = None, mobile_masked: str | None = None, amount: int = 0,
                  below: int = 0) -> Node:
    ref = f"c:{id}"
    if not policies.sees_node(viewer, branch_id):
        return Node(ref, False, amount=int(amount or 0), below=below)
    full = policies.sees_full_fields(viewer, owner_id, branch_id)
    return Node(ref, True, name=mask_numbers_in_text(name) if full else mask("name", name),
                url=url_for("customers.show", customer_id=id), tier=tier,
                status_label=LABELS.status.get(status or "", ""), mobile=mobile_masked or "",
                amount=int(amount or 0), below=below)


def partner_node(viewer: User, *, id: int, name: str, branch_id: int, category: str | None = None,
                 mobile_masked: str | None = None) -> Node:
    ref = f"p:{id}"
    if not policies.sees_node(viewer, branch_id):
        return Node(ref, False, kind="partner")
    return Node(ref, True, name=mask_numbers_in_text(name), url=url_for("introducers.show_partner", partner_id=id), kind="partner",
                category_label=LABELS.partner_category.get(category or "", ""), mobile=mobile_masked or "")


def nodes_for(viewer: User, refs: set[Ref]) -> dict[Ref, Node]:
    """Nodes for a handful of introducers known only by reference (the history): one statement per kind."""
    found: dict[Ref, Node] = {}
    customer_ids = [r.id for r in refs if r.kind == "c"]
    partner_ids = [r.id for r in refs if r.kind == "p"]
    if customer_ids:
        for row in db.session.execute(select(Customer.id, Customer.name, Customer.branch_id, Customer.owner_id,
                                             Customer.tier, Customer.status, Customer.mobile_masked)
                                      .where(Customer.id.in_(customer_ids))):
            found[Ref("c", row.id)] = customer_node(viewer, id=row.id, name=row.name, branch_id=row.branch_id,
                                                    owner_id=row.owner_id, tier=row.tier, status=row.status,
                                                    mobile_masked=row.mobile_masked)
    if partner_ids:
        for row in db.session.execute(select(Partner.id, Partner.name, Partner.branch_id, Partner.category,
                                             Partner.mobile_masked).where(Partner.id.in_(partner_ids))):
            found[Ref("p", row.id)] = partner_node(viewer, id=row.id, name=row.name, branch_id=row.branch_id,
                                                   category=row.category, mobile_masked=row.mobile_masked)
    return found
