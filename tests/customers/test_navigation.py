"""The navigation lights exactly one item: the page's own, else its area's first (issue 8 item 14)."""

from __future__ import annotations

from tests.foundation.test_navigation import active_items, get, nav


def test_exactly_one_item_is_lit_on_every_page_of_an_area(world, customer, client_for, admin_client):
    supervisor = client_for(world.supervisor)
    assert active_items(get(supervisor, "/customers/")) == ["/customers/"]
    assert active_items(get(supervisor, f"/customers/{customer.id}")) == ["/customers/"]
    assert active_items(get(supervisor, "/customers/archived")) == ["/customers/"]
    assert active_items(get(supervisor, "/audit/")) == ["/audit/"]
    assert active_items(get(supervisor, "/team")) == ["/team"]
    assert active_items(get(admin_client, "/admin/users")) == ["/admin/"]
    assert active_items(get(admin_client, "/audit/")) == ["/audit/"]
    assert nav(get(supervisor, "/customers/")).count("nav-link active") == 1
