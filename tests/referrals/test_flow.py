"""The referral workflow through HTTP: send from the customer page, the inbox, actions in place, the badge."""

from __future__ import annotations

from sqlalchemy import select

from app.core.extensions import db
from app.models import CustomerShare, Referral
from tests.customers.helpers import body, count


def test_send_accept_contact_convert(world, customer, manager_client, colleague_client, at_work):
    page = manager_client.get(f"/referrals/new/{customer.id}", headers={"HX-Request": "true"})
    assert page.status_code == 200
    assert world.colleague.display_name in body(page)
    sent = manager_client.hx("POST", f"/referrals/new/{customer.id}",
                             {"need": "loan", "recipient_id": str(world.colleague.id), "note": "想了解房贷"})
    assert sent.status_code == 200, body(sent)
    assert sent.headers["HX-Trigger"] == "referrals-changed"
    referral = db.session.scalar(select(Referral))
    assert referral.status == "sent" and referral.sender_id == world.manager.id

    badge = colleague_client.get("/referrals/badge")
    assert ">1<" in body(badge)
    inbox = colleague_client.get("/referrals/")
    assert inbox.status_code == 200 and "想了解房贷" in body(inbox)

    for action, data in (("accept", {}), ("contact", {}), ("convert", {"product": "房贷", "amount": "500,000"})):
        db.session.expire_all()
        version = db.session.get(Referral, referral.id).version
        response = colleague_client.hx("POST", f"/referrals/{referral.id}/{action}", {"version": str(version), **data})
        assert response.status_code == 200, body(response)
        assert f'id="referral-{referral.id}"' in body(response)
    db.session.expire_all()
    referral = db.session.get(Referral, referral.id)
    assert (referral.status, referral.product, referral.amount, referral.access_given) == ("converted", "房贷", 500000, "shared")
    assert count(CustomerShare, CustomerShare.user_id == world.colleague.id) == 1
    assert ">1<" not in body(colleague_client.get("/referrals/badge"))
    credit = manager_client.get("/referrals/credit")
    assert "500,000" in body(credit)
    timeline = body(manager_client.get(f"/customers/{customer.id}"))
    assert "房贷" in timeline
