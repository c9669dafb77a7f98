"""The inbox's date filter (tryout findings 5 and 6): a date out of the calendar's range, or an end before the
start, is answered at its field with the audit log's words, on the full page and on the htmx path (where only
the list is swapped), never a 400 nor a misleading empty list."""

from __future__ import annotations

import re

import pytest

from app.core import clock
from tests.customers.helpers import body, error_slot, input_tag, tr


def _out_of_range() -> str:
    return tr("Choose a date between 1900-01-01 and 9998-12-31.")


def _end_before_start() -> str:
    return tr("The end date is before the start date.")


def _start_after_today() -> str:
    return tr("The start date is after today: nothing has been recorded from then on.")


def _both_answers(client, query: str) -> list[str]:
    """The inbox for `query` as a full page and as the htmx list, each answered 200."""
    url = f"/referrals/?tab=branch&{query}"
    responses = (client.get(url), client.hx("GET", url))
    assert [r.status_code for r in responses] == [200, 200]
    return [body(r) for r in responses]





@pytest.mark.parametrize(("query", "field"), [("start=0001-01-01", "rf-start"), ("end=9999-12-31", "rf-end"),
                                              ("start=1899-12-31&end=2026-12-01", "rf-start")])
def test_an_out_of_range_date_is_answered_at_its_field(world, customer, refer, supervisor_client, query, field):
    refer(world.manager, customer)
    page = supervisor_client.get(f"/referrals/?tab=branch&{query}")
    assert page.status_code == 200
    html = body(page)
    assert _out_of_range() in error_slot(html, field)
    assert "is-invalid" in input_tag(html, field) and 'aria-invalid="true"' in input_tag(html, field)
    assert f'aria-describedby="{field}-errors"' in input_tag(html, field)
    # the list does not pretend to be filtered by a date it did not use
    assert 'data-testid="no-referrals"' not in html and 'data-testid="referral-row"' not in html
    assert 'data-testid="referral-filter-error"' in html


def test_an_out_of_range_date_on_the_htmx_path(world, customer, refer, supervisor_client):
    refer(world.manager, customer)
    response = supervisor_client.hx("GET", "/referrals/?tab=branch&start=0001-01-01")
    assert response.status_code == 200
    html = body(response)
    assert "<html" not in html
    # what is swapped: the list (which says why it is empty) and, out of band, the date fields' error slots
    assert 'id="referral-list"' in html and 'data-testid="referral-filter-error"' in html
    assert re.search(r'<div id="rf-start-errors"[^>]*hx-swap-oob="true"', html)
    assert _out_of_range() in error_slot(html, "rf-start")
    assert re.search(r'<div id="rf-end-errors"[^>]*hx-swap-oob="true"', html)
    assert error_slot(html, "rf-end").strip() == ""


def test_a_fixed_date_clears_the_message_on_the_htmx_path(world, customer, refer, supervisor_client):
    refer(world.manager, customer)
    html = body(supervisor_client.hx("GET", "/referrals/?tab=branch&start=2026-12-01"))
    for field in ("rf-start", "rf-end"):
        assert re.search(rf'<div id="{field}-errors"[^>]*hx-swap-oob="true"', html)
        assert error_slot(html, field).strip() == ""
    assert 'data-testid="referral-row"' in html and 'data-testid="referral-filter-error"' not in html


def test_the_full_page_has_no_out_of_band_slots(world, customer, refer, supervisor_client):
    refer(world.manager, customer)
    html = body(supervisor_client.get("/referrals/?tab=branch&start=2026-12-01"))
    assert "hx-swap-oob" not in html.split('id="referral-list"')[1].split("</main>")[0]
    assert html.count('id="rf-start-errors"') == 1


def test_start_after_end_is_answered_at_the_end_date(world, customer, refer, supervisor_client):
    refer(world.manager, customer)
    for html in _both_answers(supervisor_client, "start=2026-12-02&end=2026-12-01"):
        assert _end_before_start() in error_slot(html, "rf-end")
        assert error_slot(html, "rf-start").strip() == ""
        assert 'data-testid="no-referrals"' not in html and 'data-testid="referral-filter-error"' in html
    page = body(supervisor_client.get("/referrals/?tab=branch&start=2026-12-02&end=2026-12-01"))
    assert "is-invalid" in input_tag(page, "rf-end") and "is-invalid" not in input_tag(page, "rf-start")
    assert 'value="2026-12-02"' in input_tag(page, "rf-start") and 'value="2026-12-01"' in input_tag(page, "rf-end")


def test_the_typed_out_of_range_date_stays_in_its_field(supervisor_client):
    page = body(supervisor_client.get("/referrals/?tab=branch&end=9999-12-31"))
    assert 'value="9999-12-31"' in input_tag(page, "rf-end")


def test_a_start_after_today_says_so_at_the_start_date(world, customer, refer, supervisor_client):
    """A mistyped year (2999 for 2026) would show an empty inbox with no reason; today itself is a start."""
    refer(world.manager, customer)
    for html in _both_answers(supervisor_client, "start=2999-01-01"):
        assert _start_after_today() in error_slot(html, "rf-start")
        assert 'data-testid="no-referrals"' not in html and 'data-testid="referral-filter-error"' in html
    today = clock.local_today().isoformat()
    html = body(supervisor_client.get(f"/referrals/?tab=branch&start={today}"))
    assert error_slot(html, "rf-start").strip() == "" and 'data-testid="referral-row"' in html
