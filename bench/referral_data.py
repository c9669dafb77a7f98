"""The benchmark's referral data (issue 10): partners, who introduced whom, internal referrals.

30% of customers were introduced (30,000 of 100,000). In branch 1 the first customer is the root of a tree of
5,000 (ten children a node, four levels deep); every other introduced customer was introduced by an earlier
customer of its branch or by one of the branch's partners, so no chain loops. Each branch's managers sent each
other referrals in every status; a referral from the third month back is old news, one from today may be overdue.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

PARTNERS_PER_BRANCH = 20
INTRODUCED_SHARE = 0.3
TREE_SIZE = 5_000
TREE_FAN_OUT = 10
REFERRALS_PER_BRANCH = 1_500
PARTNER_CATEGORIES = ("coi", "real_estate", "car_dealer", "employer_hr", "other")
NEEDS = ("deposit", "wealth", "loan", "card", "insurance", "corporate", "other")
# status: share of referrals (every status appears)
STATUS_WEIGHTS = (("sent", 20), ("accepted", 15), ("declined", 10), ("contacted", 15), ("converted", 25),
                  ("closed", 10), ("withdrawn", 5))


def partner_rows(branch_id: int, owner_ids: list[int], rng: random.Random, now: datetime) -> list[dict]:
    from app.customers.name_keys import search_key

    rows = []
    for k in range(PARTNERS_PER_BRANCH):
        name = f"合作方{branch_id:02d}-{k:02d}"
        rows.append({"branch_id": branch_id, "owner_id": owner_ids[k % len(owner_ids)],
                     "kind": "organisation" if k % 3 else "person", "category": PARTNER_CATEGORIES[k % 5],
                     "name": name, "name_search": search_key(name), "created_at": now - timedelta(days=400),
                     "created_by_id": owner_ids[0], "updated_at": now - timedelta(days=400), "version": 1})
    return rows


def introduction_rows(branch_customers: list, partner_ids: list[int], rng: random.Random, *,
                      with_tree: bool) -> list[dict]:
    """`branch_customers`: (id, branch_id, owner_id, created_at) by id. The introducer always comes earlier."""
    rows = []

    def edge(child, by_customer: int | None, by_partner: int | None) -> dict:
        return {"customer_id": child.id, "branch_id": child.branch_id, "introducer_customer_id": by_customer,
                "introducer_partner_id": by_partner, "introduced_at": child.created_at, "recorded_by_id": child.owner_id}

    start = 0
    if with_tree:
        tree = branch_customers[:TREE_SIZE + 1]
        rows.extend(edge(child, tree[(j - 1) // TREE_FAN_OUT].id, None) for j, child in enumerate(tree) if j)
        start = TREE_SIZE + 1
    wanted = int(len(branch_customers) * INTRODUCED_SHARE) - len(rows)
    rest = branch_customers[start:]
    for position in sorted(rng.sample(range(1, len(rest)), max(0, min(wanted, len(rest) - 1)))):
        child = rest[position]
        if rng.random() < 0.3:
            rows.append(edge(child, None, rng.choice(partner_ids)))
        else:
            rows.append(edge(child, rest[rng.randrange(position)].id, None))
    return rows


def referral_rows(branch_customers: list, manager_ids: list[int], rng: random.Random, now: datetime,
                  accept_hours: int = 4) -> tuple[list[dict], list[dict]]:
    """(referral rows, customer_share rows): each referral about its own customer, between two managers."""
    statuses = [s for s, weight in STATUS_WEIGHTS for _ in range(weight)]
    referrals, shares = [], []
    for child in rng.sample(branch_customers, min(REFERRALS_PER_BRANCH, len(branch_customers))):
        sender, recipient = rng.sample(manager_ids, 2)
        status = rng.choice(statuses)
        sent = now - timedelta(minutes=rng.randrange(0, 90 * 24 * 60))
        answered = sent + timedelta(minutes=rng.randrange(5, 600))
        row = {"branch_id": child.branch_id, "customer_id": child.id, "sender_id": sender,
               "recipient_id": recipient, "need": rng.choice(NEEDS), "note": "客户有意向，请跟进", "origin": "customer",
               "status": status, "sent_at": sent, "accept_due_at": sent + timedelta(hours=accept_hours),
               "responded_at": None, "decline_reason": None, "contacted_at": None, "finished_at": None,
               "close_reason": None, "product": None, "amount": None, "access_given": None, "updated_at": sent,
               "version": 1}
        if status in ("accepted", "declined", "contacted", "converted", "closed"):
            row["responded_at"] = row["updated_at"] = answered
        if status == "declined":
            row["decline_reason"] = "不属于我的业务范围"
        if status in ("accepted", "contacted", "converted", "closed"):
            row["access_given"] = "shared"
            shares.append({"customer_id": child.id, "user_id": recipient, "granted_at": answered})
        if status in ("contacted", "converted", "closed"):
            row["contacted_at"] = row["updated_at"] = answered + timedelta(hours=2)
        if status in ("converted", "closed", "withdrawn"):
            row["finished_at"] = row["updated_at"] = answered + timedelta(days=1)
        if status == "converted":
            row["product"], row["amount"] = rng.choice((("理财产品", 500_000), ("个人贷款", 300_000), ("信用卡", 0),
                                                         ("定期存款", 200_000)))
        if status == "closed":
            row["close_reason"] = "客户暂无需求"
        referrals.append(row)
    return referrals, shares
