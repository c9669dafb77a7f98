"""Number searches (issue 8, item 1): the term is normalised once, and that one value is classified,
rate-limited, audited and searched, whatever padding or width it was typed with."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.extensions import db
from app.customers.search import CustomerFilters, normalise_term
from app.models import AuditEvent
from tests.customers.helpers import body

MOBILE = "13812345678"  # the `customer` fixture's
PADDED = [
    MOBILE + " " * 60 + "x",          # the attack: spaces push a letter past the length cut
    " " * 10 + MOBILE,
    "１３８１２３４５６７８",            # full-width digits
    "138 1234 5678",
    MOBILE + "\t\t\t",
    "+86 " + MOBILE,
]


@pytest.mark.parametrize("typed", PADDED)
def test_every_form_of_a_number_is_one_number_search(typed):
    filters = CustomerFilters.from_values({"q": typed})
    assert filters.looks_up_number
    assert filters.q == normalise_term(typed)


def number_searches() -> list[AuditEvent]:
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "number_search")).all()


@pytest.mark.parametrize("typed", PADDED[:3])
def test_a_padded_number_counts_against_the_limit(app, customer, manager_client, typed):
    limit = int(app.config["SEARCH_NUMBER_LIMIT"].split()[0])
    for _ in range(limit):
        assert manager_client.hx("POST", "/customers/search", {"q": MOBILE}).status_code == 200
    refused = manager_client.hx("POST", "/customers/search", {"q": typed})
    assert refused.status_code == 429


def test_a_number_with_a_letter_is_refused_not_searched_by_hash(customer, manager_client):
    # What is searched is what was classified: a number with junk is a partial number, refused with a message.
    response = manager_client.hx("POST", "/customers/search", {"q": MOBILE + " " * 60 + "x"})
    assert response.status_code == 200
    assert 'data-testid="search-error"' in body(response) and "138****5678" not in body(response)
    assert number_searches() == []


def test_a_full_number_search_is_audited_with_the_number_masked(world, customer, manager_client):
    response = manager_client.hx("POST", "/customers/search", {"q": " 138-1234-5678 "})
    assert response.status_code == 200
    [row] = number_searches()
    assert row.actor_id == world.manager.id and row.branch_id == world.manager.branch_id
    assert row.details == {"field": "mobile", "term": "138****5678", "hits": 1}
    assert MOBILE not in str(row.details)


def test_a_search_that_finds_nobody_is_audited_too(world, customer, client_for):
    client_for(world.colleague).hx("POST", "/customers/search", {"q": "13912345670"})
    [row] = number_searches()
    assert row.details["hits"] == 0 and row.actor_id == world.colleague.id


def test_name_and_last4_searches_are_not_audited_as_number_look_ups(customer, manager_client):
    manager_client.hx("POST", "/customers/search", {"q": "张"})
    manager_client.hx("POST", "/customers/search", {"q": "5678"})
    assert number_searches() == []


def test_the_inline_duplicate_check_is_audited(world, customer, manager_client):
    response = manager_client.hx("POST", "/customers/validate/mobile", {"kind": "individual", "mobile": MOBILE})
    assert response.status_code == 200
    [row] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "duplicate_check")).all()
    assert row.details == {"field": "mobile", "term": "138****5678", "hits": 1}


def test_a_padded_duplicate_check_counts_against_the_limit(app, customer, manager_client):
    limit = int(app.config["SEARCH_NUMBER_LIMIT"].split()[0])
    for _ in range(limit):
        manager_client.hx("POST", "/customers/validate/mobile", {"kind": "individual", "mobile": MOBILE})
    padded = {"kind": "individual", "mobile": " " * 30 + "１３８ 1234 5678"}
    assert manager_client.hx("POST", "/customers/validate/mobile", padded).status_code == 429
