"""Found in the try-out: a mobile written with underscores or middle dots between its groups (139_1234_5678,
139·1234·5678, the way some people type it on a phone keyboard) is neither refused in a follow-up note or an
appointment's purpose nor masked when shown: the customer page, the calendar and the .ics file show it in full.
Spaces, hyphens, dots and Unicode dashes are already seen through (tests/foundation/test_hidden_separators.py)."""

from __future__ import annotations

import pytest

from app.core.privacy import contains_personal_number, mask_numbers_in_text
from tests.appointments.helpers import booking, statuses
from tests.followups.conftest import TODAY, follow_ups

SEPARATORS = ["_", "\uff3f", "\u00b7", "~"]


@pytest.mark.parametrize("sep", SEPARATORS, ids=[f"U+{ord(c):04X}" for c in SEPARATORS])
def test_a_mobile_with_other_separators_is_found_and_masked(sep):
    typed = f"139{sep}1234{sep}5678"
    assert contains_personal_number(f"客户新号 {typed}")
    assert mask_numbers_in_text(f"客户新号 {typed} 晚上打") == "客户新号 139****5678 晚上打"


@pytest.mark.parametrize("sep", SEPARATORS, ids=[f"U+{ord(c):04X}" for c in SEPARATORS])
def test_such_a_note_or_purpose_is_refused(monday, world, customer, manager_client, sep):
    typed = f"回电 139{sep}1234{sep}5678"
    response = manager_client.hx("POST", f"/follow-ups/customer/{customer.id}",
                                 {"kind": "other", "due_on": TODAY.isoformat(), "note": typed})
    assert response.status_code == 422 and follow_ups(kind="other") == []
    manager_client.hx("POST", f"/appointments/customer/{customer.id}/book",
                      booking("2026-12-07T10:00", mode="direct", purpose=typed))
    assert statuses() == []
