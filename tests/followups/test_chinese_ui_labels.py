"""Found in the try-out: the no-JavaScript pages of my day's sections, of one follow-up and of a customer's
follow-ups label their breadcrumb navigation with the English word "breadcrumb" (aria-label), which a screen
reader reads out in the Chinese interface. Every label a user can meet must be translated."""

from __future__ import annotations

import pytest

from tests.customers.helpers import body
from tests.followups.conftest import TODAY, plan


@pytest.mark.parametrize("path", ["/my-day/follow-ups", "/my-day/appointments", "/my-day/referrals",
                                  "/follow-ups/{fid}", "/follow-ups/customer/{cid}", "/appointments/customer/{cid}"])
def test_no_english_aria_label_on_the_chinese_pages(monday, world, customer, manager_client, path):
    follow_up = plan(customer, world.manager, due=TODAY)
    page = body(manager_client.get(path.format(fid=follow_up.id, cid=customer.id)))
    assert 'aria-label="breadcrumb"' not in page
