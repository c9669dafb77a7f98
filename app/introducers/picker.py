"""The introducer picker: customers and partners the user can see, found by name as the user types."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.privacy import mask_numbers_in_text
from app.customers import search
from app.customers.presenters import list_rows
from app.introducers.graph import Ref
from app.introducers.nodes import nodes_for
from app.introducers.partners import list_partners
from app.models import User

PICKS = 8


@dataclass
class Pick:
    ref: str
    label: str
    detail: str


def find(user: User, raw: str | None) -> list[Pick]:
    """Up to 8 customers and 8 partners whose name matches; numbers are not looked up here (a number search
    is the customer list's audited, rate-limited job)."""
    filters = search.CustomerFilters(q=search.normalise_term(raw))
    if filters.term_kind != "name":
        return []
    result = search.search_customers(user, filters, per_page=PICKS)
    picks = [Pick(f"c:{row.id}", row.name, " · ".join(x for x in (row.tier, row.status_label, row.mobile) if x))
             for row in list_rows(user, result.rows)]
    partners, _more = list_partners(user, filters.q)
    picks += [Pick(f"p:{p.id}", mask_numbers_in_text(p.name), p.mobile_masked or "") for p in partners[:PICKS]]
    return picks


def selected(user: User, raw: str | None) -> Pick | None:
    """The pick already chosen (a form shown again after a refusal keeps it), if the user may see it."""
    ref = Ref.parse(raw)
    if ref is None:
        return None
    node = nodes_for(user, {ref}).get(ref)
    if node is None or not node.visible:
        return None
    return Pick(str(ref), node.name, node.mobile)
