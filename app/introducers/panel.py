"""What the introducer parts of the customer page and the partner page show, read in a fixed number of
statements: the chain (one), the first tree level (one), the yield (one), the history (one, plus one per
kind of introducer named in it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.core import policies
from app.introducers import graph, links
from app.introducers.forms import IntroducerForm
from app.introducers.graph import Ref
from app.introducers.nodes import Node, customer_node, nodes_for, partner_node
from app.models import Customer, User


@dataclass
class HistoryEntry:
    at: object
    by: str
    before: Node | None
    after: Node | None
    reason: str | None


@dataclass
class CustomerPanel:
    chain: list[Node]  # root first, the customer's own introducer last
    level: list[Node]
    more_after: int | None
    totals: graph.Yield
    history: list[HistoryEntry] = field(default_factory=list)
    form: IntroducerForm | None = None
    current: Node | None = None


def chain_nodes(user: User, customer_id: int) -> list[Node]:
    nodes = []
    for link in graph.chain(customer_id):
        if link.customer_id is not None:
            nodes.append(customer_node(user, id=link.customer_id, name=link.name, branch_id=link.branch_id,
                                       owner_id=link.owner_id, tier=link.tier, status=link.status,
                                       mobile_masked=link.mobile_masked, amount=link.amount))
        else:
            nodes.append(partner_node(user, id=link.partner_id, name=link.name, branch_id=link.branch_id,
                                      mobile_masked=link.mobile_masked))
    return list(reversed(nodes))


def level_nodes(user: User, parent: Ref, *, after: int = 0) -> tuple[list[Node], int | None]:
    found = graph.level(parent, after=after)
    return [customer_node(user, id=n.customer_id, name=n.name, branch_id=n.branch_id, owner_id=n.owner_id,
                          tier=n.tier, status=n.status, mobile_masked=n.mobile_masked, amount=n.amount,
                          below=n.below) for n in found.nodes], found.more_after


def history_entries(user: User, customer_id: int) -> list[HistoryEntry]:
    rows = links.history(customer_id)
    refs = set()
    for change, _by in rows:
        refs.update(_refs(change))
    named = nodes_for(user, refs) if refs else {}
    entries = []
    for change, by in rows:
        before, after = _ref(change.from_customer_id, change.from_partner_id), _ref(change.to_customer_id,
                                                                                   change.to_partner_id)
        entries.append(HistoryEntry(change.at, by, named.get(before) if before else None,
                                    named.get(after) if after else None, change.reason))
    return entries


def _ref(customer_id: int | None, partner_id: int | None) -> Ref | None:
    if customer_id:
        return Ref("c", customer_id)
    return Ref("p", partner_id) if partner_id else None


def _refs(change) -> list[Ref]:
    return [r for r in (_ref(change.from_customer_id, change.from_partner_id),
                        _ref(change.to_customer_id, change.to_partner_id)) if r is not None]


def customer_panel(user: User, customer: Customer, form: IntroducerForm | None = None) -> CustomerPanel:
    chain = chain_nodes(user, customer.id)
    level, more = level_nodes(user, Ref("c", customer.id))
    can_set = policies.can_set_introducer(user, customer)
    return CustomerPanel(chain=chain, level=level, more_after=more, totals=graph.yield_of(Ref("c", customer.id)),
                         history=history_entries(user, customer.id),
                         form=(form or IntroducerForm(formdata=None)) if can_set else None,
                         current=chain[-1] if chain else None)
