"""Input validation through the routes: bad numbers are shown next to the field and nothing is saved;
odd-but-valid input is normalised; consent for sensitive data (H1); mass assignment (A5)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from app.core.extensions import db
from app.models import Customer
from tests.customers.helpers import (
    FORM,
    ID_NUMBER,
    MOBILE,
    USCC,
    body,
    count,
    field_errors,
    make_id_number,
    tr,
)

NEXT_YEAR = date.today().year + 1

BAD_INPUT = [
    pytest.param({"id_number": "110105194912310021"}, "id_number",
                 "The check character of this ID card number does not match. Please check for typos.",
                 id="id-checksum"),
    pytest.param({"id_number": "110105491231002"}, "id_number",
                 "This is an old 15-digit ID number. Please enter the 18-character ID card number.",
                 id="id-15-digits"),
    pytest.param({"id_number": make_id_number(NEXT_YEAR * 10_000 + 101, 2)}, "id_number",
                 "The birth date in this ID card number is not valid.", id="id-future-birth-date"),
    pytest.param({"id_number": "11010519491331002X"}, "id_number",
                 "The check character of this ID card number does not match. Please check for typos.",
                 id="id-month-13"),
    pytest.param({"mobile": "010-12345678"}, "mobile",
                 "This is a landline or service number. Please enter a mobile number.", id="landline"),
    pytest.param({"mobile": "1381234567"}, "mobile",
                 "This is not a valid mainland China mobile number.", id="mobile-10-digits"),
    pytest.param({"mobile": ""}, "mobile", "Please enter a mobile number.", id="mobile-missing"),
    pytest.param({"kind": "business", "name": "某某商贸有限公司", "contact_name": "李经理",
                  "uscc": "91110000600037341A"}, "uscc",
                 "The check character of this unified social credit code does not match.", id="uscc-checksum"),
    pytest.param({"kind": "business", "name": "某某商贸有限公司", "contact_name": "李经理",
                  "uscc": "9111000060003734IL"}, "uscc",
                 "A unified social credit code uses digits and capital letters except I, O, S, V and Z.",
                 id="uscc-letter-I"),
    pytest.param({"kind": "business", "name": "某某商贸有限公司", "uscc": USCC}, "contact_name",
                 "Please enter the contact person of the business.", id="business-without-contact"),
    pytest.param({"name": ""}, "name", "Please enter the full name.", id="name-missing"),  # a person's 姓名
    pytest.param({"name": "   "}, "name", "Please enter the full name.", id="name-blank"),
    pytest.param({"kind": "business", "name": "", "contact_name": "李经理", "uscc": USCC}, "name",
                 "Please enter the business name.", id="business-name-missing"),  # a business's 名称
]


@pytest.mark.parametrize(("fields", "field", "message"), BAD_INPUT)
def test_bad_input_is_shown_next_to_the_field_and_nothing_is_saved(world, manager_client, fields, field, message):
    response = manager_client.form("/customers/new", {**FORM, "sensitive_consent": "y", **fields})

    assert response.status_code == 200
    assert tr(message) in field_errors(response, field)
    assert tr("Please correct the fields marked below. Nothing was saved.") in body(response)
    assert count(Customer) == 0


def test_bad_input_is_a_fragment_for_htmx(world, manager_client):
    response = manager_client.hx("POST", "/customers/new",
                                 {**FORM, "id_number": "110105194912310021", "sensitive_consent": "y"})
    assert response.status_code == 200
    assert "<html" not in body(response)
    assert tr("The check character of this ID card number does not match. Please check for typos.") in \
        field_errors(response, "id_number")
    assert count(Customer) == 0


def test_typed_numbers_are_not_echoed_back_into_the_form(world, manager_client):
    """A re-shown form asks for the numbers again and shows only their masks (§3)."""
    response = manager_client.form("/customers/new", {**FORM, "mobile": MOBILE, "id_number": ID_NUMBER,
                                                      "name": ""})
    page = body(response)
    assert response.status_code == 200
    assert "138****5678" in page and "110***********002X" in page
    assert 'value="13812345678"' not in page


@pytest.mark.parametrize(("typed_mobile", "typed_id"), [
    ("+86 138-1234-5678", ID_NUMBER),
    ("１３８１２３４５６７８", "１１０１０５１９４９１２３１００２Ｘ"),
    ("138 1234 5678", "11010519491231002x"),
], ids=["plus86-dashes", "full-width", "spaces-lowercase-x"])
def test_numbers_are_normalised(world, manager_client, typed_mobile, typed_id):
    response = manager_client.form("/customers/new", {**FORM, "mobile": typed_mobile, "id_number": typed_id,
                                                      "sensitive_consent": "y"})
    assert response.status_code == 303, body(response)
    db.session.expire_all()
    customer = db.session.scalars(select(Customer)).one()
    assert customer.mobile == MOBILE
    assert customer.mobile_last4 == "5678"
    assert customer.id_number == ID_NUMBER
    assert customer.birthday == date(1949, 12, 31)
    assert customer.gender == "female"


def test_credit_code_is_normalised(world, manager_client):
    response = manager_client.form("/customers/new", {**FORM, "kind": "business", "name": "某某商贸有限公司",
                                                      "contact_name": "李经理", "uscc": " 91110000 600037341l "})
    assert response.status_code == 303, body(response)
    db.session.expire_all()
    assert db.session.scalars(select(Customer.uscc)).one() == USCC


# ---------------------------------------------------------------- inline validation


@pytest.mark.parametrize(("field", "value", "message"), [
    ("id_number", "110105194912310021",
     "The check character of this ID card number does not match. Please check for typos."),
    ("id_number", "110105491231002",
     "This is an old 15-digit ID number. Please enter the 18-character ID card number."),
    ("mobile", "010-12345678", "This is a landline or service number. Please enter a mobile number."),
    ("uscc", "91110000600037341A", "The check character of this unified social credit code does not match."),
])
def test_inline_validation_returns_the_error_fragment(world, manager_client, field, value, message):
    data = {"kind": "business" if field == "uscc" else "individual", field: value}
    response = manager_client.hx("POST", f"/customers/validate/{field}", data)

    assert response.status_code == 200
    page = body(response)
    assert "<html" not in page
    assert page.strip().startswith(f'<div id="{field}-errors"')
    assert tr(message) in page
    assert count(Customer) == 0


def test_inline_validation_of_good_input_is_an_empty_slot(world, manager_client):
    response = manager_client.hx("POST", "/customers/validate/id_number",
                                 {"kind": "individual", "id_number": ID_NUMBER})
    assert response.status_code == 200
    assert field_errors(response, "id_number").strip() == ""


def test_inline_validation_of_an_unknown_field_is_404(world, manager_client):
    assert manager_client.hx("POST", "/customers/validate/branch_id", {"branch_id": "2"}).status_code == 404


# ---------------------------------------------------------------- consent for sensitive data (H1)


@pytest.mark.parametrize("fields", [{"id_number": ID_NUMBER}, {"asset_band": "3m_6m"}], ids=["id-number", "assets"])
def test_sensitive_data_without_consent_is_refused(world, manager_client, fields):
    response = manager_client.form("/customers/new", {**FORM, **fields})

    assert response.status_code == 200
    assert tr("An ID number or assets may only be recorded with the customer's separate consent.") in \
        field_errors(response, "sensitive_consent")
    assert count(Customer) == 0


def test_consent_is_recorded_with_who_and_when(world, manager_client):
    response = manager_client.form("/customers/new", {**FORM, "id_number": ID_NUMBER, "sensitive_consent": "y"})
    assert response.status_code == 303
    db.session.expire_all()
    customer = db.session.scalars(select(Customer)).one()
    assert customer.sensitive_consent is True
    assert customer.sensitive_consent_by_id == world.manager.id
    assert customer.sensitive_consent_at is not None
    assert customer.marketing_consent is False  # nothing is pre-ticked


# ---------------------------------------------------------------- mass assignment (A5)


def test_edit_ignores_branch_and_owner_in_the_body(world, customer, manager_client):
    response = manager_client.form(f"/customers/{customer.id}/edit", {
        **FORM, "name": "张三丰", "mobile": "", "sensitive_consent": "y", "version": "1",
        "owner_id": str(world.colleague.id), "branch_id": str(world.other_branch.id),
    })

    assert response.status_code == 303, body(response)
    db.session.expire_all()
    saved = db.session.get(Customer, customer.id)
    assert saved.name == "张三丰"  # the edit itself went through
    assert saved.owner_id == world.manager.id
    assert saved.branch_id == world.branch.id


def test_create_ignores_branch_and_owner_in_the_body(world, manager_client):
    response = manager_client.form("/customers/new", {
        **FORM, "owner_id": str(world.colleague.id), "branch_id": str(world.other_branch.id),
        "version": "7", "tier": "A"})

    assert response.status_code == 303, body(response)
    db.session.expire_all()
    saved = db.session.scalars(select(Customer)).one()
    assert (saved.owner_id, saved.branch_id, saved.version, saved.tier) == \
        (world.manager.id, world.branch.id, 1, "C")


def test_supervisor_cannot_give_a_customer_to_another_branch(world, customer, supervisor_client):
    response = supervisor_client.form(f"/customers/{customer.id}/edit", {
        **FORM, "mobile": "", "sensitive_consent": "y", "version": "1", "owner_id": str(world.other_manager.id)})

    assert response.status_code == 200
    assert field_errors(response, "owner_id").strip()
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).owner_id == world.manager.id


def test_supervisor_may_choose_an_owner_in_the_branch(world, customer, supervisor_client):
    response = supervisor_client.form(f"/customers/{customer.id}/edit", {
        **FORM, "mobile": "", "sensitive_consent": "y", "version": "1", "owner_id": str(world.colleague.id),
        "branch_id": str(world.other_branch.id)})

    assert response.status_code == 303, body(response)
    db.session.expire_all()
    saved = db.session.get(Customer, customer.id)
    assert (saved.owner_id, saved.branch_id) == (world.colleague.id, world.branch.id)


def test_the_sensitive_consent_shows_with_the_individual_section_only(world, manager_client):
    """A business has no ID number or assets to consent to: the box goes with the person's fields (app.js)."""
    page = body(manager_client.get("/customers/new"))
    start = page.index('data-testid="consent-sensitive"')
    assert 'data-shown-for="individual"' in page[start - 80:start] and 'name="sensitive_consent"' in page[start:]
    assert page.count('data-shown-for="individual"') == 2  # the person's section and the consent


def test_a_refused_mobile_on_the_edit_form_says_what_was_typed_not_the_stored_number(world, make_customer,
                                                                                      manager_client):
    customer = make_customer(world.manager, name="王五")
    response = manager_client.form(f"/customers/{customer.id}/edit", {
        **FORM, "name": "王五", "mobile": "12345", "sensitive_consent": "y", "version": str(customer.version)})
    assert response.status_code == 200
    mobile_input = re.search(r'<input[^>]*name="mobile"[^>]*>', body(response)).group(0)
    assert tr("leave empty to keep") not in mobile_input
    assert tr("typed before: %(masked)s · please type again", masked="*****") in mobile_input  # 12345, masked
