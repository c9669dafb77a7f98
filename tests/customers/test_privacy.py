"""Personal numbers stay masked on every path (F1), are revealed only with a reason, a fresh login and
an audit row (A4, B5), are never stored in clear (F2) or put in a URL (F3), and number searches are
rate limited (§4.5). The suite-wide after-request hook fails any test whose responses carry a full
mobile or ID number outside customers.reveal: every test here uses a customer that has both."""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta
from urllib.parse import unquote, urlsplit

import pytest
from sqlalchemy import select

from app.core import clock
from app.core.extensions import db
from app.core.privacy import PFI_PATTERNS
from app.models import AuditEvent, Customer
from tests.conftest import PASSWORD
from tests.customers.helpers import (
    FORM,
    ID_L1,
    ID_L2,
    ID_NUMBER,
    MOBILE,
    MOBILE_MASKED,
    body,
    count,
    make_id_number,
    tr,
)


@pytest.fixture
def edited(world, customer, manager_client):
    """The customer after the owner changed the mobile, so the timeline and audit log hold number changes."""
    response = manager_client.form(f"/customers/{customer.id}/edit", {
        **FORM, "name": "张三", "mobile": "13900001111", "sensitive_consent": "y", "version": "1"})
    assert response.status_code == 303, body(response)
    return customer


def assert_no_full_numbers(response) -> None:
    page = body(response)
    for pattern in PFI_PATTERNS.values():
        assert not pattern.search(page), f"full number on {response.request.path}"


# ---------------------------------------------------------------- every rendering path is masked


def test_list_page_and_fragment_are_masked(world, edited, manager_client):
    for response in (manager_client.get("/customers/"),
                     manager_client.get("/customers/", headers={"HX-Request": "true"})):
        assert response.status_code == 200
        assert "139****1111" in body(response) and "张三" in body(response)
        assert_no_full_numbers(response)


def test_detail_page_shows_level_1_masks_to_the_owner(world, customer, manager_client):
    response = manager_client.get(f"/customers/{customer.id}")
    page = body(response)
    assert response.status_code == 200
    assert MOBILE_MASKED in page and ID_L1 in page
    assert_no_full_numbers(response)


@pytest.mark.parametrize("who", ["manager", "supervisor", "admin"])
def test_whoever_sees_the_full_record_sees_the_full_address(world, customer, client_for, who):
    """Home visits are prepared from the address: the owner, the supervisor and admin see all of it (issue 8.12)."""
    page = body(client_for(getattr(world, who)).get(f"/customers/{customer.id}"))
    assert "北京市海淀区中关村大街1号院2号楼301" in page


def test_non_owner_manager_sees_the_name_masked(world, customer, client_for):
    colleague = client_for(world.colleague)
    page = body(colleague.get(f"/customers/{customer.id}"))
    assert "张*" in page and "张三" not in page
    assert ID_L2 in page and ID_L1 not in page
    assert "北京市海淀区" in page and "北京市海淀区****" not in page  # the address at L2
    listing = body(colleague.get("/customers/"))
    assert "张*" in listing and "张三" not in listing


def test_card_is_masked_for_every_role(world, customer, client_for):
    for user in (world.lobby, world.manager, world.colleague, world.supervisor, world.admin):
        response = client_for(user).get(f"/customers/{customer.id}/card")
        assert response.status_code == 200
        assert MOBILE_MASKED in body(response) and ID_L2 in body(response)
        assert_no_full_numbers(response)


def test_timeline_fragment_shows_number_changes_masked(world, edited, manager_client):
    before = (clock.now() + timedelta(minutes=1)).isoformat()
    response = manager_client.get(f"/customers/{edited.id}/timeline", query_string={"before": before},
                                  headers={"HX-Request": "true"})
    page = body(response)
    assert response.status_code == 200 and "<html" not in page
    assert "138****5678" in page and "139****1111" in page  # old → new, both masked
    assert_no_full_numbers(response)


def test_edit_form_never_contains_the_numbers(world, customer, manager_client):
    response = manager_client.get(f"/customers/{customer.id}/edit")
    page = body(response)
    assert response.status_code == 200
    assert MOBILE_MASKED in page and ID_L1 in page  # as placeholders: "leave empty to keep"
    assert_no_full_numbers(response)


def test_search_fragment_is_masked(world, customer, manager_client):
    response = manager_client.hx("POST", "/customers/search", {"q": MOBILE})
    assert response.status_code == 200
    assert MOBILE_MASKED in body(response) and f'id="customer-{customer.id}"' in body(response)
    assert_no_full_numbers(response)


def test_audit_page_is_masked(world, edited, supervisor_client, manager_client):
    manager_client.form(f"/customers/{edited.id}/reveal", {"which": "id_number", "reason": "开户核对"})
    response = supervisor_client.get("/audit/")
    page = body(response)
    assert response.status_code == 200
    assert tr("Created a customer") in page and tr("Changed customer details") in page
    assert tr("Revealed a full number") in page
    assert "138****5678" in page and "139****1111" in page and ID_L1 in page
    assert_no_full_numbers(response)


def test_an_id_number_typed_into_the_credit_code_box_is_not_echoed(world, manager_client):
    response = manager_client.form("/customers/new", {**FORM, "kind": "business", "name": "某某商贸",
                                                      "contact_name": "钱经理", "uscc": ID_NUMBER})
    assert response.status_code == 200
    assert ID_L2 in body(response)  # "typed before: 1****************X · please type again"
    assert_no_full_numbers(response)
    assert count(Customer) == 0


def test_duplicate_feedback_is_masked(world, customer, manager_client):
    response = manager_client.hx("POST", "/customers/validate/mobile", {"mobile": MOBILE})
    assert response.status_code == 200
    assert f"/customers/{customer.id}" in body(response)
    assert_no_full_numbers(response)


# ---------------------------------------------------------------- reveal (A4, B5)


def reveals() -> list[AuditEvent]:
    db.session.expire_all()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "reveal")).all()


def test_lobby_cannot_reveal(world, customer, lobby_client):
    assert lobby_client.form(f"/customers/{customer.id}/reveal", {"which": "mobile", "reason": "回电"}).status_code \
        == 403
    assert reveals() == []


def test_non_owner_manager_cannot_reveal(world, customer, client_for):
    colleague = client_for(world.colleague)
    for which in ("mobile", "id_number"):
        assert colleague.hx("POST", f"/customers/{customer.id}/reveal", {"which": which, "reason": "回电"}) \
            .status_code == 403
    assert reveals() == []


@pytest.mark.parametrize("reason", ["", "   ", "x"], ids=["empty", "blank", "one-char"])
def test_reveal_without_a_reason_is_refused_in_the_form(world, customer, manager_client, reason):
    """A 422 the number's slot swaps in: the masked number, the form open, the message under the reason."""
    response = manager_client.hx("POST", f"/customers/{customer.id}/reveal", {"which": "mobile", "reason": reason})
    assert response.status_code == 422
    page = body(response)
    assert MOBILE not in page and "<html" not in page
    assert 'id="reveal-form-mobile" open' in page and 'is-invalid' in page
    assert reveals() == []


def test_a_number_in_the_reveal_reason_comes_back_masked_with_its_own_message(world, customer, manager_client):
    response = manager_client.hx("POST", f"/customers/{customer.id}/reveal",
                                 {"which": "id_number", "reason": "核对 13912345678"})
    assert response.status_code == 422
    page = body(response)
    assert "13912345678" not in page and "139****5678" in page
    assert tr("Please leave the number out of the reason; it is shown masked here.") in page
    assert ID_NUMBER not in page
    assert reveals() == []


def test_the_number_slots_swap_a_refusal_in(world, customer, manager_client):
    page = body(manager_client.get(f"/customers/{customer.id}"))
    assert '<span id="reveal-mobile" data-swap-errors>' in page and '<span id="reveal-id_number" data-swap-errors>' in page


def test_reveal_of_an_unknown_field_is_400(world, customer, manager_client):
    response = manager_client.hx("POST", f"/customers/{customer.id}/reveal", {"which": "name", "reason": "核对"})
    assert response.status_code == 400
    assert reveals() == []


def test_reveal_of_a_number_that_is_not_stored_is_400(world, make_customer, manager_client):
    without_id = make_customer(world.manager, name="李四")
    response = manager_client.hx("POST", f"/customers/{without_id.id}/reveal", {"which": "id_number", "reason": "核对"})
    assert response.status_code == 400
    assert reveals() == []


@pytest.mark.parametrize(("which", "value"), [("mobile", MOBILE), ("id_number", ID_NUMBER)])
def test_owner_reveal_returns_the_value_and_writes_one_audit_row(world, customer, manager_client, which, value):
    response = manager_client.hx("POST", f"/customers/{customer.id}/reveal", {"which": which, "reason": "客户来电核实"})

    assert response.status_code == 200
    assert f'data-testid="revealed-value">{value}<' in body(response)
    assert "no-store" in response.headers["Cache-Control"]  # the full number is never cached
    assert "<html" not in body(response)
    rows = reveals()
    assert len(rows) == 1
    row = rows[0]
    assert (row.actor_id, row.actor_role, row.customer_id, row.branch_id) == \
        (world.manager.id, "manager", customer.id, world.branch.id)
    assert row.details == {"field": which, "reason": "客户来电核实"}
    assert value not in json.dumps(row.details)


def test_reveal_needs_a_fresh_login(world, customer, manager_client):
    clock.freeze(clock.now() + timedelta(minutes=16))

    page = manager_client.form(f"/customers/{customer.id}/reveal", {"which": "mobile", "reason": "回电"})
    assert page.status_code == 302
    target = urlsplit(page.headers["Location"])
    assert target.path == "/reauthenticate" and unquote(target.query) == f"next=/customers/{customer.id}"

    fragment = manager_client.hx("POST", f"/customers/{customer.id}/reveal", {"which": "mobile", "reason": "回电"})
    assert fragment.status_code == 401
    assert urlsplit(fragment.headers["HX-Redirect"]).path == "/reauthenticate"
    assert MOBILE not in body(page) + body(fragment)
    assert reveals() == []

    # Typing the password again opens the reveal for another 15 minutes.
    assert manager_client.form("/reauthenticate", {"password": PASSWORD}).status_code == 302
    again = manager_client.hx("POST", f"/customers/{customer.id}/reveal", {"which": "mobile", "reason": "回电"})
    assert again.status_code == 200 and MOBILE in body(again)
    assert len(reveals()) == 1


# ---------------------------------------------------------------- storage (F2)


def test_database_holds_no_plaintext_numbers(world, make_customer, manager_client, customer):
    second_id = make_id_number(19800101, 3)
    created = manager_client.form("/customers/new", {**FORM, "mobile": "+86 186-1234-5678", "id_number": second_id,
                                                     "sensitive_consent": "y"})
    assert created.status_code == 303
    manager_client.form(f"/customers/{customer.id}/edit", {**FORM, "mobile": "13900001111", "version": "1",
                                                           "sensitive_consent": "y", "name": "张三"})
    manager_client.form(f"/customers/{customer.id}/reveal", {"which": "id_number", "reason": "核对"})
    assert count(Customer) == 2
    typed = ("13812345678", "18612345678", "13900001111", ID_NUMBER, second_id)

    db.session.expire_all()
    leaks = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)).mappings():
            for column, value in row.items():
                text = json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value
                if not isinstance(text, str):
                    continue
                # A keyed hash is hex: its digit runs can look like a number by chance, never the typed one.
                pattern_hit = not column.endswith("_hash") and any(p.search(text) for p in PFI_PATTERNS.values())
                if pattern_hit or any(t in text for t in typed):
                    leaks.append((table.name, column, text))
    assert leaks == []
    stored = db.session.get(Customer, customer.id)
    assert stored.mobile == "13900001111" and stored.mobile_enc and "13900001111" not in stored.mobile_enc


# ---------------------------------------------------------------- search (F2, F3, §4.5)


@pytest.fixture
def people(world, make_customer, customer):
    """张三 (13812345678 / 11010519491231002X) plus two others of the branch."""
    return {
        "zhang": customer,
        "li": make_customer(world.manager, name="李四", mobile="13900001111"),
        "zhangwei": make_customer(world.colleague, name="张伟", mobile="18612345678"),
    }


def found(response) -> set[int]:
    return {int(i) for i in re.findall(r'<tr id="customer-(\d+)"', body(response))}


@pytest.mark.parametrize(("q", "who"), [
    (MOBILE, {"zhang"}),
    ("+86 138 1234 5678", {"zhang"}),
    (ID_NUMBER, {"zhang"}),
    ("11010519491231002x", {"zhang"}),
    ("5678", {"zhang", "zhangwei"}),
    ("张", {"zhang", "zhangwei"}),
    ("张三", {"zhang"}),
    ("李", {"li"}),
], ids=["mobile", "mobile-spaced", "id", "id-lower-x", "last4", "name-prefix", "full-name", "other-name"])
def test_search(world, people, manager_client, q, who):
    response = manager_client.hx("POST", "/customers/search", {"q": q})
    assert response.status_code == 200
    assert found(response) == {people[k].id for k in who}
    assert 'data-testid="search-error"' not in body(response)


@pytest.mark.parametrize("q", ["138123", "1381234567", "12345", "0021", "2312310"])
def test_partial_numbers_are_refused(world, people, manager_client, q):
    response = manager_client.hx("POST", "/customers/search", {"q": q})
    if q == "0021":  # four digits are a last-4 search, simply with no match
        assert found(response) == set()
        return
    assert response.status_code == 200
    assert found(response) == set()
    assert tr("Search by the full mobile number, the full ID card number, or the last 4 digits of the mobile.") \
        in body(response)


@pytest.mark.parametrize("q", [MOBILE, ID_NUMBER, "5678", "138123", "+86 138-1234-5678"])
def test_numbers_never_go_into_the_pushed_url(world, people, manager_client, q):
    response = manager_client.hx("POST", "/customers/search", {"q": q, "tier": "C"})
    pushed = unquote(response.headers["HX-Push-Url"])
    assert urlsplit(pushed).path == "/customers/"
    assert "q=" not in pushed and "tier=C" in pushed
    digits = "".join(ch for ch in q if ch.isdigit())
    assert digits[-4:] not in pushed


def test_name_search_goes_into_the_pushed_url(world, people, manager_client):
    response = manager_client.hx("POST", "/customers/search", {"q": "张"})
    assert unquote(response.headers["HX-Push-Url"]) == "/customers/?q=张"


def test_a_number_in_the_list_url_is_ignored(world, people, manager_client):
    response = manager_client.get(f"/customers/?q={MOBILE}")
    assert response.status_code == 200
    assert len(found(response)) == 3  # no filter applied, and the box is not filled with the number


def test_the_61st_number_search_in_a_minute_is_429(world, people, manager_client, client_for):
    for i in range(60):
        response = manager_client.hx("POST", "/customers/search", {"q": MOBILE if i % 2 else "5678"})
        assert response.status_code == 200, i
    assert manager_client.hx("POST", "/customers/search", {"q": ID_NUMBER}).status_code == 429
    # Name searches are not number searches, and the limit is per user.
    assert manager_client.hx("POST", "/customers/search", {"q": "张"}).status_code == 200
    assert client_for(world.supervisor).hx("POST", "/customers/search", {"q": MOBILE}).status_code == 200


def test_name_searches_are_not_limited(world, people, manager_client):
    for _ in range(70):
        assert manager_client.hx("POST", "/customers/search", {"q": "张"}).status_code == 200


# ---------------------------------------------------------------- logs (G2)


def test_logs_carry_no_numbers(world, customer, manager_client, caplog):
    caplog.set_level(logging.DEBUG)
    # Even SQL logging with parameters shows only ciphertext and keyed hashes.
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    manager_client.form("/customers/new", {**FORM, "mobile": "186 1234 5678", "id_number": "110105194912310021",
                                           "sensitive_consent": "y"})  # refused: bad check character
    manager_client.form("/customers/new", {**FORM, "mobile": "18612345678", "sensitive_consent": "y"})
    manager_client.form(f"/customers/{customer.id}/edit", {**FORM, "name": "张三", "mobile": "13900001111",
                                                           "version": "1", "sensitive_consent": "y"})
    manager_client.hx("POST", "/customers/search", {"q": ID_NUMBER})
    manager_client.hx("POST", "/customers/search", {"q": "13900001111"})
    manager_client.hx("POST", f"/customers/{customer.id}/reveal", {"which": "id_number", "reason": "核对"})
    assert caplog.records, "nothing was logged: the check proves nothing"
    for pattern in PFI_PATTERNS.values():
        assert not pattern.search(caplog.text)
    assert "csrf_token" not in caplog.text
