"""Demo partners and introducer trees: partners of every category in each branch, and trees several levels
deep under partners and under customers (called once from app.core.demo after the customers exist)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select, update

from app.core.extensions import db
from app.core.privacy import encrypt_pfi, lookup_hash, mask
from app.customers.name_keys import search_key
from app.introducers import tally
from app.models import Customer, Introduction, IntroductionChange, Partner, PartnerCategory, Source

PARTNERS = {
    PartnerCategory.CENTER_OF_INFLUENCE: [("社区王主任", "person", "幸福里社区居委会"), ("商会李会长", "person", "区个体商会")],
    PartnerCategory.REAL_ESTATE: [("链家东区店", "organisation", "链家地产"), ("我爱我家周经理", "person", "我爱我家")],
    PartnerCategory.CAR_DEALER: [("城东4S店", "organisation", "广汽丰田城东店")],
    PartnerCategory.EMPLOYER_HR: [("科技园人事部", "organisation", "星河科技有限公司")],
    PartnerCategory.OTHER: [("老乡会刘大姐", "person", None)],
}
LEVELS = (4, 3, 2, 2)  # children per node, level by level: trees four levels deep


def build_introducers(branches, *, seed: int, now: datetime | None = None) -> None:
    """`branches`: (branch, owners, creator) as app.core.demo builds them."""
    rng = random.Random(seed + 7)
    now = now or datetime.now(UTC)
    for branch, owners, creator in branches:
        partner_ids = _partners(branch.id, owners, creator.id, rng, now)
        free = list(db_ids(branch.id))
        rng.shuffle(free)
        roots = [("p", pid) for pid in partner_ids[:4]] + [("c", free.pop()) for _ in range(3)]
        links, changes = [], []
        for kind, root in roots:
            _grow(kind, root, 0, free, rng, now, branch.id, creator.id, links, changes)
        if links:
            db.session.execute(insert(Introduction), links)
            db.session.execute(insert(IntroductionChange), changes)
            for source in (Source.CUSTOMER_REFERRAL, Source.PARTNER_REFERRAL):
                ids = [row["customer_id"] for row in links
                       if (row["introducer_partner_id"] is None) == (source == Source.CUSTOMER_REFERRAL)]
                db.session.execute(update(Customer).where(Customer.id.in_(ids)).values(source=source.value))
    tally.recount()  # the links went in as bulk rows, past the tally's incremental upkeep


def db_ids(branch_id: int):
    return db.session.scalars(select(Customer.id).where(Customer.branch_id == branch_id).order_by(Customer.id))


def _partners(branch_id: int, owners, creator_id: int, rng: random.Random, now: datetime) -> list[int]:
    rows = []
    for category, entries in PARTNERS.items():
        for name, kind, organisation in entries:
            owner = owners[len(rows) % len(owners)]  # the first partner is the first owner's (journeys edit it)
            mobile = f"135{rng.randrange(0, 10**8):08d}"
            rows.append({"branch_id": branch_id, "owner_id": owner.id, "kind": kind,
                         "category": category.value, "name": name, "name_search": search_key(name),
                         "organisation": organisation, "contact_name": None,
                         "mobile_enc": encrypt_pfi("mobile", mobile), "mobile_hash": lookup_hash("mobile", mobile),
                         "mobile_last4": mobile[-4:], "mobile_masked": mask("mobile", mobile),
                         "notes": "每季度回访一次" if rng.random() < 0.5 else None, "created_at": now,
                         "created_by_id": creator_id, "updated_at": now, "archived_at": None, "version": 1})
    db.session.execute(insert(Partner), rows)
    return list(db.session.scalars(select(Partner.id).where(Partner.branch_id == branch_id).order_by(Partner.id)))


def _grow(kind: str, parent: int, depth: int, free: list[int], rng: random.Random, now: datetime, branch_id: int,
          recorder: int, links: list, changes: list) -> None:
    if depth >= len(LEVELS):
        return
    for _ in range(rng.randint(1, LEVELS[depth])):
        if not free:
            return
        child = free.pop()
        # Recent introductions sit in this month, so the leaderboard's default period has rows.
        at = now - timedelta(days=rng.randrange(0, 25 if depth else 200), hours=rng.randrange(0, 12))
        links.append({"customer_id": child, "branch_id": branch_id, "introduced_at": at, "recorded_by_id": recorder,
                      "introducer_customer_id": parent if kind == "c" else None,
                      "introducer_partner_id": parent if kind == "p" else None})
        changes.append({"customer_id": child, "from_customer_id": None, "from_partner_id": None,
                        "to_customer_id": parent if kind == "c" else None,
                        "to_partner_id": parent if kind == "p" else None, "reason": None, "user_id": recorder,
                        "at": at})
        _grow("c", child, depth + 1, free, rng, now, branch_id, recorder, links, changes)
