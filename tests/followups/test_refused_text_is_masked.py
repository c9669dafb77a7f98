"""Found in the try-out: "add follow-up" refuses a note holding a full mobile number (right), but the form it
sends back prints the number in full in the note field. The rule (README, Privacy): the form comes back with the
number masked, the page never echoes it."""

from __future__ import annotations

from tests.customers.helpers import body
from tests.followups.conftest import TODAY, follow_ups


def test_a_refused_note_comes_back_masked(monday, manager_client, customer):
    response = manager_client.hx("POST", f"/follow-ups/customer/{customer.id}",
                                 {"kind": "other", "due_on": TODAY.isoformat(), "note": "回电 13912345678"})
    assert response.status_code == 422
    assert follow_ups(kind="other") == []
    page = body(response)
    assert "13912345678" not in page, "the refused note echoes the full mobile number"
    assert "139****5678" in page, "the note should come back with the number masked (nothing silently lost)"
