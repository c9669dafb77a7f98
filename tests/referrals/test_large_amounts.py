"""A sale above the largest amount the column holds (2,000,000,000 yuan) was refused with "enter the amount in
whole yuan, for example 200000", which a whole-yuan amount already is: the message now says what the limit is."""

from __future__ import annotations

import pytest

from app.core.extensions import db
from app.models import Referral
from tests.customers.helpers import body, tr


@pytest.mark.parametrize("amount", ["3000000000", "3,000,000,000", "99999999999999999999"])
def test_too_large_says_the_limit(world, customer, refer, move, colleague_client, amount):
    referral = refer(world.manager, customer)
    move(world.colleague, referral, "accept")
    move(world.colleague, referral, "contact")
    response = colleague_client.hx("POST", f"/referrals/{referral.id}/convert",
                                   {"version": str(referral.version), "product": "对公贷款", "amount": amount})
    assert response.status_code == 422
    assert tr("The amount is too large: at most %(max)s yuan.", max="2,000,000,000") in body(response)
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).status == "contacted"


@pytest.mark.parametrize("amount", ["-5", "1e309", "NaN", "0", "1.5"])
def test_other_bad_amounts_keep_the_format_message(world, customer, refer, move, colleague_client, amount):
    referral = refer(world.manager, customer)
    move(world.colleague, referral, "accept")
    move(world.colleague, referral, "contact")
    response = colleague_client.hx("POST", f"/referrals/{referral.id}/convert",
                                   {"version": str(referral.version), "product": "房贷", "amount": amount})
    assert response.status_code == 422
    assert tr("Enter the amount in whole yuan, for example 200000.") in body(response)
