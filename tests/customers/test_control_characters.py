"""Control characters in free text (NUL, ESC, BEL, bidi overrides) are refused on the field with a message and
come back removed, so a second click saves the rest; they were stored on SQLite and, on PostgreSQL, a NUL
turned the whole form into the generic 400 page. Tabs and line breaks in notes stay allowed."""

from __future__ import annotations

import pytest

from app.core.extensions import db
from app.models import Activity, Customer, Introduction, Partner, Referral
from tests.customers.helpers import FORM, body, count, tr
from tests.referrals.conftest import at_work, colleague_client, refer  # noqa: F401

REFUSED = "Remove the control characters (invisible characters often copied along with pasted text)."
CONTROLS = {"nul": "\x00", "esc": "\x1b", "bel": "\x07", "del": "\x7f", "c1": "\x85", "rlo": "\u202e",
            "isolate": "\u2066"}


@pytest.mark.parametrize("char", CONTROLS.values(), ids=CONTROLS.keys())
def test_customer_name_refused_and_returned_clean(world, manager_client, char):
    response = manager_client.form("/customers/new", {**FORM, "name": f"李{char}四"})
    assert response.status_code == 200 and tr(REFUSED) in body(response)
    assert 'value="李四"' in body(response)
    assert count(Customer) == 0


@pytest.mark.parametrize("char", CONTROLS.values(), ids=CONTROLS.keys())
def test_activity_note_refused(world, customer, manager_client, char):
    response = manager_client.hx("POST", f"/customers/{customer.id}/activities",
                                 {"kind": "call", "outcome": "", "note": f"回电{char}了"})
    assert response.status_code == 200 and tr(REFUSED) in body(response)
    assert count(Activity) == 0


def test_line_breaks_and_tabs_in_notes_are_kept(world, customer, manager_client):
    response = manager_client.hx("POST", f"/customers/{customer.id}/activities",
                                 {"kind": "call", "outcome": "reached", "note": "第一行\r\n第二行\t完"})
    assert response.status_code == 200
    assert db.session.scalars(db.select(Activity.note)).one() == "第一行\r\n第二行\t完"


def test_referral_note_refused(world, customer, manager_client, at_work):  # noqa: F811
    response = manager_client.hx("POST", f"/referrals/new/{customer.id}",
                                 {"need": "loan", "recipient_id": str(world.colleague.id), "note": "急\x00需"})
    assert response.status_code == 422 and tr(REFUSED) in body(response)
    assert count(Referral) == 0


def test_partner_fields_refused(world, manager_client):
    for name, value in (("name", "老\x1b[31m张"), ("organisation", "链家\x00"), ("notes", "\u202e备注")):
        data = {"kind": "person", "category": "coi", "name": "老张", name: value}
        response = manager_client.form("/partners/new", data)
        assert response.status_code == 200 and tr(REFUSED) in body(response), name
    assert count(Partner) == 0


def test_introducer_reason_and_prospect_names_refused(world, customer, make_customer, manager_client):
    first, second = make_customer(world.manager, name="甲先生"), make_customer(world.manager, name="乙女士")
    url = f"/customers/{customer.id}/introducer"
    assert manager_client.hx("POST", url, {"introducer": f"c:{first.id}"}).status_code == 200
    refused = manager_client.hx("POST", url, {"introducer": f"c:{second.id}", "reason": "记错\x07了"})
    assert refused.status_code == 422 and tr(REFUSED) in body(refused)
    db.session.expire_all()
    assert db.session.get(Introduction, customer.id).introducer_customer_id == first.id
    asked = manager_client.hx("POST", f"/customers/{customer.id}/introductions",
                              {"prospects-0-name": "王\x00", "prospects-0-title": "", "prospects-0-mobile": "",
                               "prospects-0-note": ""})
    assert asked.status_code == 422 and tr(REFUSED) in body(asked)
    assert count(Introduction) == 1 and count(Customer) == 3


def test_decline_reason_refused(world, customer, refer, colleague_client):  # noqa: F811
    referral = refer(world.manager, customer)
    response = colleague_client.hx("POST", f"/referrals/{referral.id}/decline",
                                   {"version": str(referral.version), "reason": "不是我\x00的"})
    assert response.status_code == 422 and tr(REFUSED) in body(response)
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).status == "sent"
