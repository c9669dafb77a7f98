"""One record per person per branch: the service refuses duplicates with a masked pointer to the
existing record, says only "another branch" for other branches (§3), and the database has the last word."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from app.core import clock
from app.core.extensions import db
from app.core.privacy import encrypt_pfi, lookup_hash
from app.models import Customer
from tests.customers.helpers import FORM, ID_NUMBER, MOBILE, USCC, body, count, field_errors, tr

SAME_BRANCH = "A customer with this number already exists in your branch (see below)."
ELSEWHERE = "This customer already exists in another branch. Please ask your supervisor."


@pytest.fixture
def company(world, make_customer):
    return make_customer(world.manager, kind="business", name="京华商贸有限公司", contact_name="周经理",
                         uscc=USCC, mobile="18612345678")


CASES = [
    pytest.param("mobile", {"mobile": MOBILE}, id="mobile"),
    pytest.param("mobile", {"mobile": "+86 138-1234-5678"}, id="mobile-written-differently"),
    pytest.param("id_number", {"id_number": ID_NUMBER}, id="id-number"),
    pytest.param("id_number", {"id_number": "11010519491231002x"}, id="id-number-lower-x"),
]


@pytest.mark.parametrize(("field", "fields"), CASES)
def test_same_number_in_the_branch_is_refused_with_a_link(world, customer, manager_client, field, fields):
    response = manager_client.form("/customers/new", {**FORM, "sensitive_consent": "y", **fields})

    assert response.status_code == 200
    assert tr(SAME_BRANCH) in field_errors(response, field)
    page = body(response)
    assert 'data-testid="duplicates"' in page
    assert f'href="/customers/{customer.id}"' in page
    assert "张三" in page  # the owner may see the name
    assert count(Customer) == 1


def test_same_credit_code_in_the_branch_is_refused(world, company, manager_client):
    response = manager_client.form("/customers/new", {**FORM, "kind": "business", "name": "京华商贸二号",
                                                      "contact_name": "钱经理", "uscc": USCC})
    assert response.status_code == 200
    assert tr(SAME_BRANCH) in field_errors(response, "uscc")
    assert f'href="/customers/{company.id}"' in body(response)
    assert count(Customer) == 1


def test_the_link_is_masked_for_a_manager_who_does_not_own_the_record(world, customer, client_for):
    response = client_for(world.colleague).form("/customers/new", {**FORM, "mobile": MOBILE})
    page = body(response)
    assert response.status_code == 200
    assert f'href="/customers/{customer.id}"' in page
    assert "张*" in page and "张三" not in page
    assert "138****5678" in page
    assert count(Customer) == 1


def test_inline_check_points_at_the_existing_record(world, customer, client_for):
    response = client_for(world.colleague).hx("POST", "/customers/validate/mobile", {"mobile": "138 1234 5678"})
    page = body(response)
    assert response.status_code == 200 and "<html" not in page
    assert f'href="/customers/{customer.id}"' in page
    assert "张*" in page and "张三" not in page


@pytest.mark.parametrize(("field", "fields"), [
    pytest.param("mobile", {"mobile": MOBILE}, id="mobile"),
    pytest.param("id_number", {"id_number": ID_NUMBER, "sensitive_consent": "y"}, id="id-number"),
])
def test_number_in_another_branch_says_only_that(world, customer, other_branch_client, field, fields):
    response = other_branch_client.form("/customers/new", {**FORM, **fields})

    assert response.status_code == 200
    assert tr(ELSEWHERE) in field_errors(response, field)
    page = body(response)
    assert "张" not in page  # neither 张三 nor its mask
    assert world.branch.name not in page
    assert f"/customers/{customer.id}" not in page
    assert count(Customer) == 1


def test_inline_check_for_another_branch_says_only_that(world, customer, other_branch_client):
    response = other_branch_client.hx("POST", "/customers/validate/mobile", {"mobile": MOBILE})
    page = body(response)
    assert tr(ELSEWHERE) in page
    assert "张" not in page and world.branch.name not in page and f"/customers/{customer.id}" not in page


def test_credit_code_in_another_branch_says_only_that(world, company, other_branch_client):
    response = other_branch_client.form("/customers/new", {**FORM, "kind": "business", "name": "某公司",
                                                           "contact_name": "钱经理", "uscc": USCC})
    assert tr(ELSEWHERE) in field_errors(response, "uscc")
    assert "京华" not in body(response) and world.branch.name not in body(response)
    assert count(Customer) == 1


def test_edit_into_a_duplicate_is_refused(world, customer, make_customer, manager_client):
    other = make_customer(world.manager, name="李四", mobile="13900001111")
    response = manager_client.form(f"/customers/{other.id}/edit", {
        **FORM, "name": "李四", "mobile": MOBILE, "version": str(other.version)})

    assert response.status_code == 200
    assert tr(SAME_BRANCH) in field_errors(response, "mobile")
    assert f'href="/customers/{customer.id}"' in body(response)
    db.session.expire_all()
    saved = db.session.get(Customer, other.id)
    assert saved.mobile == "13900001111" and saved.version == 1


def test_saving_a_record_with_its_own_number_is_not_a_duplicate(world, customer, manager_client):
    response = manager_client.form(f"/customers/{customer.id}/edit", {
        **FORM, "name": "张三", "mobile": MOBILE, "id_number": ID_NUMBER, "sensitive_consent": "y", "version": "1"})
    assert response.status_code == 303, body(response)


# ---------------------------------------------------------------- the database unique indexes


def raw_customer(world, branch, **numbers) -> Customer:
    """A customer row added straight to the session, bypassing the service's duplicate check."""
    now = clock.now()
    mobile = numbers.pop("mobile", None)
    id_number = numbers.pop("id_number", None)
    return Customer(branch_id=branch.id, owner_id=world.manager.id, name="绕过", name_search="绕过",
                    source="walk_in", created_at=now, updated_at=now,
                    mobile_enc=encrypt_pfi("mobile", mobile), mobile_hash=lookup_hash("mobile", mobile),
                    id_number_enc=encrypt_pfi("id_number", id_number),
                    id_number_hash=lookup_hash("id_number", id_number), **numbers)


@pytest.mark.parametrize("numbers", [{"mobile": MOBILE}, {"id_number": ID_NUMBER}, {"uscc": USCC}],
                         ids=["mobile", "id-number", "uscc"])
def test_database_refuses_a_duplicate_inserted_around_the_service(world, customer, company, numbers):
    db.session.add(raw_customer(world, world.branch, **numbers))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert count(Customer) == 2


@pytest.mark.parametrize("numbers", [{"mobile": MOBILE}, {"id_number": ID_NUMBER}, {"uscc": USCC}],
                         ids=["mobile", "id-number", "uscc"])
def test_database_refuses_the_same_number_in_another_branch_and_allows_many_without_one(world, customer, company,
                                                                                        numbers):
    db.session.add(raw_customer(world, world.other_branch, **numbers))  # one person, one record, bank-wide
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    db.session.add_all([raw_customer(world, world.branch) for _ in range(3)])  # no numbers: no conflict
    db.session.commit()
    assert count(Customer) == 5
