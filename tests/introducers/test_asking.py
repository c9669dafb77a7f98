"""Asking for introductions: offered right after a satisfied contact; 1-3 prospects created in one
transaction, owned by the user and introduced by the customer; a number already registered creates nothing."""

from __future__ import annotations

from sqlalchemy import select

from app.core.extensions import db
from app.models import Customer, Introduction
from tests.customers.helpers import body, count, tr
from tests.introducers.conftest import ready

ASK = "A satisfied customer: ask for introductions"


def _rows(*people) -> dict:
    data = {}
    for i, (name, title, mobile, note) in enumerate(people):
        data.update({f"prospects-{i}-name": name, f"prospects-{i}-title": title, f"prospects-{i}-mobile": mobile,
                     f"prospects-{i}-note": note})
    return data


def test_a_satisfied_contact_offers_the_form_right_then(world, customer, manager_client):
    url = f"/customers/{customer.id}/activities"
    happy = manager_client.hx("POST", url, {"kind": "visit", "outcome": "deal", "note": ""})
    assert happy.status_code == 200 and tr(ASK) in body(happy)
    plain = manager_client.hx("POST", url, {"kind": "call", "outcome": "no_answer", "note": ""})
    assert tr(ASK) not in body(plain)
    no_js = manager_client.form(url, {"kind": "visit", "outcome": "interested"})
    assert no_js.status_code == 303 and no_js.headers["Location"].endswith("?ask=1")
    assert tr(ASK) in body(manager_client.get(no_js.headers["Location"]))
    assert tr(ASK) not in body(manager_client.get(f"/customers/{customer.id}"))


def test_two_introductions_become_prospects_of_the_user(world, customer, manager_client):
    response = manager_client.hx("POST", f"/customers/{customer.id}/introductions", _rows(
        ("王", "先生", "13700001111", "想了解房贷"), ("赵丽", "", "", "同事"), ("", "", "", "")))
    assert response.status_code == 200
    created = db.session.scalars(select(Customer).where(Customer.id != customer.id).order_by(Customer.id)).all()
    assert [(c.name, c.status, c.source, c.owner_id) for c in created] == [
        ("王先生", "prospect", "customer_referral", world.manager.id),
        ("赵丽", "prospect", "customer_referral", world.manager.id)]
    assert created[0].mobile == "13700001111" and created[1].mobile is None
    assert [db.session.get(Introduction, c.id).introducer_customer_id for c in created] == [customer.id] * 2
    page = body(response)
    assert "王先生" in page and f"/customers/{created[0].id}" in page and "137****1111" not in page


def test_a_registered_number_creates_nothing(world, customer, make_customer, manager_client):
    make_customer(world.colleague, mobile="13700002222")
    before = count(Customer)
    response = ready(manager_client).hx("POST", f"/customers/{customer.id}/introductions", _rows(
        ("王", "先生", "13700001111", ""), ("李", "女士", "13700002222", "")))
    assert response.status_code == 422
    assert tr("A customer with this number already exists in your branch (see below).") in body(response)
    assert 'id="prospects-1-mobile-errors"' in body(response)
    assert count(Customer) == before and count(Introduction) == 0


def test_the_same_number_twice_and_an_empty_form_are_refused(world, customer, manager_client):
    twice = ready(manager_client).hx("POST", f"/customers/{customer.id}/introductions", _rows(
        ("王", "", "13700001111", ""), ("李", "", "137 0000 1111", "")))
    assert twice.status_code == 422 and tr("The same mobile is entered twice.") in body(twice)
    empty = manager_client.hx("POST", f"/customers/{customer.id}/introductions", _rows(("", "", "", "")))
    assert empty.status_code == 422 and tr("Enter at least one person.") in body(empty)
    number_in_note = manager_client.hx("POST", f"/customers/{customer.id}/introductions", _rows(
        ("王", "", "", "电话13700001111")))
    assert number_in_note.status_code == 422
    assert count(Customer) == 1


def test_colleague_and_other_branch_may_not_record_introductions(world, customer, client_for):
    data = _rows(("王", "", "", ""))
    assert client_for(world.colleague).form(f"/customers/{customer.id}/introductions", data).status_code == 403
    assert client_for(world.other_manager).form(f"/customers/{customer.id}/introductions", data).status_code == 404
    assert count(Customer) == 1
