"""The demo data's customer rows, without a database."""

from __future__ import annotations

import random

from faker import Faker

from app.core.demo_data import UniqueMobiles, customer_rows


def test_demo_customers_have_a_consent_date_exactly_when_they_consented():
    rng, faker = random.Random(7), Faker("zh_CN")
    rows = list(customer_rows(branch_id=1, owner_ids=[1], creator_id=1, count=300, rng=rng, faker=faker,
                              mobiles=UniqueMobiles(rng)))
    consented = [r for r in rows if r["marketing_consent"]]
    assert 0 < len(consented) < len(rows)
    assert all((r["marketing_consent_at"] is not None) == r["marketing_consent"] for r in rows)
    assert all((r["marketing_consent_by_id"] is not None) == r["marketing_consent"] for r in rows)
