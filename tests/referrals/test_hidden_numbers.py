"""A referral note or a partner name whose full mobile is broken up by zero-width spaces or em dashes (it reads
as the full number on screen) is refused and comes back masked, like one typed with spaces."""

from __future__ import annotations

import pytest

from app.core.extensions import db
from app.models import Partner, Referral
from tests.customers.helpers import body, count

HIDDEN = {"zero-width": "\u200b".join("13912345678"), "em-dash": "139\u20141234\u20145678",
          "word-joiner": "139\u20601234\u20605678"}


@pytest.mark.parametrize("written", HIDDEN.values(), ids=HIDDEN.keys())
def test_referral_note_refused_and_masked(world, customer, manager_client, at_work, written):
    response = manager_client.hx("POST", f"/referrals/new/{customer.id}",
                                 {"need": "loan", "recipient_id": str(world.colleague.id), "note": f"客户电话{written}"})
    assert response.status_code == 422
    page = body(response)
    assert "139****5678" in page and written not in page
    assert count(Referral) == 0


@pytest.mark.parametrize("written", HIDDEN.values(), ids=HIDDEN.keys())
def test_partner_name_refused(world, manager_client, written):
    response = manager_client.form("/partners/new", {"kind": "person", "category": "coi", "name": f"老张{written}"})
    assert response.status_code == 200 and written not in body(response)
    db.session.expire_all()
    assert count(Partner) == 0
