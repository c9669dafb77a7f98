"""Found after the lobby try-out: the audit log has no words for referrals, introducers and partners. A sent
referral reads "need: loan；recipient: 李四；note: …" (English keys and codes), a changed introducer
"old: c:12；new: p:3" (record ids) and a new partner's row says "其他操作" (other action)."""

from __future__ import annotations

import re

from app.core.extensions import db
from app.introducers import partners
from tests.auditlog.test_routes import rows
from tests.customers.helpers import tr

RAW = re.compile(r"\b(need|recipient|note|access|product|amount|reason|old|new|fields|loan|wealth|shared|owner|"
                 r"kind|category|person|organisation|real_estate|None|True|False)\b|\b[cp]:\d+\b")


def _lines(client, action_label) -> list[dict]:
    return [r for r in rows(client.get("/audit/")) if r["action"] == tr(action_label)]


def test_referral_steps_read_as_sentences(world, customer, refer, move, client_for):
    won = refer(world.manager, customer, need="loan", note="客户下午三点来")
    move(world.colleague, won, "accept")
    move(world.colleague, won, "contact")
    move(world.colleague, won, "convert", product="经营贷", amount="300000")
    declined = refer(world.manager, customer, need="wealth")
    move(world.colleague, declined, "decline", reason="本周排满")
    client = client_for(world.supervisor)
    everything = rows(client.get("/audit/"))
    assert not [r for r in everything if r["action"] == tr("Other action")]
    raw = [(r["action"], r["details"]) for r in everything if RAW.search(r["details"])]
    assert raw == [], f"English keys, codes or record ids in the details: {raw}"
    sent = " ".join(r["details"] for r in _lines(client, "Sent a referral"))
    assert tr("To %(name)s.", name=world.colleague.display_name) in sent
    assert tr("Need: %(need)s.", need=tr("Loan")) in sent
    assert tr("Note: %(note)s", note="客户下午三点来") in sent
    converted = " ".join(r["details"] for r in _lines(client, "Converted a referral"))
    assert tr("Won: %(product)s, %(amount)s yuan.", product="经营贷", amount="300,000") in converted
    accepted = " ".join(r["details"] for r in _lines(client, "Accepted a referral"))
    assert tr("Access given: %(access)s.", access=tr("Shared access, owner unchanged")) in accepted
    assert "本周排满" in " ".join(r["details"] for r in _lines(client, "Declined a referral"))


def test_introducer_and_partner_events_name_who(world, customer, make_customer, make_partner, introduce,
                                                client_for):
    friend = make_customer(world.manager, name="李四")
    partner = make_partner(kind="organisation", name="万家房产", category="real_estate")
    introduce(customer, friend)
    introduce(customer, partner, reason="客户说是中介介绍的")
    partners.update_partner(world.manager, partner, partners.PartnerData(
        kind="organisation", category="real_estate", name="万家地产"),
                            expected_version=partner.version)
    partners.archive_partner(world.manager, partner)
    db.session.commit()
    client = client_for(world.supervisor)
    changes = [r["details"] for r in _lines(client, "Changed who introduced a customer")]
    assert tr("Introducer: %(old)s → %(new)s.", old=tr("nobody"), new="李四") in changes
    assert any(tr("Introducer: %(old)s → %(new)s.", old="李四", new=tr("partner %(name)s", name="万家地产")) in c
               and "客户说是中介介绍的" in c for c in changes), changes
    added = " ".join(r["details"] for r in _lines(client, "Added a partner"))
    assert tr("Real-estate agent") in added and "万家" in added
    assert _lines(client, "Changed a partner") and _lines(client, "Archived a partner")
    everything = rows(client.get("/audit/"))
    assert not [r for r in everything if r["action"] == tr("Other action")]
    raw = [(r["action"], r["details"]) for r in everything if RAW.search(r["details"])]
    assert raw == [], f"English keys, codes or record ids in the details: {raw}"


def test_an_admin_reads_the_introducer_by_name_too(world, customer, make_customer, introduce, client_for):
    """Names come from the reader's scope: an admin, of no branch, reads every branch's names."""
    friend = make_customer(world.manager, name="李四")
    introduce(customer, friend)
    changes = " ".join(r["details"] for r in _lines(client_for(world.admin), "Changed who introduced a customer"))
    assert tr("Introducer: %(old)s → %(new)s.", old=tr("nobody"), new="李四") in changes
