"""What a customer list row shows, computed once in Python (masked by policy, labelled, dated), so the
template prints plain attributes."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import current_app, url_for

from app.core import policies
from app.core.labels import LABELS
from app.core.privacy import mask, mask_numbers_in_text
from app.models import User


@dataclass(slots=True)
class CustomerRow:
    id: int
    url: str
    tier: str
    name: str  # full for those who see the full record, else masked
    mobile: str  # always masked (L1 or L2)
    status: str
    status_label: str
    source_label: str
    owner_name: str
    branch_name: str
    updated: str
    is_business: bool


def list_rows(viewer: User, customers) -> list[CustomerRow]:
    """Display rows for the list query's rows (listing.ROW_COLUMNS and viewer_shares) as `viewer` may see them."""
    statuses, sources = LABELS.status, LABELS.source
    tz = ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])
    customers = list(customers)
    sees_full = policies.full_record_rule(viewer, shared={r.id for r in customers if r.viewer_shares})
    # The page URL differs only by the id: one url_for for the table, not one per row.
    url_prefix = url_for("customers.show", customer_id=0)[:-1]
    rows = []
    for row in customers:
        rows.append(CustomerRow(
            id=row.id,
            url=url_prefix + str(row.id),
            tier=row.tier,
            name=(mask_numbers_in_text(row.name) if sees_full(row.owner_id, row.branch_id, row.id)
                  else mask("name", row.name)),
            mobile=row.mobile_masked or "",  # the same at L1 and L2 (security.md §3), stored at write time
            status=row.status,
            status_label=statuses.get(row.status, row.status),
            source_label=sources.get(row.source, row.source),
            owner_name=row.owner_name,
            branch_name=row.branch_name,
            updated=row.updated_at.astimezone(tz).date().isoformat(),
            is_business=row.kind == "business",
        ))
    return rows
