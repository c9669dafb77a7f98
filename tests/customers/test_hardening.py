"""Edge cases found in review: numbers typed into free text, odd ids and dates, limits on probing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.core import clock
from app.core.extensions import db
from app.customers import records
from app.models import Activity, AuditEvent, LoginFailure
from tests.customers.helpers import body


def test_a_number_typed_into_a_note_is_refused_and_shown_masked(customer, manager_client):
    # The input rule (README, privacy): free text may not hold a full number; the note comes back masked.
    response = manager_client.hx("POST", f"/customers/{customer.id}/activities",
                                 {"kind": "call", "outcome": "reached", "note": "回拨 13912345678"})
    assert response.status_code == 200
    assert "139****5678" in body(response)
    assert db.session.scalar(select(Activity.id)) is None


def test_a_note_saved_with_a_number_is_stored_masked_in_the_audit_log(world, customer):
    # Text written around the form (an import, older data) is masked when the audit row is written.
    data = records.CustomerData(kind="individual", name="张三", source="walk_in", status="prospect",
                                mobile="13812345678", sensitive_consent=True, notes="妻子电话 13912345678")
    records.update_customer(world.manager, customer, data, expected_version=customer.version)
    db.session.commit()
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "customer_update")).all()
    notes = [r.details for r in rows if r.details.get("field") == "notes"]
    assert notes and "139****5678" in notes[0]["new"] and "13912345678" not in str(notes)


def test_oversized_ids_and_filters_are_not_errors(customer, manager_client, supervisor_client):
    assert manager_client.get("/customers/" + "9" * 25).status_code == 404
    assert manager_client.get("/customers/?owner=" + "9" * 25).status_code == 200
    assert supervisor_client.get("/audit/?customer=" + "9" * 25).status_code in (200, 400)


def test_a_timeline_date_without_timezone_is_read_as_utc(customer, manager_client):
    response = manager_client.hx("GET", f"/customers/{customer.id}/timeline?before=2099-01-01")
    assert response.status_code == 200


def test_a_plain_number_search_does_not_echo_the_number(customer, manager_client):
    response = manager_client.form("/customers/search", {"q": "13812345678"})
    assert response.status_code == 200
    assert "138****5678" in body(response)  # found, and the hook proves the search box is empty


def test_password_confirmation_locks_after_five_failures(world, manager_client):
    for _ in range(5):
        response = manager_client.form("/reauthenticate", {"password": "wrong password"})
        assert response.status_code == 200
    response = manager_client.form("/reauthenticate", {"password": "correct horse battery staple"})
    assert response.status_code == 200  # refused although right: the account's failures count
    assert db.session.scalar(select(db.func.count()).select_from(LoginFailure)) == 5
    failures = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("reauth_%"))).all()
    assert {f.action for f in failures} == {"reauth_failed", "reauth_locked"}
    clock.freeze(clock.now() + timedelta(minutes=16))
    response = manager_client.form("/reauthenticate", {"password": "correct horse battery staple"})
    assert response.status_code == 302  # the window has passed


def test_the_duplicate_check_is_rate_limited_like_number_searches(app, manager_client):
    limit = int(app.config["SEARCH_NUMBER_LIMIT"].split()[0])
    for _ in range(limit):
        response = manager_client.hx("POST", "/customers/validate/mobile",
                                     {"kind": "individual", "mobile": "13812345678"})
        assert response.status_code == 200
    response = manager_client.hx("POST", "/customers/validate/mobile", {"kind": "individual", "mobile": "13812345678"})
    assert response.status_code == 429
    # a name check is not a number probe and stays unlimited
    assert manager_client.hx("POST", "/customers/validate/name", {"kind": "individual", "name": "张"}).status_code == 200


def test_out_of_range_timeline_cursors_are_a_bad_request(customer, manager_client):
    # Each of these once reached the database (or the UTC conversion) and gave a 500.
    for before in ("0001-01-01T00:00:00%2B14:00", "9999-12-31T23:59:59-01:00", "1850-01-01", "9999-06-01",
                   "2026-13-01", "garbage", ""):
        for client_call in (manager_client.get, lambda url: manager_client.hx("GET", url)):
            response = client_call(f"/customers/{customer.id}/timeline?before={before}")
            assert response.status_code == 400, before
    odd = f"/customers/{customer.id}/timeline?before=2026-01-01T00:00:00%2B00:00&before_rank=1&before_id=" + "9" * 20
    assert manager_client.get(odd).status_code == 400
