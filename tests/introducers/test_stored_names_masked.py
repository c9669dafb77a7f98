"""Names written around the form (an import, older data, or a number the input rule once missed) that hold a
full mobile show it masked on every page that shows the name: partners' names were printed as stored on the
partner page, the list, the leaderboard, the chain and the picker; customers' names in the full view."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from app.core.extensions import db
from app.models import Customer, Partner
from app.referrals import sending
from tests.customers.helpers import body

NUMBER, MASKED = "13912345678", "139****5678"


@pytest.fixture
def named(world, make_customer, make_partner, introduce):
    partner = make_partner(world.manager, name="链家")
    customer = make_customer(world.manager, name="王")
    prospect = make_customer(world.manager, name="李")
    introduce(customer, partner)
    introduce(prospect, customer)
    sending.send_referral(world.manager, customer, recipient_id=world.colleague.id, need="loan", note=None)
    db.session.execute(update(Partner).where(Partner.id == partner.id).values(name=f"链家{NUMBER}"))
    db.session.execute(update(Customer).where(Customer.id == customer.id).values(name=f"王{NUMBER}"))
    db.session.commit()
    return partner, customer, prospect


def _pages(client, partner, customer, prospect) -> dict[str, str]:
    pages = {url: body(client.get(url)) for url in (
        f"/partners/{partner.id}", "/partners/", "/referrals/introducers", f"/customers/{customer.id}",
        f"/customers/{prospect.id}", "/customers/", f"/partners/{partner.id}/tree", f"/customers/{customer.id}/edit",
        "/referrals/?tab=from_me", "/referrals/?tab=branch")}
    pages["picker"] = body(client.hx("POST", "/introducers/picker", {"introducer_q": "链家"}))
    return pages


@pytest.mark.parametrize("role", ["manager", "supervisor"])
def test_a_number_in_a_stored_name_is_masked_everywhere(app, world, named, client_for, role):
    client = client_for(world.by_role(role))
    pages = _pages(client, *named)
    leaks = [url for url, page in pages.items() if NUMBER in page]
    assert leaks == []
    assert all(MASKED in pages[url] for url in (f"/partners/{named[0].id}", "/partners/", "picker"))
    app.config["PFI_VIOLATIONS"].clear()  # the leaks were asserted above, by page
